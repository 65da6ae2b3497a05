//! The demo lock: clients take a lock key on a key-value server, do a slow critical
//! section, and release it. The smallest protocol that shows the loop works: the
//! `check-then-set` variant has a race the harness must find, `compare-and-set` has
//! none and the harness must stay silent on it.
//!
//! The lock carries a TTL so a client that crashes inside its critical section does
//! not block the others forever. The TTL exceeds the longest critical section plus a
//! network round trip (SYSTEMS.md P1), so expiry never frees a lock whose holder is
//! still inside.

use std::cell::RefCell;
use std::rc::Rc;

use sim::{ChoiceKind, NodeId, Reads, Sim, Tracked};

use crate::substrate::kv::KvServer;
use crate::system::text::Text;

/// The key every client locks.
pub const LOCK_KEY: &str = "lock";

/// How a client takes the lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Acquire {
    /// `GET` the key; if it is free, `SET` it. Two clients can both see it free.
    CheckThenSet,
    /// `SET NX`: the server checks and sets in one atomic step.
    CompareAndSet,
}

/// The protocol's parameters. Durations in simulated milliseconds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoLockParams {
    pub clients: usize,
    /// Each client takes the lock between 1 and this many times.
    pub rounds_max: u64,
    pub lock_ttl_ms: u64,
    pub critical_section_min_ms: u64,
    pub critical_section_max_ms: u64,
    /// Pause before a client asks again for a held lock.
    pub retry_ms: u64,
}

impl Default for DemoLockParams {
    fn default() -> DemoLockParams {
        DemoLockParams {
            clients: 3,
            rounds_max: 3,
            lock_ttl_ms: 30_000,
            critical_section_min_ms: 1_000,
            critical_section_max_ms: 5_000,
            retry_ms: 500,
        }
    }
}

/// The state the invariants read.
pub struct DemoLockWorld {
    pub kv: KvServer,
    /// Shared, not copied, by every client task and restart hook.
    pub clients: Rc<[NodeId]>,
    /// Ghost state: which clients are inside the critical section now, in order.
    /// Tracked, so mutual exclusion is re-checked only after a step that entered or
    /// left it. A sorted `Vec` rather than a `BTreeSet`: the set's node was allocated
    /// at every entry and freed at every exit, 1.4% of a demo/lock run; the vector
    /// keeps its room for the whole run.
    pub in_critical_section: Rc<Tracked<Vec<usize>>>,
    /// Rounds each client must do, and has done (durable: survives its crashes).
    pub rounds_target: Rc<[u64]>,
    pub rounds_done: Rc<RefCell<Vec<u64>>>,
}

/// The footprint part [`check_mutual_exclusion`] reads: who is inside.
pub const INSIDE: u64 = 1 << 0;

/// The model's footprint ([`sim::tracked`]): one tracked cell, so it suits
/// [`sim::run_with_tracked_footprint`].
pub fn footprint(world: &DemoLockWorld, _: &Sim, r: &mut Reads) {
    r.cell(&world.in_critical_section);
}

/// I1 MUTEX: at most one client inside the critical section.
pub fn check_mutual_exclusion(world: &DemoLockWorld, _: &Sim) -> Result<(), String> {
    let inside = world.in_critical_section.borrow();
    if inside.len() <= 1 {
        return Ok(());
    }
    let names: Vec<String> = inside.iter().map(|i| format!("c{}", i + 1)).collect();
    Err(format!("{} are in the critical section at once", names.join(" and ")))
}

/// Liveness: every client finishes its rounds once faults stop.
pub fn check_all_clients_finish(world: &DemoLockWorld, _: &Sim) -> Result<(), String> {
    let done = world.rounds_done.borrow();
    match (0..world.clients.len()).find(|&i| done[i] < world.rounds_target[i]) {
        None => Ok(()),
        Some(i) => Err(format!("c{} finished {} of its {} rounds", i + 1, done[i], world.rounds_target[i])),
    }
}

/// Builds the world: the server, the clients with their workload, and their tasks.
/// Crashed clients restart and carry on with the rounds they have left.
pub fn build(sim: &Sim, acquire: Acquire, params: &DemoLockParams) -> DemoLockWorld {
    let kv = KvServer::new(sim, "kv");
    let clients: Rc<[NodeId]> =
        (1..=params.clients as u64).map(|i| sim.add_node(Text::new().str("c").num(i).done())).collect();
    let rounds_target = clients.iter().map(|_| sim.workload(1, params.rounds_max)).collect();
    let world = DemoLockWorld {
        kv,
        in_critical_section: Rc::default(),
        rounds_done: Rc::new(RefCell::new(vec![0; clients.len()])),
        rounds_target,
        clients,
    };
    for i in 0..world.clients.len() {
        let client = Client { index: i, acquire, params: params.clone(), world: world.share() };
        let node = world.clients[i];
        sim.on_restart(node, move |sim| client.clone().start(sim));
        Client { index: i, acquire, params: params.clone(), world: world.share() }.start(sim);
    }
    world
}

