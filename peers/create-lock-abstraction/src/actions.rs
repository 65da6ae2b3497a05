//! The spec's actions (sections 5 and 6) as one transition system over [`State`]:
//! which are enabled ([`enabled`]) and what each does ([`apply`]).
//!
//! Urgent actions (a tab's mutation, a query push, a finished create) all happen
//! before time moves; `Open` and `Crash` may happen at any tick; `Tick` is enabled only
//! when nothing is urgent. The nondeterminism is the interleaving of the enabled
//! actions, the create's length `d` (1 to CMAX ticks, one action each), the tick a tab
//! opens at, and the outcome of an insert while the fault budget allows a failure.
//!
//! stateright explores exactly this system. The shuttle tasks choose their own next
//! action by their control flow and time by their clock, and each step they take is
//! checked to be enabled here first, so shuttle runs a subset of the same behaviours.

use crate::spec::Config;
use crate::state::{State, Tab, TabId, Tick};
use crate::steps;

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

fn urgent_actions(cfg: &Config, s: &State, i: TabId, out: &mut Vec<Action>) {
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

/// Every action enabled in `s`.
pub fn enabled(cfg: &Config, s: &State, out: &mut Vec<Action>) {
    for i in s.tab_ids() {
        if s.tab(i) == Tab::Closed {
            out.push(Action::Open(i));
        }
        urgent_actions(cfg, s, i, out);
        if s.may_crash(cfg, i) {
            out.push(Action::Crash(i));
        }
    }
    if s.can_tick(cfg) {
        out.push(Action::Tick);
    }
}

/// Whether `action` is enabled in `s`.
pub fn is_enabled(cfg: &Config, s: &State, action: Action) -> bool {
    let mut all = Vec::new();
    enabled(cfg, s, &mut all);
    all.contains(&action)
}

/// Takes `action` in `s`.
pub fn apply(cfg: &Config, s: &mut State, action: Action) {
    match action {
        Action::Open(i) => steps::open(cfg, s, i),
        Action::Refresh(i) => steps::refresh(cfg, s, i),
        Action::Wake(i) => steps::wake(cfg, s, i),
        Action::Acquire(i) => steps::acquire(cfg, s, i),
        Action::StartCreate(i, d) => steps::start_create(cfg, s, i, d),
        Action::GiveUp(i) => steps::give_up(s, i),
        Action::CreateDone(i) => steps::create_done(cfg, s, i),
        Action::Delete(i) => steps::delete(s, i),
        Action::Insert { tab, fails } => steps::insert(s, tab, fails),
        Action::Publish { tab, fails } => steps::publish(s, tab, fails),
        Action::Crash(i) => s.crash(i),
        Action::Tick => s.tick(),
    }
}
