//! The dev-server model's footprint: the parts of its state its safety invariants
//! read, one word each, so the runner re-checks an invariant only after a step that
//! changed a part it reads ([`sim::tracked`]).

use sim::{node_word, Reads, Sim};

use crate::system::devserver::world::DevWorld;

/// The sandbox's processes and sessions.
pub const SANDBOX: u64 = 1 << 0;
/// The ghost observations (redundant starts, stale statuses).
pub const GHOST: u64 = 1 << 1;
/// Redis's log of foreign releases (it only grows).
pub const RELEASES: u64 = 1 << 2;
/// The live timers.
pub const TIMERS: u64 = 1 << 3;
/// The hook instances and which are live (mounted in a page that is up). A hook is
/// mounted before it is listed, and its liveness changes only when it is unmounted
/// or its tab's node crashes or restarts: the count of hooks, of unmounts, and the
/// tabs' node words only grow, so their sum changes whenever one of them does.
pub const HOOKS: u64 = 1 << 4;

/// Writes the parts in the order of their bits. Every part is a write count that
/// moves the thread's: tracked cells, and the plain counts (hooks mounted, unmounts,
/// foreign releases, crashes and restarts for [`node_word`]) count a write where they
/// grow. So the scenario runs it as a tracked footprint, skipped after a step that
/// wrote nothing.
pub fn footprint(w: &DevWorld, sim: &Sim, r: &mut Reads) {
    let s = &w.shared;
    r.word(s.sandbox.state.writes()).word(s.ghost.writes()).word(s.redis.foreign_release_count() as u64);
    r.word(s.timers.writes());
    let nodes: u64 = w.tabs.iter().map(|&tab| node_word(sim, tab)).sum();
    r.word(s.hooks.borrow().len() as u64 + s.unmounts.get() + nodes);
}
