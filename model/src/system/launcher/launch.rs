//! `handleLaunch(config)`, every version: the instant path, the install path, parking
//! on a create in progress, and the create path with its handoff (SYSTEMS.md S000.B).
//! V0 has its own path through the `installing` mutex; the `proposed` design has its
//! own paths in [`crate::system::launcher::fenced_create`] and
//! [`crate::system::launcher::leased_install`].
//!
//! Each step is one request to the store or the provider, so every interleaving the
//! text discusses is a schedule the tape can choose.

use std::collections::BTreeSet;

use sim::{note, Sim};

use crate::substrate::docstore::StoreError;
use crate::substrate::sandbox_provider::SandboxId;
use crate::system::launcher::fenced_create;
use crate::system::launcher::sandbox_records::{SandboxRecord, SandboxTables};
use crate::system::launcher::server::{self, Claimed, CreateLock, UserSandbox};
use crate::system::launcher::tab::{Phase, SandboxUi, Tab};
use crate::system::launcher::version::{Claim, CreateFailurePage, Handoff, Resume, SkillsUpdate, Version};

/// Whether the resume effect relaunches on this change of `userSandbox`.
pub fn resume_fires(v: &Version, previous: Option<&UserSandbox>, current: Option<&UserSandbox>) -> bool {
    match v.resume {
        Resume::Never => false,
        Resume::OnCreatingToFound => {
            matches!(previous, Some(UserSandbox::Creating)) && matches!(current, Some(UserSandbox::Found(_)))
        }
        Resume::OnAnyNonCreating => current.is_some_and(|c| *c != UserSandbox::Creating),
        Resume::InsideLaunch => false,
    }
}

pub async fn handle_launch(tab: &Tab, sim: &Sim, captured: Option<UserSandbox>, attempt: u32) {
    tab.set(|st| {
        st.phase = Phase::Launching;
        st.sandbox_ui = SandboxUi::Progress;
    });
    if tab.launcher.version.claim == Claim::InstallingMutex {
        return claim_and_launch(tab, sim).await;
    }
    if tab.launcher.version.handoff == Handoff::FencedAtomic {
        return fenced_create::launch(tab, sim, captured).await;
    }
    match captured {
        Some(UserSandbox::Found(record)) => install(tab, sim, std::rc::Rc::unwrap_or_clone(record)).await,
        // `page.tsx:175-179`: stay in `launching`; "the query will auto-update".
        Some(UserSandbox::Creating) => {
            sim.sometimes("tab-waits-on-create");
            sim.sometimes_if(tab.launcher.ghost.borrow().creators.is_empty(), "waits-while-creator-hands-off");
            note!(sim, tab.node, "parks: a create is in progress")
        }
        _ => take_create_lock(tab, sim, captured, attempt).await,
    }
}

/// A mutation on behalf of the tab. Without auth, the client rejects it at once.
pub(crate) async fn mutate<R: 'static>(
    tab: &Tab,
    sim: &Sim,
    label: &'static str,
    f: impl FnOnce(&mut SandboxTables, sim::SimTime) -> R + 'static,
) -> Result<R, StoreError> {
    if !tab.state.borrow().authenticated {
        return Err(StoreError::Failed);
    }
    tab.launcher.store.mutate(sim, tab.node, label, f).await
}

fn fail(tab: &Tab, sim: &Sim, why: &str) {
    note!(sim, tab.node, "shows an error: {why}");
    tab.set(|st| st.sandbox_ui = SandboxUi::Error);
}

async fn start_session(tab: &Tab, sim: &Sim, sandbox: SandboxId) {
    match tab.launcher.provider.start_session(sim, tab.node, sandbox, tab.id, tab.skill).await {
        Ok(session) => {
            note!(sim, tab.node, "runs session {session} on sandbox {sandbox}");
            tab.set(|st| {
                st.session = Some((sandbox, session));
                st.sandbox_ui = SandboxUi::Running;
                st.phase = Phase::Running;
            });
        }
        Err(e) => fail(tab, sim, &format!("session did not start: {e}")),
    }
}

