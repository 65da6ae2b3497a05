//! A key-value server node with per-key TTLs, the substrate behind Redis-style locks.
//!
//! Each operation is one request to the server node and is applied atomically when it
//! arrives. Expiry is judged by the server's own clock (`Sim::node_now`), so a clock
//! jump on the server expires keys early or late, as it would in Redis. Committed
//! writes survive a crash of the server (persistence is on).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use sim::{NetError, NodeId, Sim, SimTime};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Entry {
    value: u64,
    expires_at: Option<SimTime>,
}

type Data = Rc<RefCell<BTreeMap<&'static str, Entry>>>;

/// A handle on the key-value server. Clones share the same server.
#[derive(Clone)]
pub struct KvServer {
    pub node: NodeId,
    data: Data,
}

fn live(data: &Data, sim: &Sim, node: NodeId, key: &str) -> Option<u64> {
    let now = sim.node_now(node);
    data.borrow().get(key).filter(|e| e.expires_at.is_none_or(|t| now < t)).map(|e| e.value)
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

    /// `GET key`.
    pub async fn get(&self, sim: &Sim, from: NodeId, key: &'static str) -> Result<Option<u64>, NetError> {
        let (data, node) = (self.data.clone(), self.node);
        sim.call(from, node, "GET", move |sim| live(&data, sim, node, key)).await
    }

    /// `SET key value PX ttl`: unconditional.
    pub async fn set(
        &self,
        sim: &Sim,
        from: NodeId,
        key: &'static str,
        value: u64,
        ttl_ms: u64,
    ) -> Result<(), NetError> {
        let (data, node) = (self.data.clone(), self.node);
        sim.call(from, node, "SET", move |sim| {
            let expires_at = Some(sim.node_now(node).plus_ms(ttl_ms));
            data.borrow_mut().insert(key, Entry { value, expires_at });
        })
        .await
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
        let (data, node) = (self.data.clone(), self.node);
        sim.call(from, node, "SET NX", move |sim| {
            if live(&data, sim, node, key).is_some() {
                return false;
            }
            let expires_at = Some(sim.node_now(node).plus_ms(ttl_ms));
            data.borrow_mut().insert(key, Entry { value, expires_at });
            true
        })
        .await
    }

    /// Compare-and-delete: deletes `key` only while it still holds `value`.
    pub async fn del_if(&self, sim: &Sim, from: NodeId, key: &'static str, value: u64) -> Result<bool, NetError> {
        let (data, node) = (self.data.clone(), self.node);
        sim.call(from, node, "DEL IF", move |sim| {
            let held = live(&data, sim, node, key) == Some(value);
            if held {
                data.borrow_mut().remove(key);
            }
            held
        })
        .await
    }
}
