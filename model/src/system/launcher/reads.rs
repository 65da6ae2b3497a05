//! The launcher's footprint: the parts of its state its safety invariants read, one
//! word each, so the runner re-checks an invariant only after a step that changed a
//! part it reads ([`sim::tracked`]). Every invariant's mask must name all the mutable
//! state its check looks at. The tabs' ids, skills and configs and the version's
//! parameters never change during a run.

use sim::{node_word, Reads, Sim};

use crate::system::launcher::world::LauncherWorld;

/// The ghost state (creators, rule breaks, config writers, placeholder owners).
pub const GHOST: u64 = 1 << 0;
/// The store's tables.
pub const STORE: u64 = 1 << 1;
/// The provider: its sandboxes, their files, and the sessions.
pub const PROVIDER: u64 = 1 << 2;
/// Every tab's state, and whether its node is up (and in which life).
pub const TABS: u64 = 1 << 3;
/// The time and the store's clock (two parts), once a placeholder's holder ended more
/// than the liveness bound ago: L2's check fails only for such a holder, so before
/// that it passes whatever the time, and both parts stay 0.
pub const CLOCKS_AFTER_BOUND: u64 = 1 << 4 | 1 << 5;

/// Writes the parts in the order of their bits. Every part is a write count that
/// moves the thread's (the ghost, the provider and the tabs are tracked cells, the
/// store counts its table writes, crashes and restarts count for [`node_word`]), or
/// the time: so the scenario runs it as a tracked footprint, skipped after a step
/// that wrote nothing, and it says until when its time parts hold.
pub fn footprint(w: &LauncherWorld, sim: &Sim, r: &mut Reads) {
    let l = &w.launcher;
    r.word(l.ghost.writes()).word(l.store.table_writes()).word(l.provider.writes());
    // Each term only grows, so the sum changes whenever one of them does.
    r.word(w.tabs.iter().map(|t| t.state.writes() + node_word(sim, t.node)).sum());
    let bound_ms = l.params.liveness_bound_ms;
    match l.ghost.earliest_abandoned() {
        // The clocks as they are now (a jump or a drift of the store's clock counts a
        // write): valid while time stands still.
        Some(since) if sim.now().ms_since(since) > bound_ms => {
            r.word(sim.now().as_ms()).word(sim.node_now(l.store.node).as_ms()).valid_until(sim.now())
        }
        // Both 0 until the earliest holder ended more than the bound ago.
        Some(since) => r.word(0).word(0).valid_until(since.plus_ms(bound_ms)),
        None => r.word(0).word(0),
    };
}
