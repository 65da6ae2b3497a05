//! A map of per-key mutexes (a `MutexMap<string>` keyed by file path or document).
//!
//! Each key has its own FIFO, non-reentrant mutex, made when first locked and gone
//! once nobody holds or waits for it, so the map never grows with keys no one uses.
//! Different keys never wait on each other. An owner locking a key it holds waits
//! forever; the registry reports that as a wait-for cycle of one.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt::Debug;
use std::rc::{Rc, Weak};

use super::registry::Locks;
use super::wait_queue::{acquire, Held, LockRef, Mode, Policy};

/// Per-key mutexes. Clones share the same map.
#[derive(Clone)]
pub struct MutexMap<K> {
    locks: Locks,
    name: Rc<str>,
    keys: Rc<RefCell<BTreeMap<K, Weak<LockRef>>>>,
}

/// Holds one key of a [`MutexMap`] until dropped.
#[must_use = "the key is released when the guard is dropped"]
pub struct MapGuard<K> {
    key: K,
    _held: Held,
}

impl<K> MapGuard<K> {
    /// The key this guard holds.
    pub fn key(&self) -> &K {
        &self.key
    }
}

impl<K: Ord + Clone + Debug + 'static> MutexMap<K> {
    pub(crate) fn new(locks: Locks, name: &str) -> MutexMap<K> {
        MutexMap { locks, name: name.into(), keys: Rc::default() }
    }

    /// The lock of `key`, made if nobody refers to it now.
    fn lock_of(&self, key: &K) -> Rc<LockRef> {
        let mut keys = self.keys.borrow_mut();
        if let Some(lock) = keys.get(key).and_then(Weak::upgrade) {
            return lock;
        }
        keys.retain(|_, lock| lock.strong_count() > 0);
        let lock = self.locks.register(format!("{}[{key:?}]", self.name), Policy::Fifo);
        keys.insert(key.clone(), Rc::downgrade(&lock));
        lock
    }

    /// Waits until `owner` holds `key`.
    pub async fn lock(&self, key: K, owner: &str) -> MapGuard<K> {
        let lock = self.lock_of(&key);
        MapGuard { _held: acquire(lock, owner, Mode::Exclusive).await, key }
    }

    /// Whether someone holds `key` now.
    pub fn is_locked(&self, key: &K) -> bool {
        let Some(lock) = self.keys.borrow().get(key).and_then(Weak::upgrade) else { return false };
        let reg = lock.reg.borrow();
        reg.locks.get(&lock.id).is_some_and(|s| !s.holders.is_empty())
    }

    /// The keys held now, in key order.
    pub fn held_keys(&self) -> Vec<K> {
        let keys: Vec<(K, Rc<LockRef>)> =
            self.keys.borrow().iter().filter_map(|(k, l)| l.upgrade().map(|l| (k.clone(), l))).collect();
        keys.into_iter()
            .filter(|(_, lock)| lock.reg.borrow().locks.get(&lock.id).is_some_and(|s| !s.holders.is_empty()))
            .map(|(k, _)| k)
            .collect()
    }
}
