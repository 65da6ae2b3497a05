//! One run of S001: Redis, the sandbox, three backend instances, the tabs with their
//! hook instances, the agent's tool calls and the pool's auto-start, wired together
//! from a workload drawn from the tape.
//!
//! Workload: the sandbox (of app type web or mobile) is created within 20 s; one to
//! three tabs mount a hook within 30 s, mostly for the sandbox's app type and now and
//! then for the other (a web and a mobile app in one sandbox, S001-C02); each tab's
//! user re-renders the parent (new callback identities), clicks refresh, unmounts and
//! remounts the component, opens the preview tab (V0) or changes the preview URL; the
//! agent calls the start tool up to twice. A crashed tab reloads: a new hook instance.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use sim::{NodeId, Sim};

use crate::substrate::react::Timers;
use crate::substrate::redis::Redis;
use crate::system::devserver::backend;
use crate::system::devserver::hook::{self, Hook};
use crate::system::devserver::params::{DevParams, Variant};
use crate::system::devserver::sandbox::{App, Sandbox, SandboxState};
use crate::system::text::Text;

/// Ghost observations the invariants read: the first redundant start (I15) and the
/// first stale status overwrite (I8).
#[derive(Default)]
pub struct Ghost {
    pub redundant: Option<String>,
    pub stale_status: Option<String>,
}

impl Ghost {
    pub fn redundant_once(&mut self, what: String) {
        self.redundant.get_or_insert(what);
    }

    pub fn stale_once(&mut self, what: String) {
        self.stale_status.get_or_insert(what);
    }

    /// A launch of `app` applied now: redundant if a healthy process of the app is up
    /// or coming up, or was when the launching path decided to start.
    pub fn check_launch(&mut self, st: &SandboxState, app: App, who: &str, decided_over: Option<u64>) {
        let over = st.live(app).find(|p| p.healthy()).map(|p| p.id).or(decided_over);
        if let Some(p) = over.and_then(|id| st.processes.iter().find(|p| p.id == id)) {
            self.redundant_once(format!(
                "{who} launches another {} dev server while p{} (started for {}) is up or coming up",
                app.name(),
                p.id,
                p.origin
            ));
        }
    }
}

/// Everything the actors share.
pub struct Shared {
    pub variant: Variant,
    pub params: Rc<DevParams>,
    pub redis: Redis,
    pub sandbox: Sandbox,
    pub backends: Vec<NodeId>,
    pub timers: Timers,
    pub ghost: Rc<sim::Tracked<Ghost>>,
    /// Every hook instance ever mounted.
    pub hooks: RefCell<Vec<Hook>>,
    /// Ghost, for the footprint: how many hooks were unmounted so far.
    pub unmounts: Cell<u64>,
    pub sandbox_ready: Cell<bool>,
    next_token: Cell<u64>,
    next_hook: Cell<u64>,
}

impl Shared {
    /// A fresh `"{timestamp}:{task_name}"` lock value.
    pub fn next_token(&self) -> u64 {
        self.next_token.set(self.next_token.get() + 1);
        self.next_token.get()
    }

    pub fn next_hook_id(&self) -> u64 {
        self.next_hook.set(self.next_hook.get() + 1);
        self.next_hook.get()
    }
}

/// What the scenario holds: the shared state and the nodes the nemesis may strike.
pub struct DevWorld {
    pub shared: Rc<Shared>,
    pub tabs: Vec<NodeId>,
}

impl Drop for DevWorld {
    /// Every hook holds the shared state that lists it: an `Rc` cycle that leaked
    /// each run's world (about 7 KB a run, the resident set growing without bound
    /// over a long campaign). The run is over when its world is dropped, so the list
    /// is emptied, outside its borrow, and the cycle with it.
    fn drop(&mut self) {
        let hooks = std::mem::take(&mut *self.shared.hooks.borrow_mut());
        drop(hooks);
    }
}

/// A user action in a tab.
#[derive(Clone, Copy, Debug)]
enum Action {
    /// The parent re-renders: `getToken` gets a new identity.
    Rerender,
    /// A manual status check.
    Refresh,
    /// The component unmounts and mounts again after this many ms.
    Remount(u64),
    /// The user opens the preview tab.
    OpenPreview,
    /// The preview URL changes (a polling dependency).
    NewPreviewUrl,
}

