//! One request/response call in flight, in one allocation: the request on its way to
//! the destination, the reply on its way back, and the caller's deadline.
//!
//! A call used to be three allocations and five steps (the reply slot, a boxed
//! delivery, a boxed reply; advance, deliver, advance, reply, poll the caller). Now the
//! [`Call`] is one `Rc` shared by the caller's [`Reply`] future and the timer queue:
//! - the request's arrival is still a step of its own, ordered by the tape among the
//!   other work due at the same instant, because its handler runs model code at the
//!   destination;
//! - the reply's arrival, and the caller's timeout, are not steps: when time reaches
//!   them the engine checks the reply's fate and fills the caller's slot on the spot,
//!   as it wakes a sleeping task (see `Timer::Reply` in `executor.rs`).
//!
//! Why dropping the reply's step drops no behaviour: filling the slot and waking the
//! caller is invisible to every actor but the caller, and the caller sees it only when
//! it is next polled, which is itself a step the tape orders among everything due at
//! that instant, as before. What the reply's step could still observe is the state of
//! the link at its own position among the steps of that instant:
//! - a crash or restart of the caller at that instant: the caller's task never takes
//!   the reply either way;
//! - a partition made at that very millisecond: the reply now lands first. The lost
//!   outcome is the run whose reply took one millisecond longer, and every actor sees
//!   the same in both (a lost reply is never observed, only its absence);
//! - the caller's deadline at that very millisecond (only when pauses or long delays
//!   are armed): timers due together settle in the order they were set, so the
//!   deadline, set first, wins. The reply's win is the run whose reply took one
//!   millisecond less: the caller takes the same reply, one millisecond earlier;
//! - the caller woken at that very millisecond by something else (a sleep it races
//!   the reply against, a `Notify`): the reply has landed when it is polled, so a
//!   combinator that looks at the reply first takes it. "No reply yet" is the run
//!   whose reply took one millisecond longer.
//!
//! Each "one millisecond" run exists only when the reply's delay can move by one: the
//! delay is drawn from `delay_min_ms..=delay_max_ms`, so at the end of that range, or
//! with a fixed latency (`delay_min_ms == delay_max_ms`), that tie is now always
//! settled one way. Every network config in the scenarios has a range of at least
//! 1..=100 ms.
//!
//! Two more differences from the boxed legs: a request held for a paused destination
//! labels its draws (the handler's, the reply's delay and loss) with the caller's
//! node when it is released, as every other delivery does (the held closure used to
//! run as the engine's node); and a lost call nobody waits for sets no timeout, but
//! still holds time open until its deadline ([`Sim::hold_time_until`]).

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use crate::executor::{Runnable, Sim, Timer};
use crate::fault::EngineFault;
use crate::net::NetError;
use crate::node::NodeId;
use crate::time::SimTime;
use crate::trace::{EventKind, Message};
use crate::wakeup::Wakeup;

/// What the engine does with a call in flight; implemented by [`Call`] for each
/// handler and reply type.
pub(crate) trait Leg {
    /// The request reaches its destination: a step. A paused destination takes it
    /// when it resumes (`held` says it was held already and runs now).
    fn deliver(self: Rc<Self>, sim: &Sim, held: bool);
    /// The reply reaches the caller, as time advances to its arrival.
    fn reply_arrives(self: Rc<Self>, sim: &Sim);
    /// The caller's deadline passes, as time advances to it.
    fn time_out(&self, sim: &Sim);
}

/// A call in flight. Shared by the caller's [`Reply`] and the timer queue.
pub(crate) struct Call<F, R> {
    from: NodeId,
    to: NodeId,
    label: &'static str,
    /// The node the caller's draws were labelled with; the request's draws are too.
    actor: NodeId,
    deadline: SimTime,
    /// Whether a timeout at `deadline` is on the timer queue already.
    deadline_armed: Cell<bool>,
    /// The caller's incarnation: a reply to an earlier life is dropped.
    caller_life: u32,
    handler: Cell<Option<F>>,
    slot: RefCell<Slot<R>>,
}

/// Where the reply travels and lands. A crashed caller's task is gone, so filling its
/// slot wakes nothing.
struct Slot<R> {
    /// The handler's result, on its way back.
    in_flight: Option<R>,
    /// What the caller gets.
    value: Option<Result<R, NetError>>,
    waker: Option<Wakeup>,
    /// Filled once: a reply after the timeout, or a second timeout, changes nothing.
    done: bool,
}

