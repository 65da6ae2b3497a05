//! The invariants of S001 (SYSTEMS.md E), read from the world after every step
//! (safety) or at the end of the quiet phase (liveness).

use sim::Sim;

use crate::system::devserver::hook::{AUTO_START, POLL};
use crate::system::devserver::sandbox::{App, ProcState, Process};
use crate::system::devserver::world::DevWorld;

fn describe(p: &Process) -> String {
    let state = match p.state {
        ProcState::Starting if p.hung => "starting, hung".to_string(),
        ProcState::Starting => "starting".to_string(),
        ProcState::Listening(port) => format!("on :{port}"),
        ProcState::Exited => "exited".to_string(),
    };
    format!("p{} (session {}, {state})", p.id, p.session)
}

/// I2: at most one live dev-server process per (sandbox, app type).
pub fn single_dev_server(w: &DevWorld, _: &Sim) -> Result<(), String> {
    let st = w.shared.sandbox.state.borrow();
    for app in App::ALL {
        if st.live(app).nth(1).is_some() {
            let live: Vec<String> = st.live(app).map(describe).collect();
            return Err(format!("{} live {} dev servers: {}", live.len(), app.name(), live.join(", ")));
        }
    }
    Ok(())
}

/// I10: distinct app types never share a session.
pub fn distinct_sessions(w: &DevWorld, _: &Sim) -> Result<(), String> {
    let st = w.shared.sandbox.state.borrow();
    match st.session_apps.iter().find(|(_, apps)| apps.len() > 1) {
        None => Ok(()),
        Some((session, _)) => Err(format!("session {session} runs both the web and the mobile dev server")),
    }
}

/// I15: no start while the caller's latest status is not stopped or a start is in
/// flight (per tab), and no launch while a dev server is up or coming up (globally).
pub fn no_redundant_start(w: &DevWorld, _: &Sim) -> Result<(), String> {
    w.shared.ghost.borrow().redundant.as_ref().map_or(Ok(()), |why| Err(why.clone()))
}

/// I8: a status response never overwrites a newer observation with an older one.
pub fn ui_status_latest(w: &DevWorld, _: &Sim) -> Result<(), String> {
    w.shared.ghost.borrow().stale_status.as_ref().map_or(Ok(()), |why| Err(why.clone()))
}

/// I5: a lock is released only by its owner.
pub fn owner_only_release(w: &DevWorld, _: &Sim) -> Result<(), String> {
    if !w.shared.redis.any_foreign_release() {
        return Ok(());
    }
    match w.shared.redis.foreign_releases().first() {
        None => Ok(()),
        Some(r) => Err(format!(
            "the holder of {} = {} DELs it while {} holds it (at {} ms)",
            r.key,
            r.by,
            r.owner,
            r.at.as_ms()
        )),
    }
}

/// L6: a mounted hook instance has at most one polling interval and at most one
/// pending auto-start timer.
pub fn one_poller_per_hook(w: &DevWorld, sim: &Sim) -> Result<(), String> {
    let timers = &w.shared.timers;
    for h in w.shared.hooks.borrow().iter().filter(|h| h.is_live(sim)) {
        let [polls, autos] = timers.count_each(h.id, [POLL, AUTO_START]);
        if autos > 1 {
            return Err(format!("hook h{} has {autos} pending auto-start timers", h.id));
        }
        if polls > 1 {
            return Err(format!("hook h{} has {polls} polling intervals", h.id));
        }
    }
    Ok(())
}

/// L6 (the text's "all timers and intervals cleaned up on unmount"): an unmounted
/// hook instance leaves no timer behind in its tab.
pub fn timers_cleared_on_unmount(w: &DevWorld, sim: &Sim) -> Result<(), String> {
    for h in w.shared.hooks.borrow().iter().filter(|h| !h.is_live(sim)) {
        if !w.shared.timers.has_any(h.id) {
            continue;
        }
        let left = w.shared.timers.of(h.id);
        if let Some(t) = left.first() {
            return Err(format!(
                "unmounted hook h{} still has {} timer(s) ({} {:?})",
                h.id,
                left.len(),
                t.label,
                t.kind
            ));
        }
    }
    Ok(())
}

/// L7: at the end, every app type a mounted hook shows has a dev server on its port.
pub fn dev_server_up(w: &DevWorld, sim: &Sim) -> Result<(), String> {
    let st = w.shared.sandbox.state.borrow();
    for h in w.shared.hooks.borrow().iter().filter(|h| h.is_live(sim)) {
        if !st.listening(h.app) {
            return Err(format!(
                "hook h{} is mounted but no {} dev server listens on :{}",
                h.id,
                h.app.name(),
                h.app.port()
            ));
        }
    }
    Ok(())
}

/// I3: at the end, every live dev-server process is the one its app's port reaches;
/// any other (a duplicate on a fallback port, a hung start) is an orphan.
pub fn no_orphan_process(w: &DevWorld, _: &Sim) -> Result<(), String> {
    let st = w.shared.sandbox.state.borrow();
    let orphan = st.processes.iter().find(|p| p.alive() && p.state != ProcState::Listening(p.app.port()));
    orphan.map_or(Ok(()), |p| Err(format!("orphan {} dev server {}", p.app.name(), describe(p))))
}