impl Action {
    /// The name `{:?}` gives the action, and the number in its parentheses.
    fn parts(self) -> (&'static str, Option<u64>) {
        match self {
            Action::Rerender => ("Rerender", None),
            Action::Refresh => ("Refresh", None),
            Action::Remount(ms) => ("Remount", Some(ms)),
            Action::OpenPreview => ("OpenPreview", None),
            Action::NewPreviewUrl => ("NewPreviewUrl", None),
        }
    }
}

/// The workload line of tab `n`: the text of `format!("T{n}: {} hook mounts at {} ms,
/// preview {}, actions {:?}", ..)`, built without the formatting machinery (a
/// `Debug` list of tuples cost more than the rest of the tab's setup; a test compares).
fn describe_tab(n: usize, plan: &TabPlan) -> String {
    let mut t = Text::new()
        .str("T")
        .num(n as u64)
        .str(": ")
        .str(plan.app.name())
        .str(" hook mounts at ")
        .num(plan.mount_at_ms)
        .str(" ms, preview ")
        .str(if plan.preview { "open" } else { "closed" })
        .str(", actions [");
    for (k, &(at, action)) in plan.actions.iter().enumerate() {
        let (name, arg) = action.parts();
        t = t.str(if k == 0 { "(" } else { ", (" }).num(at).str(", ").str(name);
        if let Some(arg) = arg {
            t = t.str("(").num(arg).str(")");
        }
        t = t.str(")");
    }
    t.str("]").done()
}

struct TabPlan {
    app: App,
    mount_at_ms: u64,
    preview: bool,
    actions: Vec<(u64, Action)>,
}

fn draw_tab(sim: &Sim, p: &DevParams, primary: App) -> TabPlan {
    let other = if primary == App::Web { App::Mobile } else { App::Web };
    let app = if p.mixed_app_types && sim.workload(0, 3) == 0 { other } else { primary };
    let mount_at_ms = sim.workload(0, 30_000);
    let preview = sim.workload(0, 1) == 1;
    let mut actions: Vec<(u64, Action)> = (0..sim.workload(0, p.user_actions_max))
        .map(|_| {
            let at = sim.workload(mount_at_ms + 500, 540_000);
            let action = match sim.workload(0, 4) {
                0 => Action::Rerender,
                1 => Action::Refresh,
                2 => Action::Remount(sim.workload(1_000, 60_000)),
                3 => Action::OpenPreview,
                _ => Action::NewPreviewUrl,
            };
            (at, action)
        })
        .collect();
    actions.sort_by_key(|(at, _)| *at);
    TabPlan { app, mount_at_ms, preview, actions }
}

