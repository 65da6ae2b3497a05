//! The invariants of `launcher/create-lock`, one per bug of the spec (section 7), and
//! the generic I2. Each returns `Err` with a sentence naming what went wrong.

use sim::Sim;

use crate::substrate::sandbox_provider::SandboxStatus;
use crate::system::create_lock::ghost::TabStep;
use crate::system::create_lock::world::{CreateLockWorld, USER};

/// C09: no grant of the create lock while another live creator is in its handoff gap.
pub fn no_acquire_in_handoff_gap(w: &CreateLockWorld, _: &Sim) -> Result<(), String> {
    w.shared.ghost.broken("no-acquire-in-handoff-gap").map_or(Ok(()), Err)
}

/// I6 (C10, and a create slower than a 300 s TTL): no reclaim from a live creator.
pub fn no_premature_reclaim(w: &CreateLockWorld, _: &Sim) -> Result<(), String> {
    w.shared.ghost.broken("no-premature-reclaim").map_or(Ok(()), Err)
}

/// I12 (C11): a tab that runs a session runs it on a sandbox a real record tracks.
pub fn record_before_running(w: &CreateLockWorld, _: &Sim) -> Result<(), String> {
    let steps = w.shared.ghost.steps();
    w.shared.store.peek(|t| {
        for (i, step) in steps.iter().enumerate() {
            if let TabStep::Running(sandbox) = *step {
                if t.tracking(sandbox).is_none() {
                    return Err(format!("tab{} runs on sandbox {sandbox}, which no record tracks", i + 1));
                }
            }
        }
        Ok(())
    })
}

/// The user's healthy sandboxes, by id.
fn healthy(w: &CreateLockWorld) -> Vec<u64> {
    w.shared.provider.with_sandboxes(|all| {
        all.values().filter(|s| s.user == USER && s.status == SandboxStatus::Healthy).map(|s| s.id).collect()
    })
}

/// I3 at quiescence (a crashed creator's orphan): every healthy sandbox is tracked by
/// exactly one real record.
pub fn no_orphan(w: &CreateLockWorld, _: &Sim) -> Result<(), String> {
    let sandboxes = healthy(w);
    w.shared.store.peek(|t| {
        for sandbox in sandboxes {
            let records = t.of_user(USER).filter(|r| r.real_sandbox() == Some(sandbox)).count();
            if records != 1 {
                return Err(format!("sandbox {sandbox} is alive and tracked by {records} records"));
            }
        }
        Ok(())
    })
}

/// I2: at most one healthy sandbox and at most one real record.
pub fn single_sandbox(w: &CreateLockWorld, _: &Sim) -> Result<(), String> {
    let sandboxes = healthy(w);
    if sandboxes.len() > 1 {
        return Err(format!("the user has {} healthy sandboxes: {sandboxes:?}", sandboxes.len()));
    }
    let records = w.shared.store.peek(|t| t.real_record_count(USER));
    if records > 1 {
        return Err(format!("the user has {records} real records"));
    }
    Ok(())
}

/// At quiescence every tab that did not crash runs a session (peers' suggestion, spec
/// "Changes"): the five bug invariants are all kept by a design that never creates;
/// this one is not, and it shows v4/v5 waiters parked forever on a crashed creator's
/// placeholder (queries re-run on writes, not on time).
pub fn every_tab_runs(w: &CreateLockWorld, _: &Sim) -> Result<(), String> {
    for (i, step) in w.shared.ghost.steps().iter().enumerate() {
        if !matches!(step, TabStep::Running(_) | TabStep::Crashed) {
            return Err(format!("tab{} settled without a session ({step:?})", i + 1));
        }
    }
    Ok(())
}
