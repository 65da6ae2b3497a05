//! A tab of `launcher/create-lock` under the text's V4 and V5: open, subscribe to
//! `getSandbox`, and launch: run on a found sandbox, park on a create in progress
//! (relaunching when the query changes to `null` or `found`, the V4 resume effect), or
//! take the create lock, create, and hand off from placeholder to record in the
//! variant's order (spec sections 5 and 7).
//!
//! Crash points are the steps of the spec: a tab may crash when it starts waiting,
//! before each request, or while its create runs (the create then finishes on the
//! provider, untracked). A crash is decided by the tab and carried out by the engine
//! a millisecond later, so the request just sent has arrived.

use std::rc::Rc;

use sim::{note, NodeId, Sim};

use crate::substrate::docstore::{StoreError, Subscription};
use crate::substrate::sandbox_provider::SandboxId;
use crate::system::create_lock::ghost::TabStep;
use crate::system::create_lock::world::{CreateLock, Variant, INSERT_FAIL, TAB_CRASH, USER};
use crate::system::launcher::sandbox_records::SandboxTables;
use crate::system::launcher::server::{self, CreateLock as LockAnswer, UserSandbox};

/// One tab: its id (from 0), its node, and the world it shares.
pub struct Tab {
    pub w: Rc<CreateLock>,
    pub sim: Sim,
    pub id: u32,
    pub node: NodeId,
}

impl Tab {
    pub fn set(&self, step: TabStep) {
        self.w.ghost.set(self.id, step);
    }

    /// Whether the tab crashes here. If so it is marked crashed at once and its node
    /// goes down a millisecond later; the caller stops acting.
    pub fn crashes(&self) -> bool {
        if !self.w.ghost.fault_left() || !self.sim.fault_on(&TAB_CRASH, || format!("tab{}", self.id + 1)) {
            return false;
        }
        self.w.ghost.use_fault();
        self.set(TabStep::Crashed);
        let (s, node) = (self.sim.clone(), self.node);
        self.sim.spawn(NodeId::SYSTEM, "crash", async move {
            s.sleep_ms(1).await;
            s.crash(node);
        });
        true
    }

    /// Whether this insert is the run's one failed insert.
    pub fn insert_fails(&self) -> bool {
        let fails = self.w.ghost.fault_left() && self.sim.fault_on(&INSERT_FAIL, || format!("tab{}", self.id + 1));
        if fails {
            self.w.ghost.use_fault();
        }
        self.sim.sometimes_if(fails, "insert-failed");
        fails
    }

    pub async fn mutate<R: 'static>(
        &self,
        label: &'static str,
        f: impl FnOnce(&mut SandboxTables, sim::SimTime) -> R + 'static,
    ) -> Result<R, StoreError> {
        self.w.store.mutate(&self.sim, self.node, label, f).await
    }

    /// Subscribes to `getSandbox` and returns the subscription with its first value.
    pub async fn open(&self) -> (Subscription<UserSandbox>, UserSandbox) {
        let version = self.w.version;
        let sub = self
            .w
            .store
            .subscribe(&self.sim, self.node, "getSandbox", move |t, now| server::get_sandbox(t, USER, now, &version));
        self.w.subscriptions.borrow_mut()[self.id as usize] = Some(sub.clone());
        loop {
            let changed = sub.changed();
            if let Some(first) = sub.current() {
                return (sub, first);
            }
            changed.await;
        }
    }

    /// Sends the provider create; the tab may crash while it runs.
    pub async fn create_sandbox(&self) -> Option<SandboxId> {
        let crashing = self.crashes();
        if !crashing {
            self.set(TabStep::Creating);
        }
        match self.w.provider.create(&self.sim, self.node, USER, 0, 0).await {
            Ok(sandbox) if !crashing => Some(sandbox),
            Ok(_) => None,
            Err(e) => {
                note!(self.sim, self.node, "create failed: {e}");
                self.set(TabStep::Error);
                None
            }
        }
    }

    /// Records what the task holds while it waits, for the state hash.
    pub fn remember(&self, local: impl std::fmt::Debug) {
        self.w.ghost.set_local(self.id, format!("{local:?}"));
    }

    pub fn runs_on(&self, sandbox: SandboxId) {
        note!(self.sim, self.node, "runs a session on sandbox {sandbox}");
        self.set(TabStep::Running(sandbox));
    }
}

