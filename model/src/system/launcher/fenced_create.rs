//! The `proposed` launch up to the install path: find the user's sandbox or take the
//! create lease, and the create path under it: clear orphans, create, start the
//! session, publish with the fenced atomic handoff (protocol steps 2–4 of
//! [`crate::system::launcher::version::PROPOSED`]).
//!
//! The launch keeps the tab's one launch activity alive while it waits, so nothing
//! else starts one; it ends running, or with an error and Retry.

use sim::{note, Sim, SimTime};

use crate::substrate::sandbox_provider::{ProviderError, SandboxId};
use crate::system::launcher::ghost::Creator;
use crate::system::launcher::lease::{self, CreateLease, Created, Publish};
use crate::system::launcher::lease_keeper::Keeper;
use crate::system::launcher::leased_install;
use crate::system::launcher::retry::{fits, request, wait_for_news, Pacing};
use crate::system::launcher::server::UserSandbox;
use crate::system::launcher::tab::{Phase, SandboxUi, Tab};
use crate::system::launcher::world::Mutant;

/// How many times one launch asks for the create lease: each ask follows a change
/// the launch observed, so the bound is only a guard against a model error.
const LEASE_ASKS_MAX: u32 = 1_000;

pub fn fail(tab: &Tab, sim: &Sim, why: &str) {
    note!(sim, tab.node, "shows an error with Retry: {why}");
    tab.set(|st| {
        st.session = None;
        st.phase = Phase::Launching;
        st.sandbox_ui = SandboxUi::Error;
    });
}

/// `handleLaunch` of `proposed`, from the `userSandbox` value it was started with.
pub async fn launch(tab: &Tab, sim: &Sim, captured: Option<UserSandbox>) {
    let (l, holder) = (&tab.launcher, tab.holder(sim));
    assert_eq!(tab.state.borrow().launches_in_flight, 1, "a `proposed` tab runs one launch at a time");
    let ttl_ms = l.version.placeholder_ttl_ms.unwrap_or(crate::system::launcher::version::CREATE_LEASE_MS);
    let mut pacing = Pacing::default();
    let mut view = captured;
    for _ in 0..LEASE_ASKS_MAX {
        if let Some(UserSandbox::Found(record)) = view {
            return leased_install::install(tab, sim, &mut pacing, std::rc::Rc::unwrap_or_clone(record)).await;
        }
        let seen = tab.user_sandbox();
        let (user, ghost) = (tab.user, l.ghost.clone());
        let (tab_id, life) = (tab.id, sim.incarnation(tab.node));
        let asked = request(tab, sim, &mut pacing, "acquireCreateLease", None, move |t, now| {
            let (answer, reclaimed) = lease::acquire_create_lease(t, user, holder, now, ttl_ms);
            for old in reclaimed {
                ghost.check_reclaim(old, tab_id, "create lease");
            }
            if let CreateLease::Acquired { placeholder } = answer {
                ghost.acquired_placeholder(placeholder, tab_id, life);
            }
            answer
        })
        .await;
        let (answer, sent) = match asked {
            Ok(answered) => answered,
            Err(e) => return fail(tab, sim, &format!("could not ask for the create lease: {e}")),
        };
        note!(sim, tab.node, "acquireCreateLease -> {}", Described(&answer));
        match answer {
            CreateLease::Exists(record) => {
                pacing.news();
                view = Some(UserSandbox::Found(std::rc::Rc::new(record)));
            }
            CreateLease::Acquired { placeholder } => {
                return create(tab, sim, &mut pacing, placeholder, sent).await;
            }
            CreateLease::Held { until } => {
                view = wait_out(tab, sim, seen, until).await;
                pacing.news();
            }
        }
    }
    fail(tab, sim, "asked for the create lease too often")
}

/// How an answer to `acquireCreateLease` reads in a timeline.
struct Described<'a>(&'a CreateLease);

