//! The `proposed` install and instant paths (protocol step 5 of
//! [`crate::system::launcher::version::PROPOSED`]): take an install lease on the record, do
//! only the writes the current record calls for, publish them under the lease, start
//! the session while the lease still holds the config files and the skill directory,
//! release.
//!
//! A [`Keeper`] renews the lease meanwhile. Every provider job is sent only if it
//! lands and ends before the lease does, counting the longest message delay, and a
//! holder keeps its lease until every job it never heard back from has surely ended:
//! so a holder that dies or gives up leaves no writer behind once its lease is gone.

use sim::{note, Sim};

use crate::substrate::sandbox_provider::SandboxId;
use crate::system::launcher::fenced_create::fail;
use crate::system::launcher::lease::{self, InstallGrant, InstallLeaseAnswer};
use crate::system::launcher::lease_keeper::Keeper;
use crate::system::launcher::retry::{fits, mutate_in_order, request, wait_for_news, Pacing};
use crate::system::launcher::sandbox_records::{SandboxRecord, SandboxTables};
use crate::system::launcher::tab::{Phase, SandboxUi, Tab};

/// How many times one launch asks for an install lease: each ask follows a change of
/// the record or an expiry, so the bound only guards against a model error.
const LEASE_ASKS_MAX: u32 = 1_000;

/// Installs the tab's skill and config on `record`'s sandbox (or takes the instant
/// path) and starts its session.
pub async fn install(tab: &Tab, sim: &Sim, pacing: &mut Pacing, record: SandboxRecord) {
    let l = &tab.launcher;
    let Some(sandbox) = record.real_sandbox() else { return fail(tab, sim, "the record has no sandbox") };
    let (id, holder, ttl_ms) = (record.id, tab.holder(sim), l.params.leases.install_lease_ms);
    for _ in 0..LEASE_ASKS_MAX {
        let seen = tab.user_sandbox();
        let (want, ghost) = ((tab.skill, tab.config), l.ghost.clone());
        let asked = request(tab, sim, pacing, "acquireInstallLease", None, move |t, now| {
            let (answer, expired) = lease::acquire_install_lease(t, id, holder, want, now, ttl_ms);
            for old in expired {
                let still_inside = ghost.borrow().installers.get(&old).copied();
                if let Some(tab) = still_inside {
                    ghost.broke(
                        "no-premature-reclaim",
                        format!("the install lease of tab{tab}, still in its critical section, was dropped"),
                    );
                }
            }
            answer
        })
        .await;
        let (answer, sent) = match asked {
            Ok(answered) => answered,
            Err(e) => return fail(tab, sim, &format!("could not ask for an install lease: {e}")),
        };
        match answer {
            InstallLeaseAnswer::Gone => return fail(tab, sim, "the sandbox record is gone"),
            InstallLeaseAnswer::Busy { until } => {
                note!(sim, tab.node, "waits for the sandbox's install leases (until {until} at the latest)");
                wait_for_news(tab, sim, &seen, until).await;
                pacing.news();
            }
            InstallLeaseAnswer::Granted(grant) => {
                pacing.news();
                let keeper = Keeper::start(tab, sim, sent, ttl_ms, "renewInstallLease", move |t, now| {
                    lease::renew_install_lease(t, id, holder, now, ttl_ms)
                });
                let lease = Held { record: id, sandbox, keeper };
                return run_under_lease(tab, sim, pacing, lease, grant).await;
            }
        }
    }
    fail(tab, sim, "asked for an install lease too often")
}

/// An install lease the tab holds.
struct Held {
    record: u64,
    sandbox: SandboxId,
    keeper: Keeper,
}

