//! The prewarm model's footprint: the parts of its state its safety invariants read,
//! so the runner re-checks an invariant only after a step that changed a part it
//! reads ([`sim::tracked`]). The version, parameters and host list never change.
//!
//! The ghost is written at most steps that do anything (a wait begins or ends, a
//! process dies), and most of those writes change nothing an invariant reads: so
//! its parts are narrower than the ghost's write count. The five event-time
//! invariants read only the rules broken so far; I1 only who is in a prewarm; L2 only
//! the time until which it holds ([`invariants::reclaim_deadline`]) and whether that
//! time has passed.

use sim::{Reads, Sim};

use crate::system::prewarm::invariants;
use crate::system::prewarm::world::World;

/// How many rules were broken at event time (I5, I6, I14, L5, P2): only ever grows.
pub const BROKEN_RULES: u64 = 1 << 0;
/// How many times who is in a prewarm changed (I1).
pub const PREWARMS: u64 = 1 << 1;
/// L2's deadline: the last time at which it holds, a function of the ghost and the
/// hosts' pid namespaces.
pub const RECLAIM_DEADLINE: u64 = 1 << 2;
/// Whether the time is past L2's deadline.
pub const RECLAIM_OVERDUE: u64 = 1 << 3;

/// Writes the parts in the order of their bits. Every part is a function of the
/// ghost, the namespaces and the time: the ghost is a tracked cell; a namespace
/// restart counts a write ([`sim::tracked::count_untracked_write`], in `chaos.rs`);
/// the time is declared with [`Reads::valid_until`]. So the scenario runs it with
/// [`sim::run_with_tracked_footprint`].
pub fn footprint(w: &World, sim: &Sim, r: &mut Reads) {
    let g = w.ghost.borrow();
    r.word(g.broken_count() as u64).word(g.cs_changes());
    // Computed afresh: the footprint is computed only after a counted write, and
    // nearly every one of those is a write of the ghost, which may move the deadline.
    let deadline = invariants::reclaim_deadline(w, &g);
    let now = sim.now();
    r.word(deadline.as_ms());
    if now <= deadline {
        r.word(0).valid_until(deadline);
    } else {
        // L2 fails now; should it not, the time is read as it is now.
        r.word(1).valid_until(now);
    }
}
