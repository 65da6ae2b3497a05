//! The lease review: clients take a TTL lease from a key-value server, work for a
//! moment, then write to a storage service. The classic hazard: a client stops (a GC
//! pause) after its lease was granted, the lease expires, another client takes it and
//! writes, and the first one wakes and writes too, unaware (Kleppmann, "How to do
//! distributed locking", 2016).
//!
//! Unfenced, that stale write lands. Fenced, every write carries the grant's revision
//! and the storage rejects a token lower than one it has seen, so writes land in
//! grant order; but a write can still land after its lease expired, when no newer
//! grant has written yet. Fencing orders writes, it does not make a lease hold.
//!
//! The model places no pause: the engine's `node.pause` stops a client at whatever
//! await point it stands.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use sim::{ChoiceKind, NodeId, Reads, Sim};

use crate::substrate::kv::KvServer;
use crate::substrate::storage::StorageServer;
use crate::system::note::NoteBuffer;
use crate::system::text::Text;

#[path = "lease_notes.rs"]
mod notes;
use notes::Answer;

/// The key of the lease and the object it guards.
pub const LEASE_KEY: &str = "lease";
pub const OBJECT: &str = "file";

/// The protocol's parameters; durations in simulated milliseconds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeaseParams {
    pub clients: usize,
    /// Each client writes between 1 and this many times.
    pub rounds_max: u64,
    pub lease_ttl_ms: u64,
    /// The work between the grant and the write.
    pub work_min_ms: u64,
    pub work_max_ms: u64,
    pub retry_ms: u64,
    /// The longest pause between two writes of a client, so writes spread over the
    /// fault phase.
    pub think_max_ms: u64,
    /// Send the grant's revision with each write (the `fenced-lease` variant).
    pub fenced: bool,
    /// Check the lease on the client's own clock right before writing.
    pub check_before_write: bool,
}

/// What the invariants read: the servers, and how far they have checked.
pub struct LeaseWorld {
    pub kv: KvServer,
    pub storage: StorageServer,
    pub clients: Vec<NodeId>,
    /// Accepted writes already judged by `lease-held-at-write` (it judges each write
    /// in the step that applied it, while the lease state is as the write found it).
    pub judged: Cell<usize>,
    /// The first write found landing without its lease, kept so the verdict stands.
    pub unheld: RefCell<Option<String>>,
    /// The buffer the clients' notes are laid out in, one after the other.
    notes: NoteBuffer,
}

/// The footprint's one part: the storage's accepted writes. Both safety invariants
/// judge only them (`lease-held-at-write` reads the lease too, but only for a write
/// in the step that applied it), and the log only grows, so they can only fail after
/// a step in which the storage applied a request ([`sim::tracked`]).
pub const ACCEPTED: u64 = 1 << 0;

/// Writes the footprint: the storage's write count, a tracked count, so the run can
/// use [`sim::run_with_tracked_footprint`] and skip steps that wrote nothing.
pub fn footprint(world: &Rc<LeaseWorld>, _: &Sim, r: &mut Reads) {
    r.word(world.storage.writes());
}

/// `no-stale-write`: accepted writes carry non-decreasing grant revisions.
pub fn check_no_stale_write(world: &LeaseWorld, sim: &Sim) -> Result<(), String> {
    let found =
        world.storage.with_accepted(|writes| writes.windows(2).find(|w| w[1].value < w[0].value).map(|w| (w[0], w[1])));
    match found {
        None => Ok(()),
        Some((before, after)) => Err(format!(
            "storage accepted {}'s write under grant {} after {}'s write under grant {}",
            sim.node_name(after.writer),
            after.value,
            sim.node_name(before.writer),
            before.value
        )),
    }
}