/// The install path (`page.tsx:123-165`), or the instant path when nothing is missing.
async fn install(tab: &Tab, sim: &Sim, record: SandboxRecord) {
    let (l, v) = (&tab.launcher, tab.launcher.version);
    let Some(sandbox) = record.real_sandbox() else { return };
    let same_config = record.config_hash == tab.config;
    let has_skill = record.installed_skills.contains(&tab.skill);
    if has_skill && same_config {
        note!(sim, tab.node, "takes the instant path");
        return start_session(tab, sim, sandbox).await;
    }
    let skip_config_write = v.skip_config_write_when_same && same_config;
    note!(sim, tab.node, "installs skill {} on sandbox {sandbox} (config write: {})", tab.skill, !skip_config_write);
    if !has_skill {
        if let Err(e) = l.provider.upload_skill(sim, tab.node, sandbox, tab.skill).await {
            return fail(tab, sim, &format!("upload failed: {e}"));
        }
    }
    // In flight from the config write until the hash publish below has answered.
    let writing = (!skip_config_write).then(|| l.ghost.writing_config(sandbox));
    if !skip_config_write {
        l.ghost.config_write_started(sandbox, tab.id, tab.config, sim.now());
        if let Err(e) = l.provider.write_config(sim, tab.node, sandbox, tab.config).await {
            return fail(tab, sim, &format!("config write failed: {e}"));
        }
    }
    let (id, skill, hash, ghost) = (record.id, tab.skill, tab.config, l.ghost.clone());
    let (tab_id, wrote) = (tab.id, !skip_config_write);
    let persisted = match v.skills_update {
        SkillsUpdate::ReplaceFromSnapshot => {
            let skills: BTreeSet<u32> = record.installed_skills.iter().copied().chain([skill]).collect();
            mutate(tab, sim, "updatePoolState", move |t, _| {
                let ok = server::update_pool_state(t, id, Some(skills), Some(hash));
                if ok {
                    ghost.borrow_mut().committed_skills.entry(id).or_default().insert(skill);
                    ghost.published_hash(id, tab_id, wrote, hash);
                }
            })
            .await
        }
        SkillsUpdate::AtomicAppend => {
            let appended = mutate(tab, sim, "addInstalledSkill", {
                let ghost = ghost.clone();
                move |t, _| {
                    if server::add_installed_skill(t, id, skill) {
                        ghost.borrow_mut().committed_skills.entry(id).or_default().insert(skill);
                    }
                }
            })
            .await;
            let publish = !v.publish_hash_only_if_written || !skip_config_write;
            match appended {
                Ok(()) if publish => {
                    mutate(tab, sim, "updatePoolState", move |t, _| {
                        if server::update_pool_state(t, id, None, Some(hash)) {
                            ghost.published_hash(id, tab_id, wrote, hash);
                        }
                    })
                    .await
                }
                other => other,
            }
        }
    };
    drop(writing);
    if let Err(e) = persisted {
        l.ghost.publish_failed(sandbox, tab.id, format!("{e}"));
        return fail(tab, sim, &format!("could not record the install: {e}"));
    }
    start_session(tab, sim, sandbox).await;
}

/// `acquireCreateLock` and what the tab does with each answer (`page.tsx:181-199`).
async fn take_create_lock(tab: &Tab, sim: &Sim, captured: Option<UserSandbox>, attempt: u32) {
    let l = &tab.launcher;
    if attempt >= l.params.spin_limit {
        let why = format!("tab{} asked for the create lock {attempt} times without seeing any change", tab.id);
        l.ghost.broke("no-spin", why.clone());
        // The chain would go on forever (L3): the run ends here, as no progress when
        // no-spin is not checked, rather than at the engine's step limit.
        sim::stop_livelocked(format!("livelock at the spin bound: {why}"));
        return;
    }
    let (user, v, nonce, ghost) = (tab.user, l.version, l.ghost.nonce(), l.ghost.clone());
    let (tab_id, life) = (tab.id, sim.incarnation(tab.node));
    let goals = sim.clone();
    let lock = mutate(tab, sim, "acquireCreateLock", move |t, now| {
        let stale = t.pending_record(user).map(|p| p.id);
        let answer = server::acquire_create_lock(t, user, now, nonce, &v);
        goals.sometimes_if(answer == CreateLock::Creating, "tab-waits-on-create");
        let ended = stale.is_some_and(|p| ghost.creator_of(p).is_none());
        goals.sometimes_if(answer == CreateLock::Creating && ended, "waits-while-creator-hands-off");
        if let CreateLock::Acquired { placeholder } = answer {
            if let Some(old) = stale {
                goals.sometimes("lock-taken-over-after-ttl");
                ghost.check_reclaim(old, tab_id, "create lock");
            }
            ghost.acquired_placeholder(placeholder, tab_id, life);
        }
        answer
    })
    .await;
    note!(sim, tab.node, "acquireCreateLock -> {lock:?}");
    match lock {
        Ok(CreateLock::Acquired { placeholder }) => create(tab, sim, placeholder).await,
        Ok(CreateLock::Creating) => {}
        Err(_) | Ok(CreateLock::Exists) if v.retry_by_recursion => tab.spawn_launch(sim, captured, attempt + 1),
        Err(_) | Ok(CreateLock::Exists) => {}
    }
}

