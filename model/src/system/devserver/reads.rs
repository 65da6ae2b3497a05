//! The dev-server model's footprint: the parts of its state its safety invariants
//! read, one word each, so the runner re-checks an invariant only after a step that
//! changed a part it reads ([`sim::tracked`]).

use sim::{Reads, Sim};

use crate::system::devserver::world::DevWorld;

/// The sandbox's processes and sessions.
pub const SANDBOX: u64 = 1 << 0;
/// The ghost observations (redundant starts, stale statuses).
pub const GHOST: u64 = 1 << 1;
/// Redis's log of foreign releases (it only grows).
pub const RELEASES: u64 = 1 << 2;
/// The live timers.
pub const TIMERS: u64 = 1 << 3;
/// Which hook instances are live (mounted in a page that is up): one word per
/// instance, from part 4 on; a new instance changes the footprint's length, which
/// changes every part.
pub const HOOKS: u64 = !0 << 4;

/// Writes the parts in the order of their bits.
pub fn footprint(w: &DevWorld, sim: &Sim, r: &mut Reads) {
    let s = &w.shared;
    r.word(s.sandbox.state.writes()).word(s.ghost.writes()).word(s.redis.foreign_release_count() as u64);
    r.word(s.timers.writes());
    for h in s.hooks.borrow().iter() {
        r.word(u64::from(h.is_live(sim)));
    }
}
