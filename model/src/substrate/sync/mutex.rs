//! `sync.Mutex`: `Lock`, `Unlock` (drop the guard) and `TryLock`.
//!
//! A Go mutex grants a released lock to a waiter the tape draws ([`WakeOrder::Drawn`]:
//! Go promises no order); a JavaScript promise-chain mutex grants it to the oldest
//! ([`WakeOrder::Fifo`]). The lock lives in a node's memory: the guard of a task that
//! dies with its node is dropped and the lock is released.
//!
//! [`WakeOrder::Drawn`]: super::WakeOrder::Drawn
//! [`WakeOrder::Fifo`]: super::WakeOrder::Fifo

use std::rc::Rc;

use super::wait_queue::{acquire, try_acquire, Held, LockRef, Mode};
use super::Owner;

/// A non-reentrant mutual-exclusion lock. Clones are the same lock.
#[derive(Clone)]
pub struct Mutex {
    lock: Rc<LockRef>,
}

/// Holds a [`Mutex`] until dropped.
#[must_use = "the mutex is released when the guard is dropped"]
pub struct MutexGuard {
    _held: Held,
}

impl MutexGuard {
    /// Go's `Unlock`: the same as dropping the guard, written where the model says it.
    pub fn unlock(self) {}
}

impl Mutex {
    pub(crate) fn new(lock: Rc<LockRef>) -> Mutex {
        Mutex { lock }
    }

    /// `Lock`: waits until `owner` holds the mutex. Taking it again while holding it
    /// waits forever (the registry reports that as a wait-for cycle).
    pub async fn lock(&self, owner: &str) -> MutexGuard {
        MutexGuard { _held: acquire(self.lock.clone(), owner, Mode::Exclusive).await }
    }

    /// `TryLock`: the mutex if it is free now, else `None`.
    pub fn try_lock(&self, owner: &str) -> Option<MutexGuard> {
        try_acquire(&self.lock, owner, Mode::Exclusive).map(|held| MutexGuard { _held: held })
    }

    pub fn is_locked(&self) -> bool {
        self.holder().is_some()
    }

    /// Who holds the mutex now.
    pub fn holder(&self) -> Option<Owner> {
        let reg = self.lock.reg.borrow();
        reg.locks.get(&self.lock.id).and_then(|s| s.holders.first()).map(|h| h.owner.clone())
    }

    /// How many tasks wait for it.
    pub fn waiters(&self) -> usize {
        let reg = self.lock.reg.borrow();
        reg.locks.get(&self.lock.id).map_or(0, |s| s.waiters.len())
    }
}