impl DemoLockWorld {
    fn share(&self) -> DemoLockWorld {
        DemoLockWorld {
            kv: self.kv.clone(),
            clients: self.clients.clone(),
            in_critical_section: self.in_critical_section.clone(),
            rounds_target: self.rounds_target.clone(),
            rounds_done: self.rounds_done.clone(),
        }
    }
}

struct Client {
    index: usize,
    acquire: Acquire,
    params: DemoLockParams,
    world: DemoLockWorld,
}

impl Clone for Client {
    fn clone(&self) -> Client {
        Client { index: self.index, acquire: self.acquire, params: self.params.clone(), world: self.world.share() }
    }
}

/// Marks a client inside the critical section for exactly as long as it lives: a
/// crash drops it with the task, and a dead client holds nothing.
struct CriticalSection {
    inside: Rc<Tracked<Vec<usize>>>,
    index: usize,
}

impl CriticalSection {
    /// Client `index` enters: it joins the sorted list of those inside.
    fn enter(inside: Rc<Tracked<Vec<usize>>>, index: usize) -> CriticalSection {
        {
            let mut list = inside.borrow_mut();
            if let Err(at) = list.binary_search(&index) {
                list.insert(at, index);
            }
        }
        CriticalSection { inside, index }
    }
}

impl Drop for CriticalSection {
    fn drop(&mut self) {
        let mut list = self.inside.borrow_mut();
        if let Ok(at) = list.binary_search(&self.index) {
            list.remove(at);
        }
    }
}

impl Client {
    /// The task is `run`'s future itself, which owns the client and the handle: an
    /// `async` block around it would hold a second copy of both (and be copied whole
    /// into the task).
    fn start(self, sim: &Sim) {
        let node = self.world.clients[self.index];
        sim.spawn(node, "client", self.run(sim.clone()));
    }

    fn node(&self) -> NodeId {
        self.world.clients[self.index]
    }

    async fn run(self, sim: Sim) {
        let sim = &sim;
        // Unique per life of the client, so a restarted client never mistakes the
        // lock its previous life held for its own.
        let token = (u64::from(sim.incarnation(self.node())) << 16) | (self.index as u64 + 1);
        while self.world.rounds_done.borrow()[self.index] < self.world.rounds_target[self.index] {
            self.take_lock(sim, token).await;
            let guard = CriticalSection::enter(self.world.in_critical_section.clone(), self.index);
            sim::note!(sim, self.node(), "enters the critical section");
            let p = &self.params;
            sim.sleep_ms(sim.between(ChoiceKind::Delay, p.critical_section_min_ms, p.critical_section_max_ms)).await;
            drop(guard);
            sim::note!(sim, self.node(), "leaves the critical section");
            self.world.rounds_done.borrow_mut()[self.index] += 1;
            // A lost release is harmless: the TTL frees the lock.
            let released = self.world.kv.del_if(sim, self.node(), LOCK_KEY, token).await;
            sim.sometimes_if(released.is_err(), "release-lost");
        }
        sim::note!(sim, self.node(), "done");
    }

    async fn take_lock(&self, sim: &Sim, token: u64) {
        let (kv, node, ttl) = (&self.world.kv, self.node(), self.params.lock_ttl_ms);
        // A goal counts only the first time it is reached in a run: one mark per
        // attempt to take the lock is enough, not one per retry.
        let mut contended = false;
        loop {
            let taken = match self.acquire {
                Acquire::CheckThenSet => match kv.get(sim, node, LOCK_KEY).await {
                    Ok(None) => kv.set(sim, node, LOCK_KEY, token, ttl).await.is_ok(),
                    _ => false,
                },
                Acquire::CompareAndSet => kv.set_nx(sim, node, LOCK_KEY, token, ttl).await == Ok(true),
            };
            if taken {
                return;
            }
            if !contended {
                sim.sometimes("lock-contended");
                contended = true;
            }
            sim.sleep_ms(self.params.retry_ms).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_critical_section_lists_who_is_inside_in_order_and_the_violation_names_them() {
        let sim = Sim::new(sim::ChoiceSource::Seed(1), sim::TraceMode::HashOnly);
        let world = build(&sim, Acquire::CompareAndSet, &DemoLockParams::default());
        let inside = &world.in_critical_section;
        let third = CriticalSection::enter(inside.clone(), 2);
        assert!(check_mutual_exclusion(&world, &sim).is_ok());
        let first = CriticalSection::enter(inside.clone(), 0);
        let again = CriticalSection::enter(inside.clone(), 0);
        assert_eq!(*inside.borrow(), [0, 2], "each client once, in order");
        let err = check_mutual_exclusion(&world, &sim).unwrap_err();
        assert_eq!(err, "c1 and c3 are in the critical section at once");
        drop(third);
        assert_eq!(*inside.borrow(), [0]);
        assert!(check_mutual_exclusion(&world, &sim).is_ok());
        drop((first, again));
        assert!(inside.borrow().is_empty());
        drop(world);
    }
}
