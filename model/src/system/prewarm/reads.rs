//! The prewarm model's footprint: the parts of its state its safety invariants read,
//! so the runner re-checks an invariant only after a step that changed a part it
//! reads ([`sim::tracked`]). The version, parameters and host list never change.

use sim::{Reads, Sim};

use crate::system::prewarm::world::World;

/// The ghost: procs, lock instances, who is in a critical section, rule breaks.
pub const GHOST: u64 = 1 << 0;
/// The time, while some template's current lock holder is dead (L2 compares against
/// it only then; otherwise this part stays 0).
pub const CLOCK_WHILE_HOLDER_DEAD: u64 = 1 << 1;
/// Each host's pid namespace, one word per host from part 2 on.
pub const HOST_NAMESPACES: u64 = !0 << 2;

/// Writes the parts in the order of their bits. Every part is a tracked write count
/// or counts one, so the scenario runs it with [`sim::run_with_tracked_footprint`]:
/// the ghost is a tracked cell; a namespace restart counts a write
/// ([`sim::tracked::count_untracked_write`], in `chaos.rs`); the time, read only
/// while a holder is dead, is declared with [`Reads::valid_until`].
pub fn footprint(w: &World, sim: &Sim, r: &mut Reads) {
    let writes = w.ghost.writes();
    r.word(writes);
    // Whether a holder is dead is a function of the ghost alone, and every change of
    // the ghost is a counted mutable borrow (it has no interior mutability): at an
    // unchanged write count, the last answer stands.
    let holder_dead = match w.holder_dead_memo.get() {
        Some((at, dead)) if at == writes => dead,
        _ => {
            let g = w.ghost.borrow();
            let dead = g.current.values().any(|&inst| g.procs[g.instances[inst].owner].died_at.is_some());
            w.holder_dead_memo.set(Some((writes, dead)));
            dead
        }
    };
    if holder_dead {
        r.word(sim.now().as_ms()).valid_until(sim.now());
    } else {
        r.word(0);
    }
    for host in &w.hosts {
        r.word(u64::from(host.ns.get()));
    }
}
