//! `launcher/create-lock` as a stateright [`Model`]: which of the shared steps of spec
//! sections 5 (v4, v5) and 6 (`proposed`) are enabled in a [`State`], each one atomic
//! transition ([`steps`]).
//!
//! Urgent actions (a tab's mutation, a query push, a finished create) all happen
//! before time moves; `Open` and `Crash` may happen at any tick; `Tick` is enabled only
//! when nothing is urgent. The nondeterminism is the interleaving of the enabled
//! actions, the create's length `d` (1 to CMAX ticks, one action each), the tick a tab
//! opens at, and the outcome of an insert while the fault budget allows a failure.

use create_lock_abstraction::spec::{
    Config, NO_ACQUIRE_IN_HANDOFF_GAP, NO_ORPHAN, NO_PREMATURE_RECLAIM, RECORD_BEFORE_RUNNING, SINGLE_SANDBOX,
};
use create_lock_abstraction::state::{State, Tab, TabId, Tick};
use create_lock_abstraction::{invariants, steps};
use stateright::{Model, Property};

/// One transition.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// The tab opens and subscribes to `getSandbox`.
    Open(TabId),
    /// v4/v5: a waiting tab processes a push (the V4 resume effect).
    Refresh(TabId),
    /// proposed: a waiting tab processes a push or its blocking lease expired.
    Wake(TabId),
    /// `acquireCreateLock` (proposed: `acquireCreateLease`) commits.
    Acquire(TabId),
    /// The provider create is sent and will take `d` ticks (proposed: after the reap).
    StartCreate(TabId, Tick),
    /// proposed: the lease cannot fit the longest create; the holder gives it back.
    GiveUp(TabId),
    /// The tab sees its create finish.
    CreateDone(TabId),
    /// `deletePlaceholder` commits.
    Delete(TabId),
    /// `createSandboxRecord` commits, or fails (the run's one fault) and is swallowed.
    Insert { tab: TabId, fails: bool },
    /// proposed: the fenced publish commits, or fails and is retried.
    Publish { tab: TabId, fails: bool },
    /// The tab crashes (the run's one fault).
    Crash(TabId),
    /// 30 s pass.
    Tick,
}

/// The model: a configuration, and optionally the one invariant to check.
pub struct CreateLock {
    pub cfg: Config,
    pub only: Option<&'static str>,
}

impl CreateLock {
    fn urgent_actions(&self, s: &State, i: TabId, out: &mut Vec<Action>) {
        let cfg = &self.cfg;
        let tab = s.tab(i);
        match tab {
            Tab::Waiting { until: Some(_), .. } if s.urgent(i) => out.push(Action::Wake(i)),
            Tab::Waiting { .. } if s.urgent(i) => out.push(Action::Refresh(i)),
            Tab::Acquiring { .. } => out.push(Action::Acquire(i)),
            Tab::CreatePending if steps::lease_too_short(cfg) => out.push(Action::GiveUp(i)),
            Tab::CreatePending => out.extend((1..=cfg.create_max).map(|d| Action::StartCreate(i, d))),
            Tab::Creating if s.urgent(i) => out.push(Action::CreateDone(i)),
            Tab::Handoff1 | Tab::Handoff2 { .. } if steps::handoff_deletes(cfg, tab) => out.push(Action::Delete(i)),
            Tab::Handoff1 | Tab::Handoff2 { .. } => {
                out.push(Action::Insert { tab: i, fails: false });
                if s.insert_may_fail(cfg) {
                    out.push(Action::Insert { tab: i, fails: true });
                }
            }
            Tab::Publishing => {
                out.push(Action::Publish { tab: i, fails: false });
                if s.insert_may_fail(cfg) {
                    out.push(Action::Publish { tab: i, fails: true });
                }
            }
            _ => {}
        }
    }
}

impl Model for CreateLock {
    type State = State;
    type Action = Action;

    fn init_states(&self) -> Vec<State> {
        vec![State::new(&self.cfg)]
    }

    fn actions(&self, s: &State, out: &mut Vec<Action>) {
        for i in s.tab_ids() {
            if s.tab(i) == Tab::Closed {
                out.push(Action::Open(i));
            }
            self.urgent_actions(s, i, out);
            if s.may_crash(&self.cfg, i) {
                out.push(Action::Crash(i));
            }
        }
        if s.can_tick(&self.cfg) {
            out.push(Action::Tick);
        }
    }

    fn next_state(&self, last: &State, action: Action) -> Option<State> {
        let cfg = &self.cfg;
        let mut s = last.clone();
        match action {
            Action::Open(i) => steps::open(cfg, &mut s, i),
            Action::Refresh(i) => steps::refresh(cfg, &mut s, i),
            Action::Wake(i) => steps::wake(cfg, &mut s, i),
            Action::Acquire(i) => steps::acquire(cfg, &mut s, i),
            Action::StartCreate(i, d) => steps::start_create(cfg, &mut s, i, d),
            Action::GiveUp(i) => steps::give_up(&mut s, i),
            Action::CreateDone(i) => steps::create_done(cfg, &mut s, i),
            Action::Delete(i) => steps::delete(&mut s, i),
            Action::Insert { tab, fails } => steps::insert(&mut s, tab, fails),
            Action::Publish { tab, fails } => steps::publish(&mut s, tab, fails),
            Action::Crash(i) => s.crash(i),
            Action::Tick => s.tick(),
        }
        Some(s)
    }

    fn properties(&self) -> Vec<Property<Self>> {
        let all = vec![
            Property::always(NO_ACQUIRE_IN_HANDOFF_GAP, |_, s: &State| invariants::no_acquire_in_handoff_gap(s)),
            Property::always(NO_PREMATURE_RECLAIM, |_, s: &State| invariants::no_premature_reclaim(s)),
            Property::always(RECORD_BEFORE_RUNNING, |_, s: &State| invariants::record_before_running(s)),
            Property::always(NO_ORPHAN, |_, s: &State| invariants::no_orphan(s)),
            Property::always(SINGLE_SANDBOX, |_, s: &State| invariants::single_sandbox(s)),
        ];
        all.into_iter().filter(|p| self.only.is_none_or(|name| p.name == name)).collect()
    }
}