async fn run_under_lease(tab: &Tab, sim: &Sim, pacing: &mut Pacing, lease: Held, grant: InstallGrant) {
    let holder = tab.holder(sim);
    let inside = tab.launcher.ghost.installing_under_lease(holder, tab.id);
    let outcome = critical_section(tab, sim, pacing, &lease, grant).await;
    let record = lease.record;
    // One try, once nothing the holder sent can still land: a release that fails, or
    // is not sent, leaves the lease to expire.
    if lease.keeper.settle(tab, sim).await {
        let release = move |t: &mut SandboxTables, _| lease::release_install_lease(t, record, holder);
        let _ = mutate_in_order(tab, sim, "releaseInstallLease", release).await;
    }
    drop(inside);
    drop(lease.keeper);
    match outcome {
        Ok(session) => {
            note!(sim, tab.node, "runs session {session} on sandbox {}", lease.sandbox);
            tab.set(|st| {
                st.session = Some((lease.sandbox, session));
                st.sandbox_ui = SandboxUi::Running;
                st.phase = Phase::Running;
            });
        }
        Err(why) => fail(tab, sim, &why),
    }
}

/// Upload, config write, publish, session start: each only if it ends before the
/// lease does. Returns the session.
async fn critical_section(
    tab: &Tab,
    sim: &Sim,
    pacing: &mut Pacing,
    lease: &Held,
    grant: InstallGrant,
) -> Result<u64, String> {
    let l = &tab.launcher;
    let holder = tab.holder(sim);
    let writing = grant.write_config.then(|| l.ghost.writing_config(lease.sandbox));
    let job_ms = l.provider.params.install_timeout_ms;
    // A job lands within the longest message delay and ends within its timeout.
    let (delay_ms, keeper) = (l.params.leases.max_message_delay_ms, &lease.keeper);
    if !grant.upload_skill && !grant.write_config {
        note!(sim, tab.node, "takes the instant path");
    } else {
        note!(sim, tab.node, "installs under a lease (upload skill {}: {grant:?})", tab.skill);
    }
    if grant.upload_skill {
        if !fits(tab, sim, delay_ms + job_ms, Some(keeper.deadline())) {
            return Err("no time left to upload under the lease".into());
        }
        pacing.request(tab);
        let sent = sim.node_now(tab.node);
        l.provider.upload_skill(sim, tab.node, lease.sandbox, tab.skill).await.map_err(|e| {
            keeper.unanswered(tab, sent, job_ms);
            format!("upload failed: {e}")
        })?;
    }
    if grant.write_config {
        if !fits(tab, sim, delay_ms + job_ms, Some(keeper.deadline())) {
            return Err("no time left to write the config under the lease".into());
        }
        pacing.request(tab);
        l.ghost.config_write_started(lease.sandbox, tab.id, tab.config, sim.now());
        let sent = sim.node_now(tab.node);
        l.provider.write_config(sim, tab.node, lease.sandbox, tab.config).await.map_err(|e| {
            keeper.unanswered(tab, sent, job_ms);
            format!("config write failed: {e}")
        })?;
    }
    if grant.upload_skill || grant.write_config {
        let skill = grant.upload_skill.then_some(tab.skill);
        let hash = grant.write_config.then_some(tab.config);
        let (record, ghost, tab_id) = (lease.record, l.ghost.clone(), tab.id);
        let published = request(tab, sim, pacing, "publishInstall", Some(keeper.deadline()), move |t, _| {
            let ok = lease::publish_install(t, record, holder, skill, hash);
            if let (true, Some(skill)) = (ok, skill) {
                ghost.borrow_mut().committed_skills.entry(record).or_default().insert(skill);
            }
            if let (true, Some(hash)) = (ok, hash) {
                ghost.published_hash(record, tab_id, true, hash);
            }
            ok
        })
        .await;
        match published {
            Ok((true, _)) => {}
            Ok((false, _)) => return Err("the install lease was taken over".into()),
            Err(e) => return Err(format!("could not record the install: {e}")),
        }
    }
    drop(writing);
    if !fits(tab, sim, delay_ms, Some(keeper.deadline())) {
        return Err("no time left to start the session under the lease".into());
    }
    pacing.request(tab);
    let sent = sim.node_now(tab.node);
    let session = l.provider.start_session(sim, tab.node, lease.sandbox, tab.id, tab.skill).await;
    session.map_err(|e| {
        keeper.unanswered(tab, sent, 0);
        format!("session did not start: {e}")
    })
}