/// `lease-held-at-write`: when a write lands, its grant is still the live lease.
pub fn check_lease_held_at_write(world: &LeaseWorld, sim: &Sim) -> Result<(), String> {
    while let Some(w) = world.storage.accepted_at(world.judged.get()) {
        world.judged.set(world.judged.get() + 1);
        let live = world.kv.peek_revision(sim, LEASE_KEY);
        if live != Some(w.value) && world.unheld.borrow().is_none() {
            let holder = live.map_or("no one holds it".to_string(), |r| format!("grant {r} holds it"));
            let msg = format!(
                "{}'s write under grant {} landed after its lease ended ({holder})",
                sim.node_name(w.writer),
                w.value
            );
            *world.unheld.borrow_mut() = Some(msg);
        }
    }
    world.unheld.borrow().clone().map_or(Ok(()), Err)
}

/// Builds the servers and the clients; a crashed client restarts with the rounds it
/// has left.
pub fn build(sim: &Sim, params: &LeaseParams) -> Rc<LeaseWorld> {
    let kv = KvServer::new(sim, "kv");
    let storage = StorageServer::new(sim, "storage");
    // Names and workload lines built without `format!` (every run builds them).
    let clients: Vec<NodeId> =
        (1..=params.clients as u64).map(|i| sim.add_node(Text::new().str("c").num(i).done())).collect();
    let notes = NoteBuffer::with_room(notes::ROOM);
    let world = Rc::new(LeaseWorld { kv, storage, clients, judged: Cell::new(0), unheld: RefCell::new(None), notes });
    for (i, &node) in world.clients.iter().enumerate() {
        let rounds = sim.workload(1, params.rounds_max);
        sim.describe_workload(Text::new().str("c").num(i as u64 + 1).str(": writes ").num(rounds).str(" times").done());
        let left = Rc::new(Cell::new(rounds));
        let (w, p, l) = (world.clone(), params.clone(), left.clone());
        sim.on_restart(node, move |sim| start(sim, node, &w, &p, &l));
        start(sim, node, &world, params, &left);
    }
    world
}

fn start(sim: &Sim, node: NodeId, world: &Rc<LeaseWorld>, params: &LeaseParams, left: &Rc<Cell<u64>>) {
    let (s, w, p, l) = (sim.clone(), world.clone(), params.clone(), left.clone());
    sim.spawn(node, "client", async move { client(&s, node, &w, &p, &l).await });
}

async fn client(sim: &Sim, me: NodeId, world: &LeaseWorld, p: &LeaseParams, left: &Cell<u64>) {
    while left.get() > 0 {
        let started = sim.node_now(me);
        let Ok(Some(grant)) = world.kv.grant(sim, me, LEASE_KEY, u64::from(me.0), p.lease_ttl_ms).await else {
            sim.sleep_ms(p.retry_ms).await;
            continue;
        };
        let until = started.plus_ms(p.lease_ttl_ms);
        world.notes.note(sim, me, |l| {
            l.str("holds the lease under grant ").num(grant).str(" until ").time(until).str(" by its clock");
        });
        sim.sleep_ms(sim.between(ChoiceKind::Delay, p.work_min_ms, p.work_max_ms)).await;
        sim.sometimes_if(sim.node_now(me) >= until, "work-outlasts-lease");
        if p.check_before_write && sim.node_now(me) >= until {
            world.notes.note(sim, me, |l| {
                l.str("sees grant ").num(grant).str(" expired on its clock; skips the write");
            });
        } else {
            world.notes.note(sim, me, |l| {
                l.str("writes ").str(OBJECT).str(" under grant ").num(grant);
            });
            sim.sometimes_if(sim.node_now(me) >= until, "write-after-lease-expired");
            let fence = p.fenced.then_some(grant);
            let answer = world.storage.write(sim, me, OBJECT, grant, fence).await;
            world.notes.note(sim, me, |l| {
                l.str("write under grant ").num(grant).str(": ").answer(answer);
            });
            left.set(left.get() - 1);
        }
        // A lost release is harmless: the TTL frees the lease.
        let _ = world.kv.del_if_revision(sim, me, LEASE_KEY, grant).await;
        sim.sleep_ms(sim.between(ChoiceKind::Delay, 0, p.think_max_ms)).await;
    }
    sim.note(me, "done");
}
