//! The run's lock registry: every lock made through [`Locks`] is listed here with its
//! holders and waiters, so an invariant can name who waits for whom and find a
//! deadlock (I16) as a cycle in the wait-for graph.
//!
//! An owner waiting for a lock it already holds (a non-reentrant lock taken twice) is
//! a cycle of one. Owners are labels: two tasks that share a label are one vertex.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;
use std::rc::Rc;

use sim::Sim;

use super::mutex::Mutex;
use super::mutex_map::MutexMap;
use super::rwlock::RwLock;
use super::wait_queue::{LockRef, LockState, Policy};
use super::{Owner, WakeOrder};

/// The state behind [`Locks`]: every live lock by id.
pub(crate) struct Registry {
    pub sim: Sim,
    pub locks: BTreeMap<u64, LockState>,
    next_id: u64,
    pub next_ticket: u64,
}

impl Registry {
    /// Drops a lock that nothing refers to any more.
    pub fn forget(&mut self, id: u64) {
        self.locks.remove(&id);
    }
}

/// The per-run registry of locks. Clones share it.
#[derive(Clone)]
pub struct Locks {
    reg: Rc<sim::Tracked<Registry>>,
}

impl Locks {
    pub fn new(sim: &Sim) -> Locks {
        let reg = Registry { sim: sim.clone(), locks: BTreeMap::new(), next_id: 0, next_ticket: 0 };
        Locks { reg: Rc::new(sim::Tracked::new(reg)) }
    }

    /// Registers a new lock and returns the reference its handles share.
    pub(crate) fn register(&self, name: String, policy: Policy) -> Rc<LockRef> {
        let mut reg = self.reg.borrow_mut();
        reg.next_id += 1;
        let id = reg.next_id;
        reg.locks.insert(id, LockState::new(name, policy));
        Rc::new(LockRef { reg: self.reg.clone(), id })
    }

    /// A mutex named `name` (names are for reports; they need not be unique).
    pub fn mutex(&self, name: &str, order: WakeOrder) -> Mutex {
        let policy = match order {
            WakeOrder::Fifo => Policy::Fifo,
            WakeOrder::Drawn => Policy::Drawn,
        };
        Mutex::new(self.register(name.to_string(), policy))
    }

    /// A FIFO-fair read/write lock: a waiting writer blocks readers that come later.
    pub fn rwlock(&self, name: &str) -> RwLock {
        RwLock::new(self.register(name.to_string(), Policy::Fifo))
    }

    /// A map of per-key, non-reentrant FIFO mutexes, made on demand.
    pub fn mutex_map<K: Ord + Clone + Debug + 'static>(&self, name: &str) -> MutexMap<K> {
        MutexMap::new(self.clone(), name)
    }

    /// Who waits for which lock, by lock name, in registry order.
    pub fn waiting(&self) -> Vec<(Owner, String)> {
        let reg = self.reg.borrow();
        reg.locks.values().flat_map(|l| l.waiters.iter().map(|w| (w.owner.clone(), l.name.clone()))).collect()
    }

    /// The first waiter, in registry order, for which `matches(owner, lock name)`:
    /// what [`Registry::waiting`] finds, without copying every waiter.
    pub fn find_waiting(&self, matches: impl Fn(&str, &str) -> bool) -> Option<(Owner, String)> {
        let reg = self.reg.borrow();
        reg.locks.values().find_map(|l| {
            l.waiters.iter().find(|w| matches(&w.owner, &l.name)).map(|w| (w.owner.clone(), l.name.clone()))
        })
    }

    /// How many times the registry (locks, holders, waiters) was written.
    pub fn writes(&self) -> u64 {
        self.reg.writes()
    }

    /// Whether anyone waits for a lock (without one, there is no wait-for cycle).
    pub fn anyone_waits(&self) -> bool {
        self.reg.borrow().locks.values().any(|l| !l.waiters.is_empty())
    }

    /// Who holds which lock, by lock name, in registry order.
    pub fn holding(&self) -> Vec<(Owner, String)> {
        let reg = self.reg.borrow();
        reg.locks.values().flat_map(|l| l.holders.iter().map(|h| (h.owner.clone(), l.name.clone()))).collect()
    }

    /// How many locks are live (for tests of the registry's hygiene).
    pub fn live_locks(&self) -> usize {
        self.reg.borrow().locks.len()
    }

    /// A cycle in the wait-for graph, if there is one: owners `o1 … on` such that each
    /// waits for a lock the next one holds or will be served before it, and `on` waits
    /// for `o1`. A single owner waiting for a lock it holds is a cycle of one.
    pub fn wait_for_cycle(&self) -> Option<Vec<Owner>> {
        let graph = self.wait_for_graph();
        let mut done = BTreeSet::new();
        for start in graph.keys() {
            let mut path = Vec::new();
            if let Some(cycle) = find_cycle(&graph, start, &mut path, &mut done) {
                return Some(cycle);
            }
        }
        None
    }

    /// Edges from each waiting owner to the owners it waits for.
    fn wait_for_graph(&self) -> BTreeMap<Owner, BTreeSet<Owner>> {
        let reg = self.reg.borrow();
        let mut graph: BTreeMap<Owner, BTreeSet<Owner>> = BTreeMap::new();
        for lock in reg.locks.values() {
            for (position, w) in lock.waiters.iter().enumerate() {
                graph.entry(w.owner.clone()).or_default().extend(lock.blockers(position).cloned());
            }
        }
        graph
    }
}

/// Depth-first search from `at`; `path` is the current chain, `done` the vertices
/// proven to lead to no cycle.
fn find_cycle(
    graph: &BTreeMap<Owner, BTreeSet<Owner>>,
    at: &Owner,
    path: &mut Vec<Owner>,
    done: &mut BTreeSet<Owner>,
) -> Option<Vec<Owner>> {
    if let Some(i) = path.iter().position(|o| o == at) {
        return Some(path[i..].to_vec());
    }
    if done.contains(at) {
        return None;
    }
    path.push(at.clone());
    for next in graph.get(at).into_iter().flatten() {
        if let Some(cycle) = find_cycle(graph, next, path, done) {
            return Some(cycle);
        }
    }
    path.pop();
    done.insert(at.clone());
    None
}
