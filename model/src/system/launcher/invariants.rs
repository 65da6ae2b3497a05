//! The invariants of SYSTEMS.md section E that apply to S000, each a named check over
//! the launcher's world. Safety checks hold after every step; the quiescent ones
//! (`quiescent ⇒ …`) and the liveness goals are checked at the end of the quiet phase.

use sim::Sim;

use crate::substrate::sandbox_provider::UploadState;
use crate::system::launcher::ghost::GhostState;
use crate::system::launcher::lease::CONFIG_UNKNOWN;
use crate::system::launcher::sandbox_records::PoolState;
use crate::system::launcher::tab::{Page, Phase};
use crate::system::launcher::world::LauncherWorld;

fn broken(w: &LauncherWorld, name: &str) -> Result<(), String> {
    w.launcher.ghost.borrow().broken.get(name).map_or(Ok(()), |why| Err(why.clone()))
}

/// I1: at most one tab of a user is inside a create.
pub fn one_creator_per_user(w: &LauncherWorld, _: &Sim) -> Result<(), String> {
    let ghost = w.launcher.ghost.borrow();
    if ghost.creators.len() <= 1 {
        return Ok(());
    }
    let creators: Vec<String> = ghost.creators.values().map(|c| format!("tab{}", c.tab)).collect();
    Err(format!("{} are creating sandboxes at once", creators.join(" and ")))
}

/// I2: at most one live sandbox and one real active record per user.
pub fn single_sandbox(w: &LauncherWorld, _: &Sim) -> Result<(), String> {
    let user = w.user;
    let live = w.launcher.provider.with_sandboxes(|all| all.values().filter(|s| s.user == user && s.is_live()).count());
    if live > 1 {
        let live = w.launcher.provider.live_sandboxes(w.user);
        return Err(format!("the user has {} live sandboxes: {live:?}", live.len()));
    }
    let records = w.launcher.store.peek(|t| t.of_user(w.user).filter(|r| r.is_real()).count());
    if records > 1 {
        return Err(format!("the user has {records} real records"));
    }
    Ok(())
}

/// I3 (quiescent): every live sandbox is tracked by exactly one record.
pub fn no_orphan(w: &LauncherWorld, _: &Sim) -> Result<(), String> {
    for sandbox in w.launcher.provider.live_sandboxes(w.user) {
        let tracking = w.launcher.store.peek(|t| t.records().filter(|r| r.real_sandbox() == Some(sandbox)).count());
        if tracking != 1 {
            return Err(format!("live sandbox {sandbox} is tracked by {tracking} records"));
        }
    }
    Ok(())
}

/// I4: every real active record points at a live sandbox (a `stopped` record may
/// outlive its sandbox: the cron keeps it two days).
pub fn no_dangling(w: &LauncherWorld, _: &Sim) -> Result<(), String> {
    let dangling = w.launcher.store.peek(|t| {
        t.records()
            .filter(|r| r.pool_state != PoolState::Stopped)
            .filter_map(|r| r.real_sandbox().map(|s| (r.id, s)))
            .find(|(_, s)| !w.launcher.provider.is_live(*s))
    });
    dangling.map_or(Ok(()), |(id, s)| Err(format!("record {id} points at sandbox {s}, which is gone")))
}

/// I5: a creator publishes only while it still holds the create lock.
pub fn owner_only_publish(w: &LauncherWorld, _: &Sim) -> Result<(), String> {
    broken(w, "owner-only-publish")
}

/// I6: a create lock is never reclaimed while its holder is alive and creating.
pub fn no_premature_reclaim(w: &LauncherWorld, _: &Sim) -> Result<(), String> {
    broken(w, "no-premature-reclaim")
}

/// I7: no committed install disappears from `installedSkills`.
pub fn no_lost_skill(w: &LauncherWorld, _: &Sim) -> Result<(), String> {
    let ghost = w.launcher.ghost.borrow();
    w.launcher.store.peek(|t| {
        for (id, committed) in &ghost.committed_skills {
            if let Some(r) = t.get(*id) {
                if let Some(lost) = committed.iter().find(|s| !r.installed_skills.contains(s)) {
                    return Err(format!("skill {lost} was recorded on record {id} and is gone from installedSkills"));
                }
            }
        }
        Ok(())
    })
}