/// Builds the world and starts every actor.
pub fn build(sim: &Sim, variant: Variant, params: DevParams) -> DevWorld {
    let params = Rc::new(params);
    let redis = Redis::new(sim, "redis", params.redis_restart_loses_keys);
    let sandbox = Sandbox::new(sim, params.clone());
    let backends: Vec<NodeId> = (1..=3u64).map(|i| sim.add_node(Text::new().str("B").num(i).done())).collect();
    for &b in &backends {
        sim.on_restart(b, |_| {});
    }
    let drawn = if sim.workload(0, 1) == 0 { App::Web } else { App::Mobile };
    let primary = params.sandbox_app.unwrap_or(drawn);
    let created_at_ms = sim.workload(0, 20_000);
    let plans: Vec<TabPlan> = (0..sim.workload(1, params.hooks_max)).map(|_| draw_tab(sim, &params, primary)).collect();
    let agent: Vec<(u64, usize)> = (0..sim.workload(0, params.agent_starts_max))
        .map(|_| (sim.workload(created_at_ms, created_at_ms + 120_000), sim.workload(0, 2) as usize))
        .collect();
    sim.describe_workload(
        Text::new().str("sandbox sb1 (").str(primary.name()).str(") created at ").num(created_at_ms).str(" ms").done(),
    );
    let shared = Rc::new(Shared {
        variant,
        params,
        redis,
        sandbox,
        backends,
        timers: Timers::default(),
        ghost: Rc::default(),
        hooks: RefCell::default(),
        unmounts: Cell::new(0),
        sandbox_ready: Cell::new(false),
        next_token: Cell::new(0),
        next_hook: Cell::new(0),
    });
    let s = sim.clone();
    let sh = shared.clone();
    sim.spawn(NodeId::SYSTEM, "sandbox created", async move {
        s.sleep_ms(created_at_ms).await;
        sh.sandbox_ready.set(true);
        s.note(sh.sandbox.node, "sandbox sb1 created");
        for h in sh.hooks.borrow().iter().filter(|h| h.is_live(&s)) {
            h.component().set_state(|st| st.sandbox_ready = true);
        }
        let pool = sh.backends[0];
        if sh.variant != Variant::V0 && sh.params.pool_auto_start && s.is_up(pool) {
            backend::spawn_pool_auto_start(&sh, &s, pool, primary);
        }
    });
    for (at, b) in agent {
        sim.describe_workload(format!("agent calls the start tool on B{} at {at} ms", b + 1));
        let (s, sh) = (sim.clone(), shared.clone());
        sim.spawn(NodeId::SYSTEM, "agent", async move {
            s.sleep_ms(at).await;
            let node = sh.backends[b];
            if s.is_up(node) {
                let (s2, sh2) = (s.clone(), sh.clone());
                s.spawn(node, "sb_shell_tool start", async move {
                    let session = backend::session_for(sh2.variant, primary);
                    s2.note(node, "agent tool: start the dev server");
                    backend::start(&sh2, &s2, node, primary, session, "the agent".into()).await;
                });
            }
        });
    }
    let mut tabs = Vec::new();
    for (i, plan) in plans.into_iter().enumerate() {
        let node = sim.add_node(Text::new().str("T").num(i as u64 + 1).done());
        tabs.push(node);
        sim.describe_workload(describe_tab(i + 1, &plan));
        let (sh, app, preview) = (shared.clone(), plan.app, plan.preview);
        sim.on_restart(node, move |sim| {
            sim.note(node, "reloads");
            hook::mount(&sh, sim, node, app, preview);
        });
        let (s, sh) = (sim.clone(), shared.clone());
        sim.spawn(node, "user", async move { user(&s, &sh, node, plan).await });
    }
    DevWorld { shared, tabs }
}

/// The person at a tab: mounts the component, then acts.
async fn user(sim: &Sim, shared: &Rc<Shared>, node: NodeId, plan: TabPlan) {
    sim.sleep_ms(plan.mount_at_ms).await;
    let mut hook = hook::mount(shared, sim, node, plan.app, plan.preview);
    for (at, action) in plan.actions {
        sim.sleep_until(sim::SimTime(at)).await;
        sim::note!(sim, node, "user: {action:?}");
        match action {
            Action::Rerender => hook.component().set_state(|st| st.get_token_id += 1),
            Action::Refresh => hook.check_status(sim),
            Action::OpenPreview => hook.component().set_state(|st| st.preview_active = true),
            Action::NewPreviewUrl => hook.component().set_state(|st| st.preview_url += 1),
            Action::Remount(after_ms) => {
                let preview = hook.component().state().preview_active;
                hook.component().unmount(sim);
                shared.unmounts.set(shared.unmounts.get() + 1);
                sim::tracked::count_untracked_write();
                sim.sleep_ms(after_ms).await;
                hook = hook::mount(shared, sim, node, plan.app, preview);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tab_lines_are_the_formatted_ones() {
        let all = [
            (0, Action::Rerender),
            (510, Action::Refresh),
            (1_000, Action::Remount(60_000)),
            (99, Action::OpenPreview),
            (540_000, Action::NewPreviewUrl),
        ];
        for (n, len, preview, app) in [(1, 0, true, App::Web), (2, 1, false, App::Mobile), (10, 5, true, App::Mobile)] {
            let plan = TabPlan { app, mount_at_ms: 29_999, preview, actions: all[..len].to_vec() };
            let want = format!(
                "T{}: {} hook mounts at {} ms, preview {}, actions {:?}",
                n,
                plan.app.name(),
                plan.mount_at_ms,
                if plan.preview { "open" } else { "closed" },
                plan.actions
            );
            assert_eq!(describe_tab(n, &plan), want);
        }
    }
}