impl std::fmt::Display for Described<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            CreateLease::Exists(r) => write!(f, "exists (record {})", r.id),
            CreateLease::Held { until } => write!(f, "held until {until}"),
            CreateLease::Acquired { placeholder } => write!(f, "acquired (placeholder {placeholder})"),
        }
    }
}

/// Parks until another holder's lease ends: the query shows the sandbox, shows no
/// create in progress any more, or the lease expires at `until`.
async fn wait_out(tab: &Tab, sim: &Sim, mut seen: Option<UserSandbox>, until: SimTime) -> Option<UserSandbox> {
    note!(sim, tab.node, "waits: a create is in progress until {until} at the latest");
    loop {
        wait_for_news(tab, sim, &seen, until).await;
        let current = tab.user_sandbox();
        if sim.node_now(tab.node) >= until {
            return Some(UserSandbox::Null);
        }
        match current {
            Some(UserSandbox::Creating) => seen = current,
            Some(UserSandbox::Found(_)) => return current,
            _ if current != seen => return Some(UserSandbox::Null),
            _ => {}
        }
    }
}

/// The create path, holding `placeholder` from a grant whose request was sent at
/// `sent`: a [`Keeper`] renews it meanwhile. The create is sent only if its request
/// lands before the holder's deadline (the longest message delay, less the margin),
/// so when anyone else can hold the lease and list the user's sandboxes, the sandbox
/// is there to be listed.
async fn create(tab: &Tab, sim: &Sim, pacing: &mut Pacing, placeholder: u64, sent: SimTime) {
    let l = &tab.launcher;
    let lp = l.params.leases;
    let holder = tab.holder(sim);
    let ttl_ms = l.version.placeholder_ttl_ms.unwrap_or(crate::system::launcher::version::CREATE_LEASE_MS);
    let keeper = Keeper::start(tab, sim, sent, ttl_ms, "renewCreateLease", move |t, now| {
        lease::renew_create_lease(t, placeholder, holder, now)
    });
    let creating = l.ghost.creating(sim, tab.id, Creator { user: tab.user, placeholder });
    if l.version.reap_before_create && !reap(tab, sim, pacing, &keeper).await {
        drop(creating);
        return give_up(tab, sim, pacing, placeholder, &keeper, "an earlier sandbox is still alive").await;
    }
    if !fits(tab, sim, lp.max_message_delay_ms, Some(keeper.deadline())) {
        drop(creating);
        return give_up(tab, sim, pacing, placeholder, &keeper, "no time left to create under the lease").await;
    }
    note!(sim, tab.node, "creates a sandbox under placeholder {placeholder}");
    pacing.request(tab);
    let created = keeper.within(tab, sim, l.provider.create(sim, tab.node, tab.user, tab.config, tab.skill)).await;
    let sandbox = match created {
        Some(Ok(sandbox)) => sandbox,
        Some(Err(e)) => {
            drop(creating);
            return give_up(tab, sim, pacing, placeholder, &keeper, &format!("create failed: {e}")).await;
        }
        None => {
            drop(creating);
            return give_up(tab, sim, pacing, placeholder, &keeper, "the lease ended before the create answered").await;
        }
    };
    // Nobody else knows the sandbox before it is published: the session reads the
    // files the create wrote. A session start that went unanswered may still land:
    // the holder keeps the lease (so the sandbox stays unknown to installers) until
    // it surely has.
    let mut session = Err(ProviderError::Gone);
    if fits(tab, sim, lp.max_message_delay_ms, Some(keeper.deadline())) {
        let session_sent = sim.node_now(tab.node);
        session = l.provider.start_session(sim, tab.node, sandbox, tab.id, tab.skill).await;
        if session.is_err() {
            keeper.unanswered(tab, session_sent, 0);
        }
    }
    if !keeper.settle(tab, sim).await {
        drop(creating);
        return fail(tab, sim, "the lease ended while a session start was in flight");
    }
    let c = Created { user: tab.user, sandbox, skill: tab.skill, config_hash: tab.config };
    let (ghost, tab_id, fenced) = (l.ghost.clone(), tab.id, lp.mutant != Some(Mutant::NoFencing));
    let published = request(tab, sim, pacing, "publishSandbox", Some(keeper.deadline()), move |t, now| {
        let answer = lease::publish_created(t, placeholder, holder, c, now, fenced);
        if let Publish::Published { record, inserted: true } = answer {
            if ghost.borrow().reclaimed.contains(&placeholder) {
                ghost.broke("owner-only-publish", format!("sandbox {sandbox} published under a reclaimed lease"));
            }
            ghost.borrow_mut().committed_skills.entry(record).or_default().insert(c.skill);
            ghost.published_hash(record, tab_id, true, c.config_hash);
        }
        answer
    })
    .await;
    drop(creating);
    drop(keeper);
    match published {
        Ok((Publish::Published { record, .. }, _)) => match session {
            Ok(session) => {
                pacing.news();
                note!(sim, tab.node, "published record {record}; runs session {session} on sandbox {sandbox}");
                tab.set(|st| {
                    st.session = Some((sandbox, session));
                    st.sandbox_ui = SandboxUi::Running;
                    st.phase = Phase::Running;
                });
            }
            Err(e) => fail(tab, sim, &format!("published record {record}, but the session did not start: {e}")),
        },
        Ok((Publish::Fenced, _)) => {
            note!(sim, tab.node, "fenced: destroys its unrecorded sandbox {sandbox}");
            let _ = l.provider.destroy(sim, tab.node, sandbox).await;
            fail(tab, sim, "the create lease was taken over")
        }
        // Recorded or not, the sandbox is safe to leave: a record tracks it, or the
        // next holder of the lease destroys it.
        Err(e) => fail(tab, sim, &format!("could not record sandbox {sandbox}: {e}")),
    }
}

