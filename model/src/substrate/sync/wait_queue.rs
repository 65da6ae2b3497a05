//! The wait queue of one lock: who holds it, who waits for it, and whom a release
//! grants it to.
//!
//! Every lock of the kit (mutex, read/write lock, one key of a mutex map) is a
//! [`LockState`] in the run's registry. A release hands the lock directly to the next
//! waiter(s) (no barging), chosen by the lock's [`Policy`]: the oldest waiter, or one
//! drawn from the tape (value 0 = the oldest, so a shrunk tape tends to FIFO). A waiter
//! that was granted the lock but whose task died before it ran releases it from its
//! destructor, and so does every guard: nothing a dead task held stays held.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use sim::ChoiceKind;

use super::registry::Registry;
use super::Owner;

/// Exclusive (a mutex, a writer) or shared (a reader).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    Exclusive,
    Shared,
}

/// Whom a release grants the lock to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Policy {
    /// The oldest waiter; readers at the head of the queue are granted together, and a
    /// waiting writer blocks every reader that arrives after it.
    Fifo,
    /// A waiter drawn from the tape (Go's `sync.Mutex` promises no order).
    Drawn,
}

/// A request in the queue, identified by its ticket.
pub(crate) struct Waiter {
    pub ticket: u64,
    pub owner: Owner,
    pub mode: Mode,
    waker: Option<Waker>,
}

/// A grant: the ticket it was given under, its owner and mode.
#[derive(Clone, Debug)]
pub(crate) struct Holder {
    pub ticket: u64,
    pub owner: Owner,
    pub mode: Mode,
}

/// One lock's holders and waiters.
pub(crate) struct LockState {
    pub name: String,
    pub policy: Policy,
    pub holders: Vec<Holder>,
    pub waiters: Vec<Waiter>,
}

impl LockState {
    pub fn new(name: String, policy: Policy) -> LockState {
        LockState { name, policy, holders: Vec::new(), waiters: Vec::new() }
    }

    /// Whether a request of `mode` is compatible with the current holders.
    fn compatible(&self, mode: Mode) -> bool {
        self.holders.is_empty() || (mode == Mode::Shared && self.holders.iter().all(|h| h.mode == Mode::Shared))
    }

    /// Whether a new request is granted at once: nobody waits ahead of it and the
    /// holders allow it.
    pub fn admits(&self, mode: Mode) -> bool {
        self.waiters.is_empty() && self.compatible(mode)
    }

    /// Grants the lock to as many waiters as the policy and the holders allow; returns
    /// their wakers, to be woken once no borrow is held. `draw` picks a waiter of a
    /// drawn lock (called only when there is a real choice).
    pub fn grant(&mut self, draw: impl Fn(u64) -> u64) -> Vec<Waker> {
        let mut woken = Vec::new();
        while !self.waiters.is_empty() {
            let index = match self.policy {
                Policy::Drawn if self.holders.is_empty() && self.waiters.len() > 1 => {
                    draw(self.waiters.len() as u64) as usize
                }
                _ => 0,
            };
            if !self.compatible(self.waiters[index].mode) {
                break;
            }
            let w = self.waiters.remove(index);
            self.holders.push(Holder { ticket: w.ticket, owner: w.owner, mode: w.mode });
            woken.extend(w.waker);
            if w.mode == Mode::Exclusive {
                break;
            }
        }
        woken
    }

    /// The owners the waiter at `position` waits for: the holders its mode conflicts
    /// with, and in a FIFO queue every waiter ahead of it (they are served first).
    pub fn blockers(&self, position: usize) -> impl Iterator<Item = &Owner> {
        let mode = self.waiters[position].mode;
        let ahead = if self.policy == Policy::Fifo { &self.waiters[..position] } else { &[] };
        let conflicting = self.holders.iter().filter(move |h| mode == Mode::Exclusive || h.mode == Mode::Exclusive);
        conflicting.map(|h| &h.owner).chain(ahead.iter().map(|w| &w.owner))
    }
}

/// A reference to one lock in the registry. The lock's state lives as long as some
/// handle, waiter or guard refers to it.
pub(crate) struct LockRef {
    pub reg: Rc<sim::Tracked<Registry>>,
    pub id: u64,
}

impl Drop for LockRef {
    fn drop(&mut self) {
        self.reg.borrow_mut().forget(self.id);
    }
}

