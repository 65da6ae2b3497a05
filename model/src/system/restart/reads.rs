//! The restart model's footprint: the parts of its state its safety invariants read,
//! one word each, so the runner re-checks an invariant only after a step that changed
//! a part it reads ([`sim::tracked`]). The workspaces' list never changes in a run.

use sim::{Reads, Sim};

use crate::system::restart::world::RestartWorld;

/// The ghost history: requests, commits, cycles.
pub const HISTORY: u64 = 1 << 0;
/// The container daemon's containers.
pub const CONTAINERS: u64 = 1 << 1;
/// The lock registry: holders and waiters.
pub const LOCKS: u64 = 1 << 2;

/// Writes the parts in the order of their bits. Every part is the write count of a
/// fixed tracked cell, so the scenario runs it with [`sim::run_with_tracked_footprint`]:
/// a part read from anything else (time, node state, an untracked length) would
/// need [`sim::run_with_footprint`] instead.
pub fn footprint(w: &RestartWorld, _: &Sim, r: &mut Reads) {
    r.cell(&w.history).word(w.docker.writes()).word(w.locks.writes());
}
