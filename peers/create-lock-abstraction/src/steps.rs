//! The tabs' atomic steps (spec sections 5 and 6) as transitions of [`State`]: each
//! reads the tab's step, calls the store, and moves the tab on. stateright enumerates
//! which are enabled ([`State::urgent`], `Open`, `Crash`, `Tick`); the shuttle tasks
//! call them in the order their control flow reaches them.

use crate::spec::{Config, Variant};
use crate::state::{State, Tab, TabId, Tick, View};
use crate::store::{LockAnswer, Publish};

fn proposed(cfg: &Config) -> bool {
    cfg.variant == Variant::Proposed
}

/// What a tab in `Handoff1`/`Handoff2` sends next: v4 deletes first, v5 inserts first.
pub fn handoff_deletes(cfg: &Config, tab: Tab) -> bool {
    (cfg.variant == Variant::V4) == (tab == Tab::Handoff1)
}

/// `proposed`: the lease cannot hold the longest create with a tick of margin.
pub fn lease_too_short(cfg: &Config) -> bool {
    proposed(cfg) && cfg.ttl < cfg.create_max + 1
}

/// `Open`: subscribe; run on a record; v4/v5 park on a fresh placeholder; else launch.
pub fn open(cfg: &Config, s: &mut State, i: TabId) {
    let view = s.get_sandbox(cfg);
    let tab = match view {
        View::Found(sandbox) => Tab::Running { sandbox },
        View::Creating if !proposed(cfg) => Tab::Waiting { view, dirty: false, until: None },
        _ => Tab::Acquiring { view, dirty: false },
    };
    s.set_tab(i, tab);
}

/// v4/v5 `Refresh` of a waiting tab: relaunch on a change to `null` or `found` (the V4
/// resume effect); any other value only updates the view.
pub fn refresh(cfg: &Config, s: &mut State, i: TabId) {
    let Tab::Waiting { view, .. } = s.tab(i) else { unreachable!("refresh of a waiting tab") };
    let now = s.get_sandbox(cfg);
    let tab = match now {
        View::Found(sandbox) if now != view => Tab::Running { sandbox },
        View::Null if now != view => Tab::Acquiring { view: View::Null, dirty: false },
        _ => Tab::Waiting { view: now, dirty: false, until: None },
    };
    s.set_tab(i, tab);
}

/// `proposed` `Wake` of a waiter: ask again at the lease's expiry, run on a record,
/// relaunch on a change to `null`.
pub fn wake(cfg: &Config, s: &mut State, i: TabId) {
    let Tab::Waiting { view, until: Some(until), .. } = s.tab(i) else { unreachable!("wake of a waiter") };
    let now = s.get_sandbox(cfg);
    let tab = match now {
        _ if s.now >= until => Tab::Acquiring { view: now, dirty: false },
        View::Found(sandbox) => Tab::Running { sandbox },
        View::Null if now != view => Tab::Acquiring { view: View::Null, dirty: false },
        _ => Tab::Waiting { view: now, dirty: false, until: Some(until) },
    };
    s.set_tab(i, tab);
}

/// `Acquire`: `acquireCreateLock` (proposed: `acquireCreateLease`) commits.
pub fn acquire(cfg: &Config, s: &mut State, i: TabId) {
    let Tab::Acquiring { view, dirty } = s.tab(i) else { unreachable!("acquire of an acquiring tab") };
    let tab = match s.acquire(cfg, i) {
        LockAnswer::Acquired => Tab::CreatePending,
        LockAnswer::Exists(sandbox) if proposed(cfg) => Tab::Running { sandbox },
        LockAnswer::Creating { until } if proposed(cfg) => {
            Tab::Waiting { view: s.get_sandbox(cfg), dirty: false, until: Some(until) }
        }
        // No write happened: the tab keeps the pushes it got while asking.
        LockAnswer::Exists(_) | LockAnswer::Creating { .. } => Tab::Waiting { view, dirty, until: None },
    };
    s.set_tab(i, tab);
}

/// `StartCreate`: the provider create, done in `d` ticks (proposed: after reaping
/// every untracked sandbox of the user).
pub fn start_create(cfg: &Config, s: &mut State, i: TabId, d: Tick) {
    if proposed(cfg) {
        s.reap();
    }
    s.start_create(i, d);
    s.set_tab(i, Tab::Creating);
}

/// `proposed` `GiveUp`: the holder releases a lease too short for the create.
pub fn give_up(s: &mut State, i: TabId) {
    s.release(i);
    s.set_tab(i, Tab::Error);
}

/// `CreateDone`: the tab sees its sandbox live and starts the handoff (publish).
pub fn create_done(cfg: &Config, s: &mut State, i: TabId) {
    s.set_tab(i, if proposed(cfg) { Tab::Publishing } else { Tab::Handoff1 });
}

/// After one handoff step: the second one, or running.
fn after_handoff_step(s: &mut State, i: TabId, in_gap: bool) {
    let next = if s.tab(i) == Tab::Handoff1 { Tab::Handoff2 { in_gap } } else { Tab::Running { sandbox: i } };
    s.set_tab(i, next);
}

/// `deletePlaceholder` commits.
pub fn delete(s: &mut State, i: TabId) {
    let removed = s.delete_placeholder(i);
    after_handoff_step(s, i, removed);
}

/// `createSandboxRecord` commits, or fails (the run's one fault) and is swallowed.
pub fn insert(s: &mut State, i: TabId, fails: bool) {
    if fails {
        s.fault_used = true;
    } else {
        s.insert_record(i);
    }
    after_handoff_step(s, i, false);
}

/// `proposed`: the fenced publish commits (running, or fenced: destroy and error), or
/// fails (the run's one fault) and stays to be retried.
pub fn publish(s: &mut State, i: TabId, fails: bool) {
    if fails {
        s.fault_used = true;
        return;
    }
    match s.publish(i) {
        Publish::Published => s.set_tab(i, Tab::Running { sandbox: i }),
        Publish::Fenced => {
            s.destroy(i);
            s.set_tab(i, Tab::Error);
        }
    }
}
