//! The invariants of the restart coalescer (SYSTEMS.md E), as checks over the world.
//!
//! Safety checks run after every step; the `_at_end` ones are judged once faults have
//! stopped and the quiet phase is over (quiescence).

use sim::Sim;

use crate::substrate::provisioner::ContainerState;
use crate::system::restart::cycle::hermes_answer;
use crate::system::restart::history::CycleEnd;
use crate::system::restart::world::RestartWorld;

/// I1: at most one restart cycle per workspace is open (from the decision to run it
/// until its provision has ended).
pub fn one_cycle_per_workspace(w: &RestartWorld, _: &Sim) -> Result<(), String> {
    let h = w.history.borrow();
    for &ws in &w.workspaces {
        if h.open_cycles(ws).nth(1).is_none() {
            continue;
        }
        let open: Vec<String> =
            h.open_cycles(ws).map(|c| format!("cycle on {} since {} ms", c.server, c.began_at.as_ms())).collect();
        {
            return Err(format!("ws{ws} has {} restart cycles in flight: {}", open.len(), open.join("; ")));
        }
    }
    Ok(())
}

/// I2: at most one container (created or running) per workspace.
pub fn one_container_per_workspace(w: &RestartWorld, _: &Sim) -> Result<(), String> {
    for &ws in &w.workspaces {
        if w.docker.live_count(ws) > 1 {
            let live = w.docker.live(ws);
            let list: Vec<String> =
                live.iter().map(|c| format!("{} ({:?}, env v{})", c.id, c.state, c.snapshot.version)).collect();
            return Err(format!("ws{ws} has {} containers: {}", live.len(), list.join(", ")));
        }
    }
    Ok(())
}

/// The contract's "no extra cycle": a cycle begins only if a restart request of its
/// workspace arrived since the previous cycle began (so 1 request → at most 1 cycle,
/// N requests during one cycle → at most 2).
pub fn no_unrequested_cycle(w: &RestartWorld, _: &Sim) -> Result<(), String> {
    let h = w.history.borrow();
    match h.cycles.iter().position(|c| c.unrequested) {
        Some(i) => {
            Err(format!("cycle {} of ws{} began with no request since the previous cycle", i + 1, h.cycles[i].ws))
        }
        None => Ok(()),
    }
}

/// The contract's "workspaces never serialize" and I16: no restart goroutine waits
/// for a lock of another workspace, and the wait-for graph has no cycle.
pub fn workspaces_isolated(w: &RestartWorld, _: &Sim) -> Result<(), String> {
    if !w.locks.anyone_waits() {
        return Ok(());
    }
    fn ws_of(s: &str) -> Option<&str> {
        s.split('/').next()
    }
    if let Some((owner, lock)) = w.locks.find_waiting(|owner, lock| ws_of(owner) != ws_of(lock)) {
        return Err(format!("{owner} waits for {lock}, a lock of another workspace"));
    }
    match w.locks.wait_for_cycle() {
        Some(cycle) => Err(format!("deadlock: {}", cycle.join(" → "))),
        None => Ok(()),
    }
}

/// I11 (quiescent): each workspace runs exactly one container, and its environment is
/// the latest committed secrets and model.
pub fn container_env_fresh_at_end(w: &RestartWorld, _: &Sim) -> Result<(), String> {
    for &ws in &w.workspaces {
        let latest = w.db.peek(ws);
        let live = w.docker.live(ws);
        let running: Vec<_> = live.iter().filter(|c| c.state == ContainerState::Running).collect();
        match running.as_slice() {
            [c] if c.snapshot.env == latest.env => {}
            [c] => {
                return Err(format!(
                    "ws{ws}: {} runs with env v{} but the DB is at v{} ({}); it {}",
                    c.id,
                    c.snapshot.version,
                    latest.version,
                    missing(&c.snapshot.env, &latest.env),
                    hermes_answer(&c.snapshot.env)
                ))
            }
            [] => return Err(format!("ws{ws}: no running container (DB at v{})", latest.version)),
            more => return Err(format!("ws{ws}: {} running containers", more.len())),
        }
    }
    Ok(())
}

fn missing(have: &crate::substrate::workspace_db::Env, want: &crate::substrate::workspace_db::Env) -> String {
    let differ: Vec<&str> = want.iter().filter(|(k, v)| have.get(*k) != Some(v)).map(|(k, _)| k.as_str()).collect();
    format!("stale or missing: {}", differ.join(", "))
}

/// L4: every committed request is followed by a cycle that began after it and brought
/// a container up.
pub fn request_served_at_end(w: &RestartWorld, _: &Sim) -> Result<(), String> {
    let h = w.history.borrow();
    for c in &h.commits {
        let served = h.cycles_of(c.ws).any(|cy| cy.begin_seq > c.seq && matches!(cy.end, Some(CycleEnd::Up { .. })));
        if !served {
            return Err(format!(
                "ws{}: {} (v{}, committed at {} ms) was never followed by a completed restart cycle",
                c.ws,
                c.what,
                c.version,
                c.at.as_ms()
            ));
        }
    }
    Ok(())
}

/// The text's contract counts, for the contract workloads: 1 request → 1 cycle, N
/// during one in-flight cycle → 2, N sequential → N.
pub fn contract_counts_at_end(w: &RestartWorld, _: &Sim) -> Result<(), String> {
    let h = w.history.borrow();
    for &(ws, promised) in &w.contract {
        let ran = h.cycles_of(ws).count();
        if ran != promised {
            let requests = h.requests.iter().filter(|r| r.ws == ws).count();
            return Err(format!("ws{ws}: {requests} requests ran {ran} cycles; the contract promises {promised}"));
        }
    }
    Ok(())
}
