//! A tab of `launcher/create-lock` under `proposed`: the launcher's fenced create lease
//! at this abstraction (spec section 6). The lease is the placeholder, honoured for the
//! TTL; a waiter wakes when its query changes or when the lease it waits on expires;
//! the new holder destroys the user's untracked sandboxes before it creates; one
//! mutation replaces the placeholder by the record, only while the placeholder is the
//! holder's own, and a failed publish is retried.
//!
//! The server side is the launcher's own ([`crate::system::launcher::lease`]).

use sim::{note, SimTime};

use crate::substrate::sandbox_provider::SandboxId;
use crate::system::create_lock::ghost::TabStep;
use crate::system::create_lock::tab::Tab;
use crate::system::create_lock::world::{TICK_MS, USER};
use crate::system::launcher::lease::{self, CreateLease, Created, Publish};
use crate::system::launcher::server::UserSandbox;

/// A guard against a model error: each ask follows a change or an expiry.
const LEASE_ASKS_MAX: u32 = 64;

/// The tab of `proposed`, from its opening tick on.
pub async fn run(tab: Tab) {
    let (sub, mut view) = tab.open().await;
    for _ in 0..LEASE_ASKS_MAX {
        if let UserSandbox::Found(record) = &view {
            if let Some(sandbox) = record.real_sandbox() {
                tab.runs_on(sandbox);
            }
            return;
        }
        tab.set(TabStep::Acquiring);
        if tab.crashes() {
            return;
        }
        let Ok(answer) = acquire(&tab).await else { return tab.set(TabStep::Error) };
        note!(tab.sim, tab.node, "acquireCreateLease -> {answer:?}");
        match answer {
            CreateLease::Exists(record) => view = UserSandbox::Found(std::rc::Rc::new(record)),
            CreateLease::Acquired { placeholder } => return create(&tab, placeholder).await,
            CreateLease::Held { until } => {
                tab.set(TabStep::Waiting);
                if tab.crashes() {
                    return;
                }
                view = wait_out(&tab, &sub, until).await;
            }
        }
    }
    tab.set(TabStep::Error);
}

/// The holder's id in the lease: one per tab (a crashed tab never returns).
fn holder(tab: &Tab) -> u64 {
    u64::from(tab.id) + 1
}

async fn acquire(tab: &Tab) -> Result<CreateLease, crate::substrate::docstore::StoreError> {
    let (w, id, holder) = (tab.w.clone(), tab.id, holder(tab));
    let ttl_ms = w.params.ttl_ms;
    tab.mutate("acquireCreateLease", move |t, now| {
        let (answer, reclaimed) = lease::acquire_create_lease(t, USER, holder, now, ttl_ms);
        for old in reclaimed {
            w.ghost.reclaimed(id, old);
        }
        if let CreateLease::Acquired { placeholder } = answer {
            w.ghost.acquired(id, placeholder);
        }
        answer
    })
    .await
}

/// Waits until the query shows a sandbox, changes to `null`, or the lease expires at
/// `until`; returns the view to launch from (`null` means: ask for the lease again).
async fn wait_out(
    tab: &Tab,
    sub: &crate::substrate::docstore::Subscription<UserSandbox>,
    until: SimTime,
) -> UserSandbox {
    let mut seen = sub.current();
    loop {
        let now = tab.sim.now();
        if now >= until {
            return UserSandbox::Null;
        }
        let changed = sub.changed();
        let current = sub.current();
        match current {
            Some(UserSandbox::Found(_)) => return current.unwrap_or(UserSandbox::Null),
            Some(UserSandbox::Null) if current != seen => return UserSandbox::Null,
            _ => seen = current,
        }
        tab.remember((&seen, until));
        let _ = tab.sim.timeout_ms(until.as_ms() - now.as_ms(), changed).await;
        tab.remember(());
    }
}

/// The create under the lease: reap, create, publish (fenced, retried).
async fn create(tab: &Tab, placeholder: u64) {
    let w = tab.w.clone();
    tab.set(TabStep::CreatePending);
    if tab.crashes() {
        return;
    }
    // The longest create and its publish tick must fit in the lease.
    if w.params.ttl_ms < w.params.create_max_ms + TICK_MS {
        let holder = holder(tab);
        let _ = tab.mutate("releaseCreateLease", move |t, _| lease::release_create_lease(t, placeholder, holder)).await;
        note!(tab.sim, tab.node, "no time to create under the lease: error with Retry");
        return tab.set(TabStep::Error);
    }
    if let Ok(orphans) = w.provider.list(&tab.sim, tab.node, USER).await {
        for sandbox in orphans {
            note!(tab.sim, tab.node, "destroys untracked sandbox {sandbox}");
            let _ = w.provider.destroy(&tab.sim, tab.node, sandbox).await;
        }
    }
    let Some(sandbox) = tab.create_sandbox().await else { return };
    tab.set(TabStep::Publishing);
    publish(tab, placeholder, sandbox).await;
}

async fn publish(tab: &Tab, placeholder: u64, sandbox: SandboxId) {
    let c = Created { user: USER, sandbox, skill: 0, config_hash: 0 };
    let holder = holder(tab);
    for _ in 0..LEASE_ASKS_MAX {
        if tab.crashes() {
            return;
        }
        let fails = tab.insert_fails();
        let answer = tab
            .mutate("publishSandbox", move |t, now| {
                (!fails).then(|| lease::publish_created(t, placeholder, holder, c, now, true))
            })
            .await;
        match answer {
            Ok(Some(Publish::Published { .. })) => return tab.runs_on(sandbox),
            Ok(Some(Publish::Fenced)) => {
                note!(tab.sim, tab.node, "fenced: destroys its unrecorded sandbox {sandbox}");
                let _ = tab.w.provider.destroy(&tab.sim, tab.node, sandbox).await;
                return tab.set(TabStep::Error);
            }
            Ok(None) | Err(_) => note!(tab.sim, tab.node, "publish failed: retries"),
        }
    }
    tab.set(TabStep::Error);
}