/// The create path: `createHermesSandbox`, then the handoff from placeholder to real
/// record in the version's order (`page.tsx:241-282`).
async fn create(tab: &Tab, sim: &Sim, placeholder: u64) {
    let l = &tab.launcher;
    let creating =
        l.ghost.creating(sim, tab.id, crate::system::launcher::ghost::Creator { user: tab.user, placeholder });
    note!(sim, tab.node, "creates a sandbox under placeholder {placeholder}");
    let created = l.provider.create(sim, tab.node, tab.user, tab.config, tab.skill).await;
    drop(creating);
    let sandbox = match created {
        Ok(sandbox) => sandbox,
        Err(e) => return fail(tab, sim, &format!("create failed: {e}")),
    };
    start_session(tab, sim, sandbox).await;
    let (user, skill, hash, ghost, tab_id) = (tab.user, tab.skill, tab.config, l.ghost.clone(), tab.id);
    let insert = move |t: &mut SandboxTables, now| {
        if ghost.borrow().reclaimed.contains(&placeholder) {
            ghost.broke("owner-only-publish", format!("sandbox {sandbox} published under a reclaimed lock"));
        }
        let id = server::create_sandbox_record(t, user, sandbox, skill, hash, now);
        ghost.borrow_mut().committed_skills.entry(id).or_default().insert(skill);
        ghost.published_hash(id, tab_id, true, hash);
    };
    let (by, raises) = (l.params.delete_placeholder_by, l.params.delete_missing_raises);
    let delete = {
        let ghost = l.ghost.clone();
        move |t: &mut SandboxTables, _| -> Result<(), String> {
            match server::delete_placeholder_by(t, user, placeholder, by) {
                Some(deleted) => {
                    if let Some(owner) = ghost.placeholder_owner(deleted).filter(|o| *o != tab_id) {
                        ghost.broke(
                            "owner-only-publish",
                            format!("tab{tab_id} deleted placeholder {deleted}, the create lock of tab{owner}"),
                        );
                    }
                    Ok(())
                }
                None if raises => Err(format!("placeholder {placeholder} no longer exists")),
                None => Ok(()),
            }
        }
    };
    match l.version.handoff {
        Handoff::FencedAtomic => unreachable!("`proposed` creates in fenced_create"),
        Handoff::DeleteThenInsert => {
            let _ = mutate(tab, sim, "deletePlaceholder", delete).await;
            let inserted = mutate(tab, sim, "createSandboxRecord", insert).await;
            sim.sometimes_if(inserted.is_err(), "insert-failed");
        }
        Handoff::InsertThenDelete => {
            let inserted = mutate(tab, sim, "createSandboxRecord", insert).await;
            sim.sometimes_if(inserted.is_err(), "insert-failed");
            let _ = mutate(tab, sim, "deletePlaceholder", delete).await;
        }
        // `try { await createSandboxRecord(…); await deletePlaceholder(…) } catch (e) {
        // await destroySandbox(sb); … }`: a failure of either await lands in the catch.
        Handoff::InsertThenDeleteOrDestroy => {
            let handoff = match mutate(tab, sim, "createSandboxRecord", insert).await {
                Ok(()) => match mutate(tab, sim, "deletePlaceholder", delete).await {
                    Ok(Ok(())) => Ok(()),
                    Ok(Err(raised)) => Err(format!("deletePlaceholder raised: {raised}")),
                    Err(e) => Err(format!("deletePlaceholder failed: {e}")),
                },
                Err(e) => {
                    sim.sometimes("insert-failed");
                    Err(format!("createSandboxRecord failed: {e}"))
                }
            };
            if let Err(why) = handoff {
                note!(sim, tab.node, "handoff failed ({why}): destroys sandbox {sandbox}");
                let _ = l.provider.destroy(sim, tab.node, sandbox).await;
                tab.set(|st| {
                    st.sandbox_ui = SandboxUi::Error;
                    match l.version.create_failure_page {
                        CreateFailurePage::KeepRunning => {}
                        CreateFailurePage::BackToConfig => {
                            st.session = None;
                            st.phase = Phase::Config;
                        }
                        CreateFailurePage::LaunchingWithError => {
                            st.session = None;
                            st.phase = Phase::Launching;
                        }
                    }
                });
            }
        }
    }
}

