//! A storage service that accepts writes with an optional fencing token: the resource
//! a lock protects, and the half of the fencing scheme a lock service cannot do alone.
//!
//! Kleppmann's fencing ("How to do distributed locking", 2016): every lock grant
//! carries a token that grows with each grant, the client sends it with each write,
//! and the storage remembers the highest token it has seen per object and rejects a
//! write that carries a lower one. A write without a token is always accepted, which
//! is how an unfenced client (or a protocol that forgot) behaves. Accepted writes are
//! durable and kept in order, so invariants can read the history of each object.
//!
//! The state is a [`Tracked`] cell: every request that may change it counts a write,
//! so a model whose invariants read only the storage can use the runner's tracked
//! footprint ([`sim::run_with_tracked_footprint`]) and skip them after any step that
//! applied no write.

use std::collections::BTreeMap;
use std::rc::Rc;

use sim::{NetError, NodeId, Sim, SimTime, Tracked};

/// One write the storage applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Write {
    pub object: &'static str,
    pub value: u64,
    pub fence: Option<u64>,
    pub writer: NodeId,
    /// True time at which the storage applied it.
    pub at: SimTime,
}

/// What the storage answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteOutcome {
    Accepted,
    /// The token was lower than `highest`, the largest the object has seen.
    Rejected {
        highest: u64,
    },
}

#[derive(Default)]
struct State {
    highest_fence: BTreeMap<&'static str, u64>,
    accepted: Vec<Write>,
    rejected: u64,
}

/// A handle on the storage server. Clones share the same server.
#[derive(Clone)]
pub struct StorageServer {
    pub node: NodeId,
    state: Rc<Tracked<State>>,
}

impl StorageServer {
    /// Adds the server as a node named `name`.
    pub fn new(sim: &Sim, name: &str) -> StorageServer {
        StorageServer { node: sim.add_node(name), state: Rc::default() }
    }

    /// The state's write count: it moves whenever a write request was applied (or
    /// turned away), so a footprint word of it changes whenever the history may have.
    pub fn writes(&self) -> u64 {
        self.state.writes()
    }

    /// Writes `value` to `object`, fenced by `fence` when given. Equal tokens pass
    /// (a holder writes several times under one grant); lower tokens are rejected.
    pub async fn write(
        &self,
        sim: &Sim,
        from: NodeId,
        object: &'static str,
        value: u64,
        fence: Option<u64>,
    ) -> Result<WriteOutcome, NetError> {
        let state = self.state.clone();
        let label = if fence.is_some() { "WRITE FENCED" } else { "WRITE" };
        sim.call(from, self.node, label, move |sim| {
            let mut s = state.borrow_mut();
            if let Some(token) = fence {
                let highest = s.highest_fence.get(object).copied().unwrap_or(0);
                if token < highest {
                    s.rejected += 1;
                    sim::note!(sim, sim.current_node(), "rejects write of {object} with token {token} < {highest}");
                    return WriteOutcome::Rejected { highest };
                }
                s.highest_fence.insert(object, token);
            }
            s.accepted.push(Write { object, value, fence, writer: from, at: sim.now() });
            WriteOutcome::Accepted
        })
        .await
    }

    /// `READ object`: the last accepted value, if any.
    pub async fn read(&self, sim: &Sim, from: NodeId, object: &'static str) -> Result<Option<u64>, NetError> {
        let state = self.state.clone();
        sim.call(from, self.node, "READ", move |_| last_value(&state.borrow(), object)).await
    }

    /// Every accepted write, in the order the storage applied them (for invariants).
    pub fn accepted(&self) -> Vec<Write> {
        self.state.borrow().accepted.clone()
    }

    /// What `f` makes of every accepted write, in order, without copying them.
    pub fn with_accepted<T>(&self, f: impl FnOnce(&[Write]) -> T) -> T {
        f(&self.state.borrow().accepted)
    }

    /// How many accepted writes there are, without copying them.
    pub fn accepted_len(&self) -> usize {
        self.state.borrow().accepted.len()
    }