/// A held grant: releases the lock when dropped (a guard ends, or its task dies).
pub(crate) struct Held {
    pub lock: Rc<LockRef>,
    pub ticket: u64,
}

impl Drop for Held {
    fn drop(&mut self) {
        release(&self.lock, self.ticket);
    }
}

/// Releases grant `ticket` of `lock` and hands the lock on.
fn release(lock: &LockRef, ticket: u64) {
    let woken = lock.reg.borrow_mut().release(lock.id, ticket);
    wake_all(woken);
}

fn wake_all(woken: Vec<Waker>) {
    for w in woken {
        w.wake();
    }
}

impl Registry {
    /// Removes grant `ticket` from `lock`'s holders and grants the lock on.
    fn release(&mut self, id: u64, ticket: u64) -> Vec<Waker> {
        let sim = self.sim.clone();
        let Some(state) = self.locks.get_mut(&id) else { return Vec::new() };
        state.holders.retain(|h| h.ticket != ticket);
        state.grant(|n| sim.draw(ChoiceKind::Schedule, n))
    }

    /// Queues a request, or grants it at once when the lock admits it.
    fn request(&mut self, id: u64, owner: &str, mode: Mode) -> (u64, bool) {
        self.next_ticket += 1;
        let ticket = self.next_ticket;
        let state = self.locks.get_mut(&id).expect("a lock lives while a handle refers to it");
        let owner = owner.to_string();
        if state.admits(mode) {
            state.holders.push(Holder { ticket, owner, mode });
            (ticket, true)
        } else {
            state.waiters.push(Waiter { ticket, owner, mode, waker: None });
            (ticket, false)
        }
    }

    /// Whether `ticket` holds `lock`; records `waker` if it still waits.
    fn poll_grant(&mut self, id: u64, ticket: u64, waker: &Waker) -> bool {
        let Some(state) = self.locks.get_mut(&id) else { return false };
        if state.holders.iter().any(|h| h.ticket == ticket) {
            return true;
        }
        if let Some(w) = state.waiters.iter_mut().find(|w| w.ticket == ticket) {
            w.waker = Some(waker.clone());
        }
        false
    }

    /// Withdraws a request whose waiter is gone; a grant it never saw is released.
    fn withdraw(&mut self, id: u64, ticket: u64) -> Vec<Waker> {
        let Some(state) = self.locks.get_mut(&id) else { return Vec::new() };
        if state.holders.iter().any(|h| h.ticket == ticket) {
            return self.release(id, ticket);
        }
        state.waiters.retain(|w| w.ticket != ticket);
        // A waiter ahead in a FIFO queue may have been what blocked the next ones.
        let sim = self.sim.clone();
        state.grant(|n| sim.draw(ChoiceKind::Schedule, n))
    }
}

/// Takes `lock` for `owner` in `mode`, waiting as long as it takes. Dropping the
/// future (its task died, or a timeout gave up) withdraws the request.
pub(crate) async fn acquire(lock: Rc<LockRef>, owner: &str, mode: Mode) -> Held {
    let (ticket, granted) = lock.reg.borrow_mut().request(lock.id, owner, mode);
    if !granted {
        WaitGrant { lock: lock.clone(), ticket, done: false }.await;
    }
    Held { lock, ticket }
}

/// Takes `lock` now if it admits the request, else `None` (Go's `TryLock`).
pub(crate) fn try_acquire(lock: &Rc<LockRef>, owner: &str, mode: Mode) -> Option<Held> {
    let admits = lock.reg.borrow().locks.get(&lock.id).is_some_and(|s| s.admits(mode));
    admits.then(|| {
        let (ticket, granted) = lock.reg.borrow_mut().request(lock.id, owner, mode);
        debug_assert!(granted);
        Held { lock: lock.clone(), ticket }
    })
}

/// Completes when the queued request `ticket` is granted.
struct WaitGrant {
    lock: Rc<LockRef>,
    ticket: u64,
    done: bool,
}

impl Future for WaitGrant {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let granted = self.lock.reg.borrow_mut().poll_grant(self.lock.id, self.ticket, cx.waker());
        if granted {
            self.done = true;
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

impl Drop for WaitGrant {
    fn drop(&mut self) {
        if !self.done {
            let woken = self.lock.reg.borrow_mut().withdraw(self.lock.id, self.ticket);
            wake_all(woken);
        }
    }
}
