//! `launcher/create-lock` as a stateright [`Model`]: the actions of spec sections 5
//! (v4, v5) and 6 (`proposed`) over the shared [`State`], each one atomic transition.
//!
//! Urgent actions (a tab's mutation, a query push, a finished create) all happen
//! before time moves; `Open` and `Crash` may happen at any tick; `Tick` is enabled only
//! when nothing is urgent. The nondeterminism is the interleaving of the enabled
//! actions, the create's length `d` (1 to CMAX ticks, one action each), the tick a tab
//! opens at, and the outcome of an insert while the fault budget allows a failure.

use create_lock_abstraction::invariants;
use create_lock_abstraction::spec::{
    Config, Variant, NO_ACQUIRE_IN_HANDOFF_GAP, NO_ORPHAN, NO_PREMATURE_RECLAIM, RECORD_BEFORE_RUNNING, SINGLE_SANDBOX,
};
use create_lock_abstraction::state::{State, Tab, TabId, Tick, View};
use create_lock_abstraction::store::{LockAnswer, Publish};
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
    fn proposed(&self) -> bool {
        self.cfg.variant == Variant::Proposed
    }

    /// The handoff step a tab in `Handoff1`/`Handoff2` takes next: v4 deletes first,
    /// v5 inserts first.
    fn handoff_deletes(&self, tab: Tab) -> bool {
        let first = tab == Tab::Handoff1;
        (self.cfg.variant == Variant::V4) == first
    }

    fn urgent_actions(&self, s: &State, i: TabId, out: &mut Vec<Action>) {
        let tab = s.tab(i);
        match tab {
            Tab::Waiting { .. } if s.urgent(i) => {
                out.push(if self.proposed() { Action::Wake(i) } else { Action::Refresh(i) })
            }
            Tab::Acquiring { .. } => out.push(Action::Acquire(i)),
            Tab::CreatePending if self.proposed() && self.cfg.ttl < self.cfg.create_max + 1 => {
                out.push(Action::GiveUp(i))
            }
            Tab::CreatePending => out.extend((1..=self.cfg.create_max).map(|d| Action::StartCreate(i, d))),
            Tab::Creating if s.urgent(i) => out.push(Action::CreateDone(i)),
            Tab::Handoff1 | Tab::Handoff2 { .. } if self.handoff_deletes(tab) => out.push(Action::Delete(i)),
            Tab::Handoff1 | Tab::Handoff2 { .. } => {
                out.push(Action::Insert { tab: i, fails: false });
                if s.insert_may_fail(&self.cfg) {
                    out.push(Action::Insert { tab: i, fails: true });
                }
            }
            Tab::Publishing => {
                out.push(Action::Publish { tab: i, fails: false });
                if s.insert_may_fail(&self.cfg) {
                    out.push(Action::Publish { tab: i, fails: true });
                }
            }
            _ => {}
        }
    }

    /// `Open`: run on a record; v4/v5 park on a fresh placeholder; else launch.
    fn open(&self, s: &mut State, i: TabId) {
        let view = s.get_sandbox(&self.cfg);
        let tab = match view {
            View::Found(sandbox) => Tab::Running { sandbox },
            View::Creating if !self.proposed() => Tab::Waiting { view, dirty: false, until: None },
            _ => Tab::Acquiring { view, dirty: false },
        };
        s.set_tab(i, tab);
    }

    /// v4/v5 `Refresh`: relaunch on a change to `null` or `found` (V4 resume effect).
    fn refresh(&self, s: &mut State, i: TabId, view: View) {
        let now = s.get_sandbox(&self.cfg);
        let tab = match now {
            View::Found(sandbox) if now != view => Tab::Running { sandbox },
            View::Null if now != view => Tab::Acquiring { view: View::Null, dirty: false },
            _ => Tab::Waiting { view: now, dirty: false, until: None },
        };
        s.set_tab(i, tab);
    }

    /// proposed `Wake`: ask again at the lease's expiry, run on a record, relaunch on
    /// a change to `null`.
    fn wake(&self, s: &mut State, i: TabId, view: View, until: Tick) {
        let now = s.get_sandbox(&self.cfg);
        let tab = match now {
            _ if s.now >= until => Tab::Acquiring { view: now, dirty: false },
            View::Found(sandbox) => Tab::Running { sandbox },
            View::Null if now != view => Tab::Acquiring { view: View::Null, dirty: false },
            _ => Tab::Waiting { view: now, dirty: false, until: Some(until) },
        };
        s.set_tab(i, tab);
    }

    fn acquire(&self, s: &mut State, i: TabId, view: View, dirty: bool) {
        let answer = s.acquire(&self.cfg, i);
        let tab = match answer {
            LockAnswer::Acquired => Tab::CreatePending,
            LockAnswer::Exists(sandbox) if self.proposed() => Tab::Running { sandbox },
            LockAnswer::Creating { until } if self.proposed() => {
                Tab::Waiting { view: s.get_sandbox(&self.cfg), dirty: false, until: Some(until) }
            }
            LockAnswer::Exists(_) | LockAnswer::Creating { .. } => Tab::Waiting { view, dirty, until: None },
        };
        s.set_tab(i, tab);
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
        let mut s = last.clone();
        match action {
            Action::Open(i) => self.open(&mut s, i),
            Action::Refresh(i) => {
                let Tab::Waiting { view, .. } = s.tab(i) else { unreachable!("refresh of a waiting tab") };
                self.refresh(&mut s, i, view);
            }
            Action::Wake(i) => {
                let Tab::Waiting { view, until: Some(until), .. } = s.tab(i) else { unreachable!("wake of a waiter") };
                self.wake(&mut s, i, view, until);
            }
            Action::Acquire(i) => {
                let Tab::Acquiring { view, dirty } = s.tab(i) else { unreachable!("acquire of an acquiring tab") };
                self.acquire(&mut s, i, view, dirty);
            }
            Action::StartCreate(i, d) => {
                if self.proposed() {
                    s.reap();
                }
                s.start_create(i, d);
                s.set_tab(i, Tab::Creating);
            }
            Action::GiveUp(i) => {
                s.release(i);
                s.set_tab(i, Tab::Error);
            }
            Action::CreateDone(i) => s.set_tab(i, if self.proposed() { Tab::Publishing } else { Tab::Handoff1 }),
            Action::Delete(i) => {
                let removed = s.delete_placeholder(i);
                let next = if s.tab(i) == Tab::Handoff1 {
                    Tab::Handoff2 { in_gap: removed }
                } else {
                    Tab::Running { sandbox: i }
                };
                s.set_tab(i, next);
            }
            Action::Insert { tab: i, fails } => {
                if fails {
                    s.fault_used = true;
                } else {
                    s.insert_record(i);
                }
                let next = if s.tab(i) == Tab::Handoff1 {
                    Tab::Handoff2 { in_gap: false }
                } else {
                    Tab::Running { sandbox: i }
                };
                s.set_tab(i, next);
            }
            Action::Publish { fails: true, .. } => s.fault_used = true,
            Action::Publish { tab: i, fails: false } => match s.publish(i) {
                Publish::Published => s.set_tab(i, Tab::Running { sandbox: i }),
                Publish::Fenced => {
                    s.destroy(i);
                    s.set_tab(i, Tab::Error);
                }
            },
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