    /// The accepted write at position `i`.
    pub fn accepted_at(&self, i: usize) -> Option<Write> {
        self.state.borrow().accepted.get(i).copied()
    }

    /// How many fenced writes the storage turned away.
    pub fn rejected(&self) -> u64 {
        self.state.borrow().rejected
    }
}

fn last_value(state: &State, object: &str) -> Option<u64> {
    state.accepted.iter().rev().find(|w| w.object == object).map(|w| w.value)
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::rc::Rc;

    use sim::{ChoiceSource, Invariant, RunConfig};

    use super::*;

    fn run_script(
        body: impl FnOnce(
                Sim,
                StorageServer,
                NodeId,
                Rc<RefCell<Vec<String>>>,
            ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()>>>
            + 'static,
    ) -> (Vec<String>, Vec<Write>) {
        let log = Rc::new(RefCell::new(Vec::new()));
        let writes = Rc::new(RefCell::new(Vec::new()));
        let (out, w) = (log.clone(), writes.clone());
        let config = RunConfig { fault_phase_ms: 10_000, liveness_deadline_ms: 10_000, ..RunConfig::default() };
        let result = sim::run(
            ChoiceSource::Seed(3),
            &config,
            move |sim| {
                let storage = StorageServer::new(sim, "storage");
                let client = sim.add_node("client");
                let s = storage.clone();
                let fut = body(sim.clone(), storage, client, out);
                sim.spawn(client, "script", async move {
                    fut.await;
                    *w.borrow_mut() = s.accepted();
                });
            },
            &[] as &[Invariant<()>],
        );
        assert!(result.outcome.is_pass(), "{:?}", result.outcome);
        let (log, writes) = (log.borrow().clone(), writes.borrow().clone());
        (log, writes)
    }

    #[test]
    fn a_lower_token_is_rejected_and_an_equal_or_higher_one_accepted() {
        let (log, writes) = run_script(|sim, st, c, log| {
            Box::pin(async move {
                for (value, token) in [(1, 5), (2, 5), (3, 4), (4, 9)] {
                    let r = st.write(&sim, c, "file", value, Some(token)).await.unwrap();
                    log.borrow_mut().push(format!("{r:?}"));
                }
            })
        });
        assert_eq!(log, ["Accepted", "Accepted", "Rejected { highest: 5 }", "Accepted"]);
        let values: Vec<u64> = writes.iter().map(|w| w.value).collect();
        assert_eq!(values, [1, 2, 4]);
    }

    /// The tracked footprint of lease/storage is exact only if every applied request,
    /// accepted or rejected, moves the write count, and a read does not.
    #[test]
    fn every_write_request_counts_a_tracked_write_and_a_read_does_not() {
        let (log, _) = run_script(|sim, st, c, log| {
            Box::pin(async move {
                let mut counts = vec![st.writes()];
                for token in [Some(5), Some(4), None] {
                    st.write(&sim, c, "file", 1, token).await.unwrap();
                    counts.push(st.writes());
                }
                st.read(&sim, c, "file").await.unwrap();
                counts.push(st.writes());
                log.borrow_mut().push(format!("{counts:?}"));
            })
        });
        assert_eq!(log, ["[0, 1, 2, 3, 3]"]);
    }

    #[test]
    fn unfenced_writes_always_land_and_objects_fence_separately() {
        let (log, writes) = run_script(|sim, st, c, log| {
            Box::pin(async move {
                st.write(&sim, c, "a", 1, Some(10)).await.unwrap();
                let unfenced = st.write(&sim, c, "a", 2, None).await.unwrap();
                let other = st.write(&sim, c, "b", 3, Some(1)).await.unwrap();
                let read = st.read(&sim, c, "a").await.unwrap();
                log.borrow_mut().push(format!("{unfenced:?} {other:?} {read:?} {}", st.rejected()));
            })
        });
        assert_eq!(log, ["Accepted Accepted Some(2) 0"]);
        assert_eq!(writes.len(), 3);
    }
}