/// I8 (quiescent): a record's `configHash` and `installedSkills` describe its sandbox.
pub fn derived_state_coherent(w: &LauncherWorld, _: &Sim) -> Result<(), String> {
    let records: Vec<_> = w.launcher.store.peek(|t| t.records().filter(|r| r.is_real()).cloned().collect());
    for r in records {
        let Some(sb) = r.real_sandbox().and_then(|s| w.launcher.provider.sandbox(s)).filter(|s| s.is_live()) else {
            continue;
        };
        if sb.config_hash() != Some(r.config_hash) {
            return Err(format!(
                "record {} says config {} but sandbox {} holds .env {:?}, config.yaml {:?}",
                r.id, r.config_hash, sb.id, sb.env, sb.config_yaml
            ));
        }
        let on_disk: Vec<u32> =
            sb.skill_dirs.iter().filter(|(_, d)| d.state == UploadState::Complete).map(|(s, _)| *s).collect();
        let recorded: Vec<u32> = r.installed_skills.iter().copied().collect();
        if on_disk != recorded {
            return Err(format!("record {} lists skills {recorded:?}, the disk holds {on_disk:?}", r.id));
        }
    }
    Ok(())
}

/// I8, safety form (S000-C12): whenever no config write is in flight on a sandbox,
/// a record that names a `configHash` names the config both files hold. A write is in
/// flight while the provider is writing a file (its caller may be gone), and for the
/// launch that asked, from before its files are written until its hash publish has
/// answered. A record whose hash is unknown ([`CONFIG_UNKNOWN`], `proposed` while a
/// writer holds the files) claims nothing. The quiescent form is
/// [`derived_state_coherent`]. A violation names the launch that last set the hash and
/// whether it wrote the files (S000-C12: it did not).
pub fn config_hash_truthful(w: &LauncherWorld, _: &Sim) -> Result<(), String> {
    let ghost = w.launcher.ghost.borrow();
    let provider = &w.launcher.provider;
    w.launcher.store.peek(|t| {
        for r in t.records() {
            let (Some(sandbox), id, hash) = (r.real_sandbox(), r.id, r.config_hash) else { continue };
            if hash == CONFIG_UNKNOWN || ghost.config_writers.values().any(|s| *s == sandbox) {
                continue;
            }
            provider.with_sandbox(sandbox, |sb| match sb.filter(|s| s.is_live()) {
                Some(sb) if sb.config_writes == 0 && sb.config_hash() != Some(hash) => Err(format!(
                    "record {id} says config {hash}, no config write is in flight, and sandbox {sandbox} holds .env \
                     {:?}, config.yaml {:?}: {}",
                    sb.env,
                    sb.config_yaml,
                    hash_untrue_because(&ghost, id, sandbox)
                )),
                _ => Ok(()),
            })?;
        }
        Ok(())
    })
}

/// The event that made a record's hash untrue: the later of the last hash publish on
/// the record and the last config write begun on its sandbox.
fn hash_untrue_because(ghost: &GhostState, record: u64, sandbox: u64) -> String {
    let publish = ghost.hash_publishers.get(&record);
    let write = ghost.config_writes.get(&sandbox);
    match (publish, write) {
        (Some(p), w) if w.is_none_or(|w| p.seq > w.seq) => {
            let wrote = if p.wrote_files { "which wrote the files" } else { "which did not write the files" };
            let after = w.map_or(String::new(), |w| {
                format!(", after tab{}'s write of config {} at t={}", w.tab, w.config, w.at)
            });
            format!("tab{}, {wrote}, published config {}{after}", p.tab, p.hash)
        }
        (_, Some(w)) => {
            let outcome = match &w.publish_failed {
                Some(why) => format!("its hash publish failed ({why})"),
                None => {
                    "it never published its hash (the launch ended before it: a crash or a failed step)".to_string()
                }
            };
            let kept = publish.map_or("the initial setup".to_string(), |p| format!("tab{}", p.tab));
            format!(
                "tab{} wrote config {} at t={} and {outcome}, so the record keeps the hash {kept} set",
                w.tab, w.config, w.at
            )
        }
        _ => "the initial setup set it".to_string(),
    }
}

/// I9 and I11: a session starts on config files of one version, its own tab's.
pub fn session_runs_tab_config(w: &LauncherWorld, _: &Sim) -> Result<(), String> {
    w.launcher.provider.with_sessions(|sessions| {
        for s in sessions {
            let Some(tab) = w.tabs.iter().find(|t| t.id == s.tab) else { continue };
            let wanted = (Some(tab.config), Some(tab.config));
            if s.config_seen != wanted {
                return Err(format!(
                    "session {} of tab{} (config {}) started on .env {:?}, config.yaml {:?}",
                    s.id, s.tab, tab.config, s.config_seen.0, s.config_seen.1
                ));
            }
        }
        Ok(())
    })
}

/// I14: a session starts only on a completely, singly uploaded skill directory.
pub fn no_session_on_partial_skill(w: &LauncherWorld, _: &Sim) -> Result<(), String> {
    w.launcher.provider.with_sessions(|sessions| {
        for s in sessions {
            if !(s.skill_dir_at_start.state == UploadState::Complete && s.skill_dir_at_start.is_intact()) {
                return Err(format!(
                    "session {} started on skill {} in state {:?}",
                    s.id, s.skill, s.skill_dir_at_start
                ));
            }
        }
        Ok(())
    })
}

