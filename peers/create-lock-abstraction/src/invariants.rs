//! The five invariants of spec section 7, one per bug, as predicates over [`State`]
//! (true = holds). stateright checks them as `always` properties on every state; the
//! shuttle peer after every atomic step and at the end of a run.

use crate::spec::{
    EVERY_TAB_RUNS, NO_ACQUIRE_IN_HANDOFF_GAP, NO_ORPHAN, NO_PREMATURE_RECLAIM, RECORD_BEFORE_RUNNING, SINGLE_SANDBOX,
};
use crate::state::{Sandbox, State, Tab};

/// C09: no `acquired` while another live tab was in its handoff gap (ghost flag).
pub fn no_acquire_in_handoff_gap(s: &State) -> bool {
    !s.acquired_in_gap
}

/// C10 and the slow create (I6): no reclaim of a live creator's placeholder (ghost flag).
pub fn no_premature_reclaim(s: &State) -> bool {
    !s.premature_reclaim
}

/// C11 (I12): a running tab runs on a recorded sandbox.
pub fn record_before_running(s: &State) -> bool {
    s.tabs.iter().all(|t| match t {
        Tab::Running { sandbox } => s.records.contains(sandbox),
        _ => true,
    })
}

/// The crashed creator's orphan (I3): at quiescence every live sandbox is recorded
/// exactly once.
pub fn no_orphan(s: &State) -> bool {
    !s.quiescent()
        || s.tab_ids()
            .filter(|&i| s.sandbox(i) == Sandbox::Live)
            .all(|i| s.records.iter().filter(|&&r| r == i).count() == 1)
}

/// I2: at most one live sandbox and at most one record.
pub fn single_sandbox(s: &State) -> bool {
    s.sandboxes.iter().filter(|&&x| x == Sandbox::Live).count() <= 1 && s.records.len() <= 1
}

/// Beyond the spec (a liveness check at the end of every run): at quiescence every
/// tab that did not crash runs a session. Without it a design that never creates
/// keeps the five invariants above.
pub fn every_tab_runs(s: &State) -> bool {
    !s.quiescent() || s.tabs.iter().all(|t| matches!(t, Tab::Running { .. } | Tab::Crashed))
}

/// An invariant's predicate: true = holds.
pub type Check = fn(&State) -> bool;

/// Every invariant by name, in spec order.
pub const ALL: [(&str, Check); 6] = [
    (NO_ACQUIRE_IN_HANDOFF_GAP, no_acquire_in_handoff_gap),
    (NO_PREMATURE_RECLAIM, no_premature_reclaim),
    (RECORD_BEFORE_RUNNING, record_before_running),
    (NO_ORPHAN, no_orphan),
    (SINGLE_SANDBOX, single_sandbox),
    (EVERY_TAB_RUNS, every_tab_runs),
];

/// The first invariant (among `names`) that `s` breaks.
pub fn first_broken(s: &State, names: &[&'static str]) -> Option<&'static str> {
    ALL.iter().find(|(n, holds)| names.contains(n) && !holds(s)).map(|(n, _)| *n)
}
