//! Simulated time for shuttle, which has none: a logical clock advanced by the model.
//!
//! lockstep's create-lock scenario is an event-driven simulation: nothing happens
//! between events, and time jumps to the next due timer once every actor has done
//! what it can at the current instant. Shuttle schedules tasks but has no timers, so
//! this module keeps the same discipline by hand:
//!
//! * every model task is *active* unless it awaits a timer ([`Clock::sleep_until`]) or
//!   a [`Signal`] (a reactive query re-run);
//! * the driver ([`Clock::run`]) waits until no task is active, then moves `now` to
//!   the earliest deadline and wakes every timer due then (ties in one go, so shuttle's
//!   scheduler orders them: that is where the races are);
//! * a wake counts the woken task active at once, before it is polled, so the driver
//!   can never slip past a task that has work at the current instant;
//! * a task may wait for a signal *or* a deadline ([`Clock::wait`]): one slot is
//!   registered with both, and whichever fires first wakes it.
//!
//! The clock's state sits behind `std` mutexes that are never held across an
//! `.await`; shuttle runs one task at a time, so its scheduling points are exactly the
//! model's `.await`s. A sandbox's boot is not a task: [`Clock::alarm`] only keeps
//! time running up to its end.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

/// Ticks (30 s) since the run started.
pub type Tick = u64;

#[derive(Default)]
struct State {
    now: Tick,
    /// Tasks that can run at `now` (spawned or woken and not yet waiting again).
    active: usize,
    /// Pending timers by (deadline, arrival order): the order is a key only.
    timers: BTreeMap<(Tick, u64), Slot>,
    next_timer: u64,
    /// The driver, parked while some task is active.
    driver: Option<Waker>,
}

/// One waiting task: its waker until it is woken, then `None` (already counted active).
type Slot = Arc<Mutex<Option<Waker>>>;

/// The run's clock. Cheap to clone; all clones share one time.
#[derive(Clone, Default)]
pub struct Clock(Arc<Mutex<State>>);

impl Clock {
    /// Counts a task that is about to be spawned as active.
    pub fn task_started(&self) {
        self.0.lock().expect("clock").active += 1;
    }

    /// A task returned (or a crash ended it): it no longer holds time back.
    pub fn task_finished(&self) {
        let mut s = self.0.lock().expect("clock");
        s.active -= 1;
        wake_driver_if_idle(&mut s);
    }

    /// Waits until the clock reads `deadline` (at once if it already has).
    pub async fn sleep_until(&self, deadline: Tick) {
        self.wait(None, Some(deadline)).await
    }

    /// Keeps time running up to `deadline` for an actor that is not a task (the
    /// provider's boot of a sandbox).
    pub fn alarm(&self, deadline: Tick) {
        let mut s = self.0.lock().expect("clock");
        let key = (deadline, s.next_timer);
        s.next_timer += 1;
        s.timers.insert(key, Arc::new(Mutex::new(None)));
    }

    /// Waits for the next notify of `signal`, or until `deadline` if one is given,
    /// whichever comes first (one slot, registered with both).
    pub async fn wait(&self, signal: Option<&Signal>, deadline: Option<Tick>) {
        let slot: Slot = Arc::new(Mutex::new(None));
        let timer = {
            let mut s = self.0.lock().expect("clock");
            if deadline.is_some_and(|d| d <= s.now) {
                return;
            }
            deadline.map(|d| {
                let key = (d, s.next_timer);
                s.next_timer += 1;
                s.timers.insert(key, slot.clone());
                key
            })
        };
        if let Some(signal) = signal {
            signal.waiters.lock().expect("signal").push(slot.clone());
        }
        Wait { clock: self.clone(), slot, timer, registered: false }.await
    }

    /// Runs time forward until no task is active and no timer is pending, calling
    /// `advance` with each new time before it wakes that time's timers.
    pub async fn run(&self, mut advance: impl FnMut(Tick)) {
        std::future::poll_fn(|cx| {
            let mut s = self.0.lock().expect("clock");
            loop {
                if s.active > 0 {
                    s.driver = Some(cx.waker().clone());
                    return Poll::Pending;
                }
                let Some((&(deadline, _), _)) = s.timers.first_key_value() else {
                    return Poll::Ready(());
                };
                s.now = deadline;
                advance(deadline);
                while let Some(entry) = s.timers.first_entry() {
                    if entry.key().0 != deadline {
                        break;
                    }
                    let slot = entry.remove();
                    wake(&mut s, &slot);
                }
            }
        })
        .await
    }

    /// A new signal that tasks of this clock can wait on.
    pub fn signal(&self) -> Signal {
        Signal { clock: self.clone(), waiters: Arc::new(Mutex::new(Vec::new())) }
    }
}

fn wake_driver_if_idle(s: &mut State) {
    if s.active == 0 {
        if let Some(driver) = s.driver.take() {
            driver.wake();
        }
    }
}

/// Wakes the task waiting in `slot`, if it still waits, counting it active first.
fn wake(s: &mut State, slot: &Slot) {
    if let Some(waker) = slot.lock().expect("slot").take() {
        s.active += 1;
        waker.wake();
    }
}

/// A reactive query's pushes: a [`Clock::wait`] on it returns after the next
/// [`Signal::notify`] (a committed write). Not on time: Convex re-runs on writes.
#[derive(Clone)]
pub struct Signal {
    clock: Clock,
    waiters: Arc<Mutex<Vec<Slot>>>,
}

impl Signal {
    /// Wakes every task waiting now.
    pub fn notify(&self) {
        let waiters = std::mem::take(&mut *self.waiters.lock().expect("signal"));
        let mut s = self.clock.0.lock().expect("clock");
        for slot in &waiters {
            wake(&mut s, slot);
        }
    }
}

/// The future of one wait: on first poll the task stops counting as active.
struct Wait {
    clock: Clock,
    slot: Slot,
    /// Its timer, removed once the wait ends (a signal may end it first).
    timer: Option<(Tick, u64)>,
    registered: bool,
}

impl Future for Wait {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.registered {
            // Woken (the slot was emptied by `wake`, which counted us active) or a
            // spurious poll (the slot still holds a waker: keep waiting).
            if let Some(waker) = self.slot.lock().expect("slot").as_mut() {
                waker.clone_from(cx.waker());
                return Poll::Pending;
            }
            if let Some(key) = self.timer {
                self.clock.0.lock().expect("clock").timers.remove(&key);
            }
            return Poll::Ready(());
        }
        self.registered = true;
        *self.slot.lock().expect("slot") = Some(cx.waker().clone());
        let mut s = self.clock.0.lock().expect("clock");
        s.active -= 1;
        wake_driver_if_idle(&mut s);
        Poll::Pending
    }
}