/// Waits until the query changes from `view` to `null` or `found` (the resume effect
/// of V4+), returning that value; a change to `creating` only updates the view. A push
/// that arrived while a request was in flight is handled first.
async fn resume(tab: &Tab, sub: &Subscription<UserSandbox>, mut view: UserSandbox) -> UserSandbox {
    loop {
        let changed = sub.changed();
        if let Some(current) = sub.current().filter(|c| *c != view) {
            if current != UserSandbox::Creating {
                tab.remember(());
                return current;
            }
            view = current;
        }
        tab.remember(&view);
        changed.await;
    }
}

/// The tab of v4 and v5, from its opening tick on.
pub async fn run(tab: Tab) {
    let (sim, node) = (tab.sim.clone(), tab.node);
    let (sub, mut view) = tab.open().await;
    // Each turn relaunches on a changed view; a tab acquires at most once.
    loop {
        match view {
            UserSandbox::Found(record) => {
                if let Some(sandbox) = record.real_sandbox() {
                    tab.runs_on(sandbox);
                }
                return;
            }
            UserSandbox::Creating => {
                tab.sim.sometimes("tab-waits-on-create");
                tab.set(TabStep::Waiting);
                if tab.crashes() {
                    return;
                }
                view = resume(&tab, &sub, view).await;
            }
            UserSandbox::Null => {
                tab.set(TabStep::Acquiring);
                if tab.crashes() {
                    return;
                }
                let answer = match acquire(&tab).await {
                    Ok(answer) => answer,
                    Err(_) => return tab.set(TabStep::Error),
                };
                note!(sim, node, "acquireCreateLock -> {answer:?}");
                if let LockAnswer::Acquired { placeholder } = answer {
                    return create(&tab, placeholder).await;
                }
                tab.set(TabStep::Waiting);
                if tab.crashes() {
                    return;
                }
                view = resume(&tab, &sub, view).await;
            }
        }
    }
}

/// `acquireCreateLock`, judging a reclaim and a grant at the instant of the commit.
async fn acquire(tab: &Tab) -> Result<LockAnswer, StoreError> {
    let (shared, id) = (tab.w.clone(), tab.id);
    let version = shared.version;
    let sim = tab.sim.clone();
    tab.mutate("acquireCreateLock", move |t, now| {
        let stale = t.pending_record(USER).map(|p| p.id);
        let answer = server::acquire_create_lock(t, USER, now, u64::from(id) + 1, &version);
        if let LockAnswer::Acquired { placeholder } = answer {
            if let Some(old) = stale {
                sim.sometimes("lock-taken-over-after-ttl");
                shared.ghost.reclaimed(id, old);
            }
            shared.ghost.acquired(id, placeholder);
        }
        answer
    })
    .await
}

/// The create path and the handoff in the variant's order.
async fn create(tab: &Tab, placeholder: u64) {
    tab.set(TabStep::CreatePending);
    if tab.crashes() {
        return;
    }
    let Some(sandbox) = tab.create_sandbox().await else { return };
    let order: [Handoff; 2] = match tab.w.variant {
        Variant::V4 => [Handoff::Delete, Handoff::Insert],
        _ => [Handoff::Insert, Handoff::Delete],
    };
    for (i, step) in order.into_iter().enumerate() {
        tab.set(if i == 0 { TabStep::Handoff1 } else { TabStep::Handoff2 });
        if tab.crashes() {
            return;
        }
        let (w, id) = (tab.w.clone(), tab.id);
        // A failure is swallowed (the text's `try { … } catch {}` or a bare await).
        let _ = match step {
            Handoff::Delete => {
                tab.mutate("deletePlaceholder", move |t, _| {
                    if server::delete_placeholder(t, placeholder) {
                        w.ghost.set_in_gap(id, true);
                    }
                })
                .await
            }
            Handoff::Insert => {
                let fails = tab.insert_fails();
                tab.mutate("createSandboxRecord", move |t, now| {
                    if !fails {
                        server::create_sandbox_record(t, USER, sandbox, 0, 0, now);
                    }
                    w.ghost.set_in_gap(id, false);
                })
                .await
            }
        };
    }
    tab.runs_on(sandbox);
}

#[derive(Clone, Copy)]
enum Handoff {
    Delete,
    Insert,
}