impl<F: FnOnce(&Sim) -> R + 'static, R: 'static> Call<F, R> {
    /// Sends the request, after a delay drawn from the tape. The caller's deadline is
    /// armed now only when a reply may outlive it (see `calls_can_outlive_timeout`);
    /// otherwise only a lost message arms it.
    #[inline]
    pub(crate) fn start<'s>(
        sim: &'s Sim,
        from: NodeId,
        to: NodeId,
        label: &'static str,
        handler: F,
    ) -> Reply<'s, F, R> {
        let k = sim.k();
        let deadline = sim.now().plus_ms(sim.net_config().timeout_ms);
        let call = Rc::new(Call {
            from,
            to,
            label,
            actor: k.actor.get(),
            deadline,
            deadline_armed: Cell::new(false),
            caller_life: sim.incarnation(from),
            handler: Cell::new(Some(handler)),
            slot: RefCell::new(Slot { in_flight: None, value: None, waker: None, done: false }),
        });
        sim.record_message(from, Message::Send, to, label);
        let delay_ms = sim.net_delay_ms(from, to, label);
        if sim.calls_can_outlive_timeout() {
            call.deadline_armed.set(true);
            sim.schedule(deadline, Timer::Timeout(call.clone()));
        }
        sim.schedule(sim.now().plus_ms(delay_ms), Timer::Request(call.clone()));
        Reply { call, sim }
    }

    /// The caller can no longer see a reply: it has one, or nobody awaits it.
    fn settled(self: &Rc<Self>) -> bool {
        self.slot.borrow().done || Rc::strong_count(self) == 1
    }

    /// A lost request or reply: the caller learns of it only when its deadline passes.
    /// When nobody can learn of it, no timer is set, but the deadline still holds time
    /// open: a run that falls quiet reaches it, as it did when every lost call kept a
    /// timeout pending ([`Sim::hold_time_until`]).
    fn lost_until_deadline(self: Rc<Self>, sim: &Sim) {
        if self.deadline_armed.get() {
            return;
        }
        if self.settled() {
            sim.hold_time_until(self.deadline);
            return;
        }
        self.deadline_armed.set(true);
        sim.schedule(self.deadline, Timer::Timeout(self));
    }

    /// Gives the caller `value`, once, and wakes it. Always inlined into the reply's
    /// arrival and the timeout: a `#[inline]` hint left it out of line there.
    #[inline(always)]
    fn fill(&self, sim: &Sim, value: Result<R, NetError>) {
        let waker = {
            let mut s = self.slot.borrow_mut();
            if s.done {
                return;
            }
            s.done = true;
            s.value = Some(value);
            s.waker.take()
        };
        if let Some(w) = waker {
            sim.wake_up(w);
        }
    }
}

impl<F: FnOnce(&Sim) -> R + 'static, R: 'static> Leg for Call<F, R> {
    fn deliver(self: Rc<Self>, sim: &Sim, held: bool) {
        if !held && sim.is_paused(self.to) {
            return sim.hold_delivery(self.to, Runnable::HeldRequest(self));
        }
        let outer = sim.k().actor.replace(self.actor);
        let (from, to, label) = (self.from, self.to, self.label);
        let handler = self.handler.take().expect("a request is delivered once");
        match sim.arrive(from, to, label, handler) {
            None => self.lost_until_deadline(sim),
            Some(_) if sim.lost(EngineFault::ReplyLost, to, from, ("reply to ", label)) => {
                sim.record(to, EventKind::Lost { to: from, label, why: "reply lost" });
                self.lost_until_deadline(sim);
            }
            Some(reply) => {
                let delay_ms = sim.net_delay_ms(to, from, "reply");
                self.slot.borrow_mut().in_flight = Some(reply);
                sim.schedule(sim.now().plus_ms(delay_ms), Timer::Reply(self));
            }
        }
        sim.k().actor.set(outer);
    }

    fn reply_arrives(self: Rc<Self>, sim: &Sim) {
        let (from, to, label) = (self.from, self.to, self.label);
        let (reply, done) = {
            let mut slot = self.slot.borrow_mut();
            (slot.in_flight.take().expect("a reply in flight"), slot.done)
        };
        // `link_down_reason(to, from)`, then the caller's life, from one look at its node.
        let why = match sim.incarnation_if_up(from) {
            None => Some("destination down"),
            Some(_) if sim.partitioned(to, from) => Some("partitioned"),
            Some(life) if life != self.caller_life => Some("caller restarted"),
            Some(_) => done.then_some("caller timed out"),
        };
        if let Some(why) = why {
            sim.record(to, EventKind::Lost { to: from, label, why });
            drop(reply);
            return self.lost_until_deadline(sim);
        }
        sim.record_message(from, Message::Reply, from, label);
        self.fill(sim, Ok(reply));
    }

    fn time_out(&self, sim: &Sim) {
        self.fill(sim, Err(NetError::Timeout));
    }
}

/// The caller's side of a call: completes with the reply or the timeout.
pub(crate) struct Reply<'s, F, R> {
    call: Rc<Call<F, R>>,
    sim: &'s Sim,
}

impl<F, R> Future for Reply<'_, F, R> {
    type Output = Result<R, NetError>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut s = self.call.slot.borrow_mut();
        match s.value.take() {
            Some(v) => Poll::Ready(v),
            None => {
                if !s.waker.as_ref().is_some_and(|w| w.will_wake(self.sim, cx.waker())) {
                    s.waker = Some(self.sim.wakeup_for(cx.waker()));
                }
                Poll::Pending
            }
        }
    }
}
