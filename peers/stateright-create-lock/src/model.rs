//! `launcher/create-lock` as a stateright [`Model`]: the shared transition system of
//! the spec ([`actions`]) explored breadth-first, with the spec's invariants as
//! `always` properties (all of them, or the one a detection row checks).

use create_lock_abstraction::actions::{self, Action};
use create_lock_abstraction::invariants;
use create_lock_abstraction::spec::{
    Config, EVERY_TAB_RUNS, NO_ACQUIRE_IN_HANDOFF_GAP, NO_ORPHAN, NO_PREMATURE_RECLAIM, RECORD_BEFORE_RUNNING,
    SINGLE_SANDBOX,
};
use create_lock_abstraction::state::State;
use stateright::{Model, Property};

/// The model: a configuration, and optionally the one invariant to check.
pub struct CreateLock {
    pub cfg: Config,
    pub only: Option<&'static str>,
}

impl Model for CreateLock {
    type State = State;
    type Action = Action;

    fn init_states(&self) -> Vec<State> {
        vec![State::new(&self.cfg)]
    }

    fn actions(&self, s: &State, out: &mut Vec<Action>) {
        actions::enabled(&self.cfg, s, out);
    }

    fn next_state(&self, last: &State, action: Action) -> Option<State> {
        let mut s = last.clone();
        actions::apply(&self.cfg, &mut s, action);
        Some(s)
    }

    fn properties(&self) -> Vec<Property<Self>> {
        let all = vec![
            Property::always(NO_ACQUIRE_IN_HANDOFF_GAP, |_, s: &State| invariants::no_acquire_in_handoff_gap(s)),
            Property::always(NO_PREMATURE_RECLAIM, |_, s: &State| invariants::no_premature_reclaim(s)),
            Property::always(RECORD_BEFORE_RUNNING, |_, s: &State| invariants::record_before_running(s)),
            Property::always(NO_ORPHAN, |_, s: &State| invariants::no_orphan(s)),
            Property::always(SINGLE_SANDBOX, |_, s: &State| invariants::single_sandbox(s)),
            Property::always(EVERY_TAB_RUNS, |_, s: &State| invariants::every_tab_runs(s)),
        ];
        all.into_iter().filter(|p| self.only.is_none_or(|name| p.name == name)).collect()
    }
}