/// V0: `claimSandbox`, then install under the `installing` mutex, wait while another
/// tab holds it, or cold-create with no lock and `create`'s dedup.
async fn claim_and_launch(tab: &Tab, sim: &Sim) {
    let l = &tab.launcher;
    loop {
        let user = tab.user;
        let claimed = match mutate(tab, sim, "claimSandbox", move |t, _| server::claim_sandbox(t, user)).await {
            Ok(c) => c,
            Err(e) => return fail(tab, sim, &format!("claimSandbox failed: {e}")),
        };
        match claimed {
            Claimed::Busy => {
                let other = l.ghost.borrow().installing.iter().map(|(t, s)| (*t, *s)).find(|(_, s)| *s != tab.skill);
                if let Some((holder, skill)) = other {
                    l.ghost.broke(
                        "parallel-progress",
                        format!("tab{} (skill {}) waits for tab{holder}'s install of skill {skill}", tab.id, tab.skill),
                    );
                }
                note!(sim, tab.node, "waits: the sandbox is installing");
                sim.sleep_ms(l.params.v0_busy_poll_ms).await;
            }
            Claimed::Record(record) => return install_under_mutex(tab, sim, record).await,
            Claimed::None => return create_without_lock(tab, sim).await,
        }
    }
}

async fn install_under_mutex(tab: &Tab, sim: &Sim, record: SandboxRecord) {
    let l = &tab.launcher;
    let _holding = l.ghost.installing(tab.id, tab.skill);
    let Some(sandbox) = record.real_sandbox() else { return };
    note!(sim, tab.node, "holds the installing mutex; installs skill {}", tab.skill);
    if !record.installed_skills.contains(&tab.skill) {
        if let Err(e) = l.provider.upload_skill(sim, tab.node, sandbox, tab.skill).await {
            return fail(tab, sim, &format!("upload failed: {e}"));
        }
    }
    let writing = l.ghost.writing_config(sandbox);
    l.ghost.config_write_started(sandbox, tab.id, tab.config, sim.now());
    if let Err(e) = l.provider.write_config(sim, tab.node, sandbox, tab.config).await {
        return fail(tab, sim, &format!("config write failed: {e}"));
    }
    let (id, skill, hash, ghost, tab_id) = (record.id, tab.skill, tab.config, l.ghost.clone(), tab.id);
    let released = mutate(tab, sim, "updatePoolState", move |t, _| {
        if let Some(mut r) = t.get_mut(id) {
            r.set_pool_state(crate::system::launcher::sandbox_records::PoolState::Active);
            r.insert_skill(skill);
            r.set_config_hash(hash);
            ghost.borrow_mut().committed_skills.entry(id).or_default().insert(skill);
            ghost.published_hash(id, tab_id, true, hash);
        }
    })
    .await;
    drop(writing);
    if let Err(e) = released {
        l.ghost.publish_failed(sandbox, tab.id, format!("{e}"));
        return fail(tab, sim, &format!("could not release the sandbox: {e}"));
    }
    start_session(tab, sim, sandbox).await;
}

async fn create_without_lock(tab: &Tab, sim: &Sim) {
    let l = &tab.launcher;
    note!(sim, tab.node, "creates a sandbox (no create lock in V0)");
    let creating =
        l.ghost.creating(sim, tab.id, crate::system::launcher::ghost::Creator { user: tab.user, placeholder: 0 });
    let created = l.provider.create(sim, tab.node, tab.user, tab.config, tab.skill).await;
    drop(creating);
    let sandbox = match created {
        Ok(s) => s,
        Err(e) => return fail(tab, sim, &format!("create failed: {e}")),
    };
    let (user, skill, hash, ghost, tab_id) = (tab.user, tab.skill, tab.config, l.ghost.clone(), tab.id);
    let _ = mutate(tab, sim, "create", move |t, now| {
        let id = server::create_with_dedup(t, user, sandbox, skill, hash, now);
        ghost.borrow_mut().committed_skills.entry(id).or_default().insert(skill);
        ghost.published_hash(id, tab_id, true, hash);
    })
    .await;
    start_session(tab, sim, sandbox).await;
}
