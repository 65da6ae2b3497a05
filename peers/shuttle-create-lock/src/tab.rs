//! A tab as an async task on shuttle: the control flow of the spec's tab (sections 5
//! and 6), taking the spec's actions through [`World::act`]. It sleeps on the
//! logical clock until it opens, parks on pushes (v4/v5) or on pushes and its blocking
//! lease's expiry (`proposed`), sleeps while its create runs, then hands off (v4/v5)
//! or publishes (`proposed`).
//!
//! Crash points are lockstep's (model/src/system/create_lock/tab.rs): when the tab
//! starts waiting, before each request, and as its create starts (the create then
//! finishes at the provider, untracked).

use std::sync::Arc;

use create_lock_abstraction::actions::Action;
use create_lock_abstraction::spec::Variant;
use create_lock_abstraction::state::{Sandbox, Tab, TabId};
use create_lock_abstraction::steps;

use crate::world::World;

/// Tab `i`, from its drawn opening tick to a terminal step.
pub async fn run(w: Arc<World>, i: TabId) {
    let open_at = w.between(0, w.cfg.open_max);
    w.clock.sleep_until(open_at.into()).await;
    w.act(|_, _| Action::Open(i)).await;
    loop {
        match w.read(|s| s.tab(i)) {
            Tab::Waiting { .. } => {
                if w.crashes(i) {
                    return;
                }
                park(&w, i).await;
            }
            Tab::Acquiring { .. } => {
                if w.crashes(i) {
                    return;
                }
                w.act(|_, _| Action::Acquire(i)).await;
            }
            Tab::CreatePending => return create(&w, i).await,
            _ => return,
        }
    }
}

/// While the tab waits: sleep until a push (or, `proposed`, the lease's expiry), then
/// handle it; a value that changes nothing keeps it waiting.
async fn park(w: &World, i: TabId) {
    while let Tab::Waiting { until, .. } = w.read(|s| s.tab(i)) {
        while !w.read(|s| s.urgent(i)) {
            w.clock.wait(Some(&w.pushes), until.map(u64::from)).await;
        }
        w.act(|_, _| if until.is_some() { Action::Wake(i) } else { Action::Refresh(i) }).await;
    }
}

/// The create path: create, then the variant's handoff or `proposed`'s publish.
async fn create(w: &World, i: TabId) {
    if w.crashes(i) {
        return;
    }
    if steps::lease_too_short(&w.cfg) {
        w.act(|_, _| Action::GiveUp(i)).await;
        return;
    }
    let d = w.between(1, w.cfg.create_max);
    let started = w.act(|_, _| Action::StartCreate(i, d)).await;
    let done_at = u64::from(started.now + d);
    w.clock.alarm(done_at);
    if w.crashes(i) {
        return;
    }
    w.clock.sleep_until(done_at).await;
    if w.read(|s| s.sandbox(i)) != Sandbox::Live {
        return; // destroyed while booting (a `proposed` reap): the tab never hears back
    }
    w.act(|_, _| Action::CreateDone(i)).await;
    loop {
        let tab = w.read(|s| s.tab(i));
        if !matches!(tab, Tab::Handoff1 | Tab::Handoff2 { .. } | Tab::Publishing) || w.crashes(i) {
            return;
        }
        w.act(|c, s| {
            let fails = || s.insert_may_fail(c) && w.swarm.insert_fires();
            match c.variant {
                Variant::Proposed => Action::Publish { tab: i, fails: fails() },
                _ if steps::handoff_deletes(c, tab) => Action::Delete(i),
                _ => Action::Insert { tab: i, fails: fails() },
            }
        })
        .await;
    }
}
