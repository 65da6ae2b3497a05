//! A key-value server node with per-key TTLs, the substrate behind Redis- and
//! etcd-style locks.
//!
//! Each operation is one request to the server node and is applied atomically when it
//! arrives. Expiry is judged by the server's own clock (`Sim::node_now`), so a clock
//! jump on the server expires keys early or late, as it would in Redis. Committed
//! writes survive a crash of the server (persistence is on).
//!
//! Lock protocols need more than `SET NX`: a fencing token that grows with every
//! grant, and a release that deletes only the holder's own key. The server keeps one
//! revision counter (etcd's store revision): every write bumps it and stamps the key
//! with it, so the revision a grant returns is larger than that of every earlier
//! grant, on any key. `INCR` gives the Redis flavour of the same token.
//!
//! The operations are not `async fn`s: each hands back the future of its
//! [`Sim::call`], which, being an `async fn`'s, does nothing until first polled, so
//! a request is sent exactly when it was before, and the caller's `.await` polls one
//! state machine fewer on every wake.

use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;

use sim::{NetError, NodeId, Sim, SimTime};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Entry {
    value: u64,
    expires_at: Option<SimTime>,
    /// The store revision of the write that last changed this key.
    revision: u64,
}

/// The server's durable state: the keys and the store revision.
#[derive(Default)]
struct Store {
    entries: Entries,
    revision: u64,
}

