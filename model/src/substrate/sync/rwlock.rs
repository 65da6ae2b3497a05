//! A FIFO-fair read/write lock (`sync.RWMutex`, or an async RW lock in Node.js).
//!
//! Readers share it, a writer holds it alone, and the queue is served in arrival
//! order: readers at its head are admitted together, and a waiting writer blocks every
//! reader that arrives after it (so writers cannot starve). A reader that takes the
//! lock again while a writer waits therefore deadlocks, as in Go; the registry reports
//! that as a wait-for cycle.

use std::rc::Rc;

use super::wait_queue::{acquire, try_acquire, Held, LockRef, Mode};
use super::Owner;

/// A read/write lock. Clones are the same lock.
#[derive(Clone)]
pub struct RwLock {
    lock: Rc<LockRef>,
}

/// Shared access until dropped.
#[must_use = "the read lock is released when the guard is dropped"]
pub struct ReadGuard {
    _held: Held,
}

/// Exclusive access until dropped.
#[must_use = "the write lock is released when the guard is dropped"]
pub struct WriteGuard {
    _held: Held,
}

impl RwLock {
    pub(crate) fn new(lock: Rc<LockRef>) -> RwLock {
        RwLock { lock }
    }

    /// `RLock`: waits for shared access.
    pub async fn read(&self, owner: &str) -> ReadGuard {
        ReadGuard { _held: acquire(self.lock.clone(), owner, Mode::Shared).await }
    }

    /// `Lock`: waits for exclusive access.
    pub async fn write(&self, owner: &str) -> WriteGuard {
        WriteGuard { _held: acquire(self.lock.clone(), owner, Mode::Exclusive).await }
    }

    /// `TryRLock`: shared access if it is available now without jumping the queue.
    pub fn try_read(&self, owner: &str) -> Option<ReadGuard> {
        try_acquire(&self.lock, owner, Mode::Shared).map(|held| ReadGuard { _held: held })
    }

    /// `TryLock`: exclusive access if the lock is free now.
    pub fn try_write(&self, owner: &str) -> Option<WriteGuard> {
        try_acquire(&self.lock, owner, Mode::Exclusive).map(|held| WriteGuard { _held: held })
    }

    /// The owners holding it now (readers, or the one writer).
    pub fn holders(&self) -> Vec<Owner> {
        let reg = self.lock.reg.borrow();
        reg.locks.get(&self.lock.id).map_or_else(Vec::new, |s| s.holders.iter().map(|h| h.owner.clone()).collect())
    }

    pub fn is_locked(&self) -> bool {
        !self.holders().is_empty()
    }
}
