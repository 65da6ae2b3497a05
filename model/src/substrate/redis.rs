//! Redis as lock users see it, on the key-value server ([`crate::substrate::kv`]):
//! `SET key value NX EX ttl`, `GET`, `DEL`, a Lua compare-and-delete, and `INCR` for
//! fencing tokens.
//!
//! The semantics that bite lock users are all here:
//! - TTLs run on the Redis server's own clock: a clock jump there expires a lock early
//!   or late, whatever the holder's clock says.
//! - A reply can be lost after the command applied (`net.reply.lost`): a `SET NX`
//!   that took the lock looks like an error to its caller.
//! - A restart may lose the keys (`loses_keys_on_restart`: no AOF, and the last RDB
//!   snapshot predates any 60 s lock), so a held lock can vanish.
//! - `DEL` deletes whoever holds the key. Every `DEL` that removes a value other than
//!   the deleter's is logged as it is applied, for SYSTEMS.md I5 (a lock is released
//!   only by its owner).

use std::cell::RefCell;
use std::rc::Rc;

use sim::{NetError, NodeId, Sim, SimTime};

use crate::substrate::kv::KvServer;

/// A `DEL` that removed a lock someone else held.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ForeignRelease {
    pub key: &'static str,
    pub by: u64,
    pub owner: u64,
    pub at: SimTime,
}

/// A handle on one Redis server. Clones share it.
#[derive(Clone)]
pub struct Redis {
    pub kv: KvServer,
    foreign_releases: Rc<RefCell<Vec<ForeignRelease>>>,
}

impl Redis {
    /// Adds a Redis server node named `name`. It restarts after a crash, with its keys
    /// if `loses_keys_on_restart` is false and without them otherwise.
    pub fn new(sim: &Sim, name: &str, loses_keys_on_restart: bool) -> Redis {
        let kv = KvServer::new(sim, name);
        let restarted = kv.clone();
        sim.on_restart(kv.node, move |sim| {
            if loses_keys_on_restart {
                restarted.lose_keys();
                sim.note(restarted.node, "restarts without its keys (not persisted)");
            }
        });
        Redis { kv, foreign_releases: Rc::default() }
    }

    pub fn node(&self) -> NodeId {
        self.kv.node
    }

    /// `SET key value NX EX ttl_s`: true if this call took the key.
    pub async fn set_nx_ex(
        &self,
        sim: &Sim,
        from: NodeId,
        key: &'static str,
        value: u64,
        ttl_s: u64,
    ) -> Result<bool, NetError> {
        self.kv.set_nx(sim, from, key, value, ttl_s * 1_000).await
    }

    /// `GET key`.
    pub async fn get(&self, sim: &Sim, from: NodeId, key: &'static str) -> Result<Option<u64>, NetError> {
        self.kv.get(sim, from, key).await
    }

    /// `DEL key` sent by the holder of lock value `by`: true if a key was deleted.
    pub async fn del(&self, sim: &Sim, from: NodeId, key: &'static str, by: u64) -> Result<bool, NetError> {
        let log = self.foreign_releases.clone();
        let deleted = self
            .kv
            .del(sim, from, key, move |sim, held| {
                if let Some(owner) = held.filter(|v| *v != by) {
                    log.borrow_mut().push(ForeignRelease { key, by, owner, at: sim.now() });
                    // A tracked footprint reads how many there are.
                    sim::tracked::count_untracked_write();
                }
            })
            .await?;
        Ok(deleted.is_some())
    }

    /// The Lua compare-and-delete (`if redis.call("get", k) == v then return
    /// redis.call("del", k) end`): deletes `key` only while it holds `value`.
    pub async fn compare_and_delete(
        &self,
        sim: &Sim,
        from: NodeId,
        key: &'static str,
        value: u64,
    ) -> Result<bool, NetError> {
        self.kv.del_if(sim, from, key, value).await
    }

    /// `INCR key`: a fencing token larger than every earlier one.
    pub async fn incr(&self, sim: &Sim, from: NodeId, key: &'static str) -> Result<u64, NetError> {
        self.kv.incr(sim, from, key).await
    }

    /// The live value of `key` now, without a request (invariants only).
    pub fn peek(&self, sim: &Sim, key: &str) -> Option<u64> {
        self.kv.peek(sim, key)
    }

    /// Every `DEL` so far that removed another holder's lock.
    /// How many foreign releases happened: the log only grows.
    pub fn foreign_release_count(&self) -> usize {
        self.foreign_releases.borrow().len()
    }

    /// Whether any foreign release happened, without copying them.
    pub fn any_foreign_release(&self) -> bool {
        !self.foreign_releases.borrow().is_empty()
    }

    pub fn foreign_releases(&self) -> Vec<ForeignRelease> {
        self.foreign_releases.borrow().clone()
    }
}

#[cfg(test)]
#[path = "redis_tests.rs"]
mod tests;