/// I12: a settled page tells the truth: `running` only with a session on a live,
/// recorded sandbox, and otherwise progress or an error with Retry, never a blank page.
pub fn ui_truthful(w: &LauncherWorld, sim: &Sim) -> Result<(), String> {
    for tab in w.tabs.iter().filter(|t| sim.is_up(t.node)) {
        let st = tab.state.borrow();
        if st.launches_in_flight > 0 {
            continue;
        }
        if st.page() == Page::Blank {
            return Err(format!("tab{} renders a blank page: no error, no retry", tab.id));
        }
        if st.phase == Phase::Running {
            let Some((sandbox, _)) = st.session else {
                return Err(format!("tab{} is running without a session", tab.id));
            };
            let live = w.launcher.provider.is_live(sandbox);
            let recorded = w.launcher.store.peek(|t| t.tracking(sandbox).is_some());
            if !(live && recorded) {
                return Err(format!(
                    "tab{} shows running on sandbox {sandbox} (live: {live}, recorded: {recorded})",
                    tab.id
                ));
            }
        }
    }
    Ok(())
}

/// I1 per tab: a tab runs at most one `handleLaunch` activity at a time.
pub fn one_launch_per_tab(w: &LauncherWorld, sim: &Sim) -> Result<(), String> {
    for tab in w.tabs.iter().filter(|t| sim.is_up(t.node)) {
        let n = tab.state.borrow().launches_in_flight;
        if n > 1 {
            return Err(format!("tab{} runs {n} handleLaunch activities at once", tab.id));
        }
    }
    Ok(())
}

/// L1 (bounded): no open tab shows progress for longer than the liveness bound. A
/// tab whose Retry landed just before the deadline is still within it.
pub fn waiting_tabs_progress(w: &LauncherWorld, sim: &Sim) -> Result<(), String> {
    let bound_ms = w.launcher.params.liveness_bound_ms;
    for tab in w.tabs.iter().filter(|t| sim.is_up(t.node)) {
        let st = tab.state.borrow();
        let waited_ms = sim.now().ms_since(st.page_since);
        if st.page() == Page::Progress && waited_ms > bound_ms {
            return Err(format!(
                "tab{} has shown progress since t={} ({} s, bound {} s)",
                tab.id,
                st.page_since,
                waited_ms / 1000,
                bound_ms / 1000
            ));
        }
    }
    Ok(())
}

/// L2: a create lock whose holder died or gave up blocks no launch for longer than
/// the liveness bound after that.
pub fn bounded_reclaim(w: &LauncherWorld, sim: &Sim) -> Result<(), String> {
    let (l, bound_ms) = (&w.launcher, w.launcher.params.liveness_bound_ms);
    let ghost = l.ghost.borrow();
    let ttl = l.version.placeholder_ttl_ms;
    let blocking = l.store.peek(|t| {
        if t.real_record(w.user).is_some() {
            return None;
        }
        let now = sim.node_now(l.store.node);
        t.of_user(w.user).find(|r| r.is_pending() && ttl.is_none_or(|ttl| r.age_ms(now) < ttl)).map(|r| r.id)
    });
    let Some(placeholder) = blocking else { return Ok(()) };
    let Some(owner) = ghost.placeholder_owners.get(&placeholder) else { return Ok(()) };
    let Some(since) = owner.abandoned_at else { return Ok(()) };
    let held_ms = sim.now().ms_since(since);
    if held_ms > bound_ms {
        return Err(format!(
            "placeholder {placeholder} of tab{}, whose create ended at t={since} without a handoff, still blocks every \
             launch {} s later (bound {} s)",
            owner.tab,
            held_ms / 1000,
            bound_ms / 1000
        ));
    }
    Ok(())
}

/// Once faults stop and the user retries on every error, every open tab ends up
/// running a session: a design that never creates a sandbox, or leaves tabs on an
/// error or a spinner, fails here.
pub fn tabs_eventually_run(w: &LauncherWorld, sim: &Sim) -> Result<(), String> {
    for tab in w.tabs.iter().filter(|t| sim.is_up(t.node)) {
        let st = tab.state.borrow();
        if st.page() != Page::Chat {
            return Err(format!(
                "tab{} ends on {:?} (since t={}) although faults stopped at the quiet phase and its user retries",
                tab.id,
                st.page(),
                st.page_since
            ));
        }
    }
    Ok(())
}

/// L3: no launch chain hammers the store without seeing a change.
pub fn no_spin(w: &LauncherWorld, _: &Sim) -> Result<(), String> {
    broken(w, "no-spin")
}

/// L6: a launch never waits on a lock held for another skill's install.
pub fn parallel_progress(w: &LauncherWorld, _: &Sim) -> Result<(), String> {
    broken(w, "parallel-progress")
}
