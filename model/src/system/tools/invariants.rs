//! The invariants of S004 (SYSTEMS.md E), judged from the ghost and the locks.

use sim::Sim;

use crate::system::tools::world::ToolsWorld;

fn first(found: &Option<String>) -> Result<(), String> {
    found.as_ref().map_or(Ok(()), |why| Err(why.clone()))
}

/// I1: at most one read-modify-write of a config file or the insert target at a time.
pub fn one_rmw_per_file(w: &ToolsWorld, _: &Sim) -> Result<(), String> {
    first(&w.backend.ghost.borrow().rmw_overlap)
}

/// I7: every completed mutation persists (inserts accumulate, config edits stay).
pub fn no_lost_update(w: &ToolsWorld, _: &Sim) -> Result<(), String> {
    first(&w.backend.ghost.borrow().lost_update)
}

/// I9: a fork copies the parent checkout as it was at one instant.
pub fn fork_snapshot_atomic(w: &ToolsWorld, _: &Sim) -> Result<(), String> {
    first(&w.backend.ghost.borrow().torn_snapshot)
}

/// I10: distinct in-flight or registered processes have distinct IDs and directories.
pub fn unique_process_ids(w: &ToolsWorld, _: &Sim) -> Result<(), String> {
    first(&w.backend.ghost.borrow().id_clash)
}

/// I13: a call that had not begun its side effects by the abort performs none after.
pub fn abort_safety(w: &ToolsWorld, _: &Sim) -> Result<(), String> {
    first(&w.backend.ghost.borrow().late_side_effect)
}

/// I16: the wait-for graph is acyclic and no holder waits on its own lock.
pub fn no_deadlock(w: &ToolsWorld, _: &Sim) -> Result<(), String> {
    if !w.backend.locks.anyone_waits() {
        return Ok(());
    }
    match w.backend.locks.wait_for_cycle() {
        Some(cycle) => Err(format!("wait-for cycle: {}", cycle.join(" -> "))),
        None => Ok(()),
    }
}

/// L6: a sibling never waits on a lock held by a sibling whose current work touches
/// none of its resources.
pub fn parallel_progress(w: &ToolsWorld, _: &Sim) -> Result<(), String> {
    let g = w.backend.ghost.borrow();
    for (waiter, lock) in &g.waits {
        let Some(wc) = g.calls.get(waiter) else { continue };
        for (l, holder) in &g.holders {
            if l != lock || holder == waiter {
                continue;
            }
            let Some(hc) = g.calls.get(holder) else { continue };
            if wc.resources.is_disjoint(&hc.phase_resources) {
                return Err(format!(
                    "{} waits on {lock}, held by {} in {} (touching {:?}), which shares nothing with it",
                    wc.label, hc.label, hc.phase, hc.phase_resources
                ));
            }
        }
    }
    Ok(())
}

/// Every sibling call returns by the end of the run.
pub fn calls_finish(w: &ToolsWorld, _: &Sim) -> Result<(), String> {
    let g = w.backend.ghost.borrow();
    let stuck: Vec<&str> = w.calls.iter().map(|c| c.owner.as_str()).filter(|o| !g.finished.contains(*o)).collect();
    if stuck.is_empty() {
        Ok(())
    } else {
        Err(format!("calls {stuck:?} never returned"))
    }
}