/// Lists the user's sandboxes and destroys them until a list comes back empty. No
/// record exists while the lease is held, so every listed sandbox is an orphan.
async fn reap(tab: &Tab, sim: &Sim, pacing: &mut Pacing, keeper: &Keeper) -> bool {
    let l = &tab.launcher;
    let rpc_ms = sim.net_config().timeout_ms;
    let by = SimTime(keeper.deadline().as_ms().saturating_sub(l.params.leases.reap_budget_ms));
    for _ in 0..l.params.leases.reap_rounds {
        if !fits(tab, sim, rpc_ms, Some(by)) {
            return false;
        }
        pacing.request(tab);
        let listed: Vec<SandboxId> = match l.provider.list(sim, tab.node, tab.user).await {
            Ok(listed) if listed.is_empty() => return true,
            Ok(listed) => listed,
            Err(_) => continue,
        };
        note!(sim, tab.node, "destroys orphaned sandboxes {listed:?}");
        for sandbox in listed {
            if !fits(tab, sim, rpc_ms, Some(by)) {
                return false;
            }
            pacing.request(tab);
            let _ = l.provider.destroy(sim, tab.node, sandbox).await;
        }
    }
    false
}

/// Ends a create that will not publish: once every unanswered provider request has
/// surely landed, releases the lease (best effort; it expires anyway) and shows Retry.
async fn give_up(tab: &Tab, sim: &Sim, pacing: &mut Pacing, placeholder: u64, keeper: &Keeper, why: &str) {
    let holder = tab.holder(sim);
    let settled = keeper.settle(tab, sim).await;
    let deadline = Some(keeper.deadline());
    let released = if settled {
        request(tab, sim, pacing, "releaseCreateLease", deadline, move |t, _| {
            lease::release_create_lease(t, placeholder, holder)
        })
        .await
        .is_ok()
    } else {
        false
    };
    if !released {
        note!(sim, tab.node, "could not release the create lease; it expires");
    }
    fail(tab, sim, why);
}