/// The live keys and their entries: a map by key content. Keys are `&'static str`,
/// in practice the few literals of a protocol, so a scan that compares each key's
/// address before its content beats a tree of string compares (and a tree's
/// rebalancing on every delete). Nothing iterates it, so its order is no one's.
#[derive(Default)]
struct Entries(Vec<(&'static str, Entry)>);

impl Entries {
    fn position(&self, key: &str) -> Option<usize> {
        self.0.iter().position(|(k, _)| std::ptr::eq(*k, key) || *k == key)
    }

    fn get(&self, key: &str) -> Option<&Entry> {
        self.position(key).map(|i| &self.0[i].1)
    }

    fn insert(&mut self, key: &'static str, entry: Entry) {
        match self.position(key) {
            Some(i) => self.0[i].1 = entry,
            None => self.0.push((key, entry)),
        }
    }

    fn remove(&mut self, key: &str) -> Option<Entry> {
        self.position(key).map(|i| self.0.swap_remove(i).1)
    }

    fn clear(&mut self) {
        self.0.clear();
    }
}

impl Store {
    /// The entry of `key` if it has not expired at the server's time `now`.
    fn live(&self, now: SimTime, key: &str) -> Option<Entry> {
        self.entries.get(key).copied().filter(|e| e.expires_at.is_none_or(|t| now < t))
    }

    /// Writes `key` at a new store revision and returns that revision.
    fn put(&mut self, key: &'static str, value: u64, expires_at: Option<SimTime>) -> u64 {
        self.revision += 1;
        self.entries.insert(key, Entry { value, expires_at, revision: self.revision });
        self.revision
    }

    /// Deletes `key`; a delete is a write, so it bumps the store revision.
    fn delete(&mut self, key: &str) {
        if self.entries.remove(key).is_some() {
            self.revision += 1;
        }
    }
}

type Data = Rc<RefCell<Store>>;

/// A handle on the key-value server. Clones share the same server.
#[derive(Clone)]
pub struct KvServer {
    pub node: NodeId,
    data: Data,
}

fn live(data: &Data, sim: &Sim, node: NodeId, key: &str) -> Option<u64> {
    data.borrow().live(sim.node_now(node), key).map(|e| e.value)
}

fn expiry(sim: &Sim, node: NodeId, ttl_ms: u64) -> Option<SimTime> {
    Some(sim.node_now(node).plus_ms(ttl_ms))
}

impl KvServer {
    /// Adds the server as a node named `name`.
    pub fn new(sim: &Sim, name: &str) -> KvServer {
        KvServer { node: sim.add_node(name), data: Data::default() }
    }

    /// The live value of `key` as the server sees it now, without a request. For
    /// invariants and tests, which observe the world from outside.
    pub fn peek(&self, sim: &Sim, key: &str) -> Option<u64> {
        live(&self.data, sim, self.node, key)
    }

    /// The revision of the live `key`, without a request (for invariants and tests).
    pub fn peek_revision(&self, sim: &Sim, key: &str) -> Option<u64> {
        self.data.borrow().live(sim.node_now(self.node), key).map(|e| e.revision)
    }

    /// The store revision: the number of writes the server has applied.
    pub fn revision(&self) -> u64 {
        self.data.borrow().revision
    }

    /// `GET key`.
    pub fn get<'a>(
        &self,
        sim: &'a Sim,
        from: NodeId,
        key: &'static str,
    ) -> impl Future<Output = Result<Option<u64>, NetError>> + 'a {
        let (data, node) = (self.data.clone(), self.node);
        sim.call(from, node, "GET", move |sim| live(&data, sim, node, key))
    }

    /// `SET key value PX ttl`: unconditional.
    pub fn set<'a>(
        &self,
        sim: &'a Sim,
        from: NodeId,
        key: &'static str,
        value: u64,
        ttl_ms: u64,
    ) -> impl Future<Output = Result<(), NetError>> + 'a {
        let (data, node) = (self.data.clone(), self.node);
        sim.call(from, node, "SET", move |sim| {
            data.borrow_mut().put(key, value, expiry(sim, node, ttl_ms));
        })
    }

    /// `SET key value NX PX ttl`: sets only if the key is absent or expired.
    pub async fn set_nx(
        &self,
        sim: &Sim,
        from: NodeId,
        key: &'static str,
        value: u64,
        ttl_ms: u64,
    ) -> Result<bool, NetError> {
        let granted = self.grant_as("SET NX", sim, from, key, value, ttl_ms).await?;
        Ok(granted.is_some())
    }

    /// A lease grant: `SET key value NX PX ttl` that returns the grant's revision, or
    /// `None` when the key is held. The revision is a fencing token: every later
    /// grant, of this key or another, returns a larger one (etcd's `create_revision`).
    pub fn grant<'a>(
        &self,
        sim: &'a Sim,
        from: NodeId,
        key: &'static str,
        value: u64,
        ttl_ms: u64,
    ) -> impl Future<Output = Result<Option<u64>, NetError>> + 'a {
        self.grant_as("GRANT", sim, from, key, value, ttl_ms)
    }

    /// `SET NX` under the request label `label` (the timeline names the operation).
    fn grant_as<'a>(
        &self,
        label: &'static str,
        sim: &'a Sim,
        from: NodeId,
        key: &'static str,
        value: u64,
        ttl_ms: u64,
    ) -> impl Future<Output = Result<Option<u64>, NetError>> + 'a {
        let (data, node) = (self.data.clone(), self.node);
        sim.call(from, node, label, move |sim| {
            let now = sim.node_now(node);
            let mut store = data.borrow_mut();
            if store.live(now, key).is_some() {
                return None;
            }
            Some(store.put(key, value, Some(now.plus_ms(ttl_ms))))
        })
    }

    /// `INCR key`: adds one to the counter at `key` (absent counts as 0) and returns
    /// the new value. Counters never expire: the Redis way to mint fencing tokens.
    pub fn incr<'a>(
        &self,
        sim: &'a Sim,
        from: NodeId,
        key: &'static str,
    ) -> impl Future<Output = Result<u64, NetError>> + 'a {
        let (data, node) = (self.data.clone(), self.node);
        sim.call(from, node, "INCR", move |sim| {
            let now = sim.node_now(node);
            let mut store = data.borrow_mut();
            let next = store.live(now, key).map_or(0, |e| e.value) + 1;
            store.put(key, next, None);
            next
        })
    }

    /// `DEL key`: deletes whatever holds `key`, and returns the live value it deleted.
    /// `on_apply` sees that value on the server when the delete is applied, so a ghost
    /// observer learns it even when the reply is lost.
    pub fn del<'a>(
        &self,
        sim: &'a Sim,
        from: NodeId,
        key: &'static str,
        on_apply: impl FnOnce(&Sim, Option<u64>) + 'static,
    ) -> impl Future<Output = Result<Option<u64>, NetError>> + 'a {
        let (data, node) = (self.data.clone(), self.node);
        sim.call(from, node, "DEL", move |sim| {
            let mut store = data.borrow_mut();
            let held = store.live(sim.node_now(node), key).map(|e| e.value);
            store.delete(key);
            drop(store);
            on_apply(sim, held);
            held
        })
    }

    /// Loses every key, as a restart of a server without persistence does (Redis
    /// with no AOF and an RDB snapshot older than the keys). The revision counter is
    /// kept, so grant revisions still grow.
    pub fn lose_keys(&self) {
        self.data.borrow_mut().entries.clear();
    }

    /// Compare-and-delete: deletes `key` only while it still holds `value`.
    pub fn del_if<'a>(
        &self,
        sim: &'a Sim,
        from: NodeId,
        key: &'static str,
        value: u64,
    ) -> impl Future<Output = Result<bool, NetError>> + 'a {
        self.guarded("DEL IF", sim, from, key, move |e| e.value == value, move |store, _, _| store.delete(key))
    }

    /// Compare-and-delete by revision: deletes `key` only while it is still the write
    /// of revision `revision` (an etcd transaction on `mod_revision`).
    pub fn del_if_revision<'a>(
        &self,
        sim: &'a Sim,
        from: NodeId,
        key: &'static str,
        revision: u64,
    ) -> impl Future<Output = Result<bool, NetError>> + 'a {
        self.guarded(
            "DEL IF REV",
            sim,
            from,
            key,
            move |e| e.revision == revision,
            move |store, _, _| store.delete(key),
        )
    }

    /// Compare-and-extend: resets the TTL of `key` only while it still holds `value`
    /// (a lease keep-alive; `PEXPIRE` guarded by the holder's value). The revision is
    /// unchanged, so the holder's fencing token stays valid.
    pub fn extend_if<'a>(
        &self,
        sim: &'a Sim,
        from: NodeId,
        key: &'static str,
        value: u64,
        ttl_ms: u64,
    ) -> impl Future<Output = Result<bool, NetError>> + 'a {
        self.guarded(
            "EXTEND IF",
            sim,
            from,
            key,
            move |e| e.value == value,
            move |store, now, entry| {
                store.entries.insert(key, Entry { expires_at: Some(now.plus_ms(ttl_ms)), ..entry })
            },
        )
    }

    /// The one compare-and-act the guarded writes above share: a request labelled
    /// `label` (the label is hashed into the trace, so each caller keeps its own) that,
    /// when applied, runs `act` on the live entry of `key` only while `holds` is true
    /// of it, and answers whether it did. The callers differ only in the guard and
    /// the act, so the guard and the act are all they say.
    fn guarded<'a>(
        &self,
        label: &'static str,
        sim: &'a Sim,
        from: NodeId,
        key: &'static str,
        holds: impl FnOnce(&Entry) -> bool + 'static,
        act: impl FnOnce(&mut Store, SimTime, Entry) + 'static,
    ) -> impl Future<Output = Result<bool, NetError>> + 'a {
        let (data, node) = (self.data.clone(), self.node);
        sim.call(from, node, label, move |sim| {
            let now = sim.node_now(node);
            let mut store = data.borrow_mut();
            let Some(entry) = store.live(now, key).filter(holds) else {
                return false;
            };
            act(&mut store, now, entry);
            true
        })
    }
}

#[cfg(test)]
#[path = "kv_tests.rs"]
mod tests;
