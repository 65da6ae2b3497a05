//! A tab as an async task on shuttle: the control flow of the spec's tab (sections 5
//! and 6), calling the shared atomic steps through [`World::act`]. It sleeps on the
//! logical clock until it opens, parks on pushes (v4/v5) or on pushes and its blocking
//! lease's expiry (`proposed`), sleeps while its create runs, then hands off (v4/v5)
//! or publishes (`proposed`).
//!
//! Crash points are lockstep's (model/src/system/create_lock/tab.rs): when the tab
//! starts waiting, before each request, and as its create starts (the create then
//! finishes at the provider, untracked).

use std::sync::Arc;

use create_lock_abstraction::spec::Variant;
use create_lock_abstraction::state::{Sandbox, Tab, TabId};
use create_lock_abstraction::steps;

use crate::world::World;

/// Tab `i`, from its drawn opening tick to a terminal step.
pub async fn run(w: Arc<World>, i: TabId) {
    let open_at = w.between(0, w.cfg.open_max);
    w.clock.sleep_until(open_at.into()).await;
    w.act(|c, s| steps::open(c, s, i)).await;
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
                w.act(|c, s| steps::acquire(c, s, i)).await;
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
        w.act(|c, s| if until.is_some() { steps::wake(c, s, i) } else { steps::refresh(c, s, i) }).await;
    }
}

/// The create path: create, then the variant's handoff or `proposed`'s publish.
async fn create(w: &World, i: TabId) {
    if w.crashes(i) {
        return;
    }
    if steps::lease_too_short(&w.cfg) {
        return w.act(|_, s| steps::give_up(s, i)).await;
    }
    let d = w.between(1, w.cfg.create_max);
    let done_at = w
        .act(|c, s| {
            steps::start_create(c, s, i, d);
            u64::from(s.now + d)
        })
        .await;
    w.clock.alarm(done_at);
    if w.crashes(i) {
        return;
    }
    w.clock.sleep_until(done_at).await;
    if w.read(|s| s.sandbox(i)) != Sandbox::Live {
        return; // destroyed while booting (a `proposed` reap): the tab never hears back
    }
    w.act(|c, s| steps::create_done(c, s, i)).await;
    loop {
        let tab = w.read(|s| s.tab(i));
        if !matches!(tab, Tab::Handoff1 | Tab::Handoff2 { .. } | Tab::Publishing) || w.crashes(i) {
            return;
        }
        w.act(|c, s| match c.variant {
            Variant::Proposed => {
                let fails = s.insert_may_fail(c) && w.swarm.insert_fires();
                steps::publish(s, i, fails);
            }
            _ if steps::handoff_deletes(c, tab) => steps::delete(s, i),
            _ => {
                let fails = s.insert_may_fail(c) && w.swarm.insert_fires();
                steps::insert(s, i, fails);
            }
        })
        .await;
    }
}
