//! The frontend hook `use-dev-server.ts`, one instance per tab or mounted component,
//! in each version, written on the React substrate.
//!
//! What the versions do (SYSTEMS.md S001.B):
//! - V0: a 2 s auto-start timer when the preview tab is active, with no handle kept
//!   and no cleanup; a 30 s polling interval created again on every re-run without
//!   clearing; status checks with no dedupe; the shared `dev_server` session.
//! - V1: the timer handle in a ref, cleared before rescheduling, but its callback
//!   tests the `status`/`isStarting` of the render that created it; the interval
//!   cleared before it is created again; the `statusCheckInProgress` ref; no cleanup
//!   on unmount (none is shown).
//! - `proposed`: effects return cleanups; the timer reads the current state when it
//!   fires; status comes only from status checks, one at a time, never from a start.
//!
//! `start` and `checkStatus` are `useCallback`s whose identities change with their
//! dependencies (`getToken` is one: a parent re-render gives it a new identity).
//! Ghost checks: SYSTEMS.md I15 per tab when `start()` is called, and I8 when a
//! status response is applied.

use std::cell::{OnceCell, RefCell};
use std::rc::Rc;

use sim::{ChoiceKind, NodeId, Sim};

use crate::substrate::react::{Component, Render, TimerId};
use crate::substrate::remote_job::call_job;
use crate::system::devserver::backend::{self, StartReply};
use crate::system::devserver::params::{auto_start_delay_ms, polling_ms, Variant};
use crate::system::devserver::sandbox::{App, Observed};
use crate::system::devserver::world::Shared;

/// Labels of the timers a hook sets, for SYSTEMS.md L6.
pub const AUTO_START: &str = "auto-start";
pub const POLL: &str = "poll";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Stopped,
    /// Only `proposed`'s status endpoint reports a start under way.
    Starting,
    Running,
}

/// The hook's React state and the props it is rendered with.
#[derive(Clone, Debug)]
pub struct HookState {
    pub sandbox_ready: bool,
    pub preview_active: bool,
    pub status: Status,
    pub is_starting: bool,
    /// The identity of `getToken`, which a parent re-render may change.
    pub get_token_id: u64,
    pub preview_url: u64,
}

/// The hook's refs: shared by every render of one instance.
#[derive(Default)]
struct Refs {
    auto_start_timeout: Option<TimerId>,
    polling_interval: Option<TimerId>,
    status_check_in_progress: bool,
    /// Ghost: the time of the newest observation the status was set from, and what
    /// made it (a status check or a start reply).
    newest_observation: Option<(u64, &'static str)>,
}

/// One hook instance.
pub struct Core {
    pub id: u64,
    pub app: App,
    pub node: NodeId,
    shared: Rc<Shared>,
    refs: RefCell<Refs>,
    component: OnceCell<Component<HookState>>,
}

pub type Hook = Rc<Core>;

/// The identity of a callback whose dependencies are `deps`.
fn identity(deps: &[u64]) -> u64 {
    deps.iter().fold(17u64, |h, d| h.wrapping_mul(1_000_003).wrapping_add(d + 1))
}

/// Mounts a new instance on tab `node`.
pub fn mount(shared: &Rc<Shared>, sim: &Sim, node: NodeId, app: App, preview_active: bool) -> Hook {
    let id = shared.next_hook_id();
    let core =
        Rc::new(Core { id, app, node, shared: shared.clone(), refs: RefCell::default(), component: OnceCell::new() });
    let initial = HookState {
        sandbox_ready: shared.sandbox_ready.get(),
        preview_active,
        status: Status::Stopped,
        is_starting: false,
        get_token_id: 0,
        preview_url: 0,
    };
    let c = core.clone();
    let component = Component::mount(sim, node, initial, move |r| c.render(r));
    let _ = core.component.set(component);
    sim::note!(sim, node, "mounts hook h{id} ({})", app.name());
    shared.hooks.borrow_mut().push(core.clone());
    // The footprint reads how many hooks there are (`reads::HOOKS`).
    sim::tracked::count_untracked_write();
    core
}

impl Core {
    pub fn component(&self) -> &Component<HookState> {
        self.component.get().expect("the component is set at mount")
    }

    pub fn is_live(&self, sim: &Sim) -> bool {
        self.component.get().is_some_and(|c| c.is_live(sim))
    }

    fn variant(&self) -> Variant {
        self.shared.variant
    }

    fn render(self: &Rc<Self>, r: &Render<HookState>) {
        let s = r.state.clone();
        let (sb, app) = (u64::from(s.sandbox_ready), self.app as u64);
        let start_id = identity(&[sb, s.get_token_id, app]);
        let check_id = identity(&[sb, s.get_token_id, app, s.status as u64]);
        let timers = self.shared.timers.clone();
        let (c, c2) = (self.clone(), self.clone());
        match self.variant() {
            Variant::V0 => {
                let deps = vec![sb, u64::from(s.preview_active), s.status as u64, start_id];
                let st = s.clone();
                r.use_effect(deps, move |sim| {
                    if st.sandbox_ready && st.preview_active && st.status == Status::Stopped {
                        let cc = c.clone();
                        timers.set_timeout(
                            sim,
                            c.node,
                            c.id,
                            AUTO_START,
                            auto_start_delay_ms(Variant::V0),
                            move |sim| cc.start(sim),
                        );
                    }
                    None
                });
                let timers = self.shared.timers.clone();
                r.use_effect(vec![sb, check_id, s.preview_url], move |sim| {
                    if sb == 1 {
                        let cc = c2.clone();
                        timers.set_interval(sim, c2.node, c2.id, POLL, polling_ms(Variant::V0), move |sim| {
                            cc.check_status(sim)
                        });
                    }
                    None
                });
            }
            Variant::V1 => {
                let deps = vec![sb, 1, s.status as u64, u64::from(s.is_starting), start_id, app];
                let st = s.clone();
                r.use_effect(deps, move |sim| {
                    if st.sandbox_ready && st.status == Status::Stopped && !st.is_starting {
                        if let Some(t) = c.refs.borrow_mut().auto_start_timeout.take() {
                            timers.clear(t);
                        }
                        let (cc, snap) = (c.clone(), st.clone());
                        let delay = auto_start_delay_ms(Variant::V1);
                        let t = timers.set_timeout(sim, c.node, c.id, AUTO_START, delay, move |sim| {
                            // The render's `status` and `isStarting`, not the current ones.
                            if snap.status == Status::Stopped && !snap.is_starting {
                                cc.start(sim);
                            }
                        });
                        c.refs.borrow_mut().auto_start_timeout = Some(t);
                    }
                    None
                });
                let timers = self.shared.timers.clone();
                r.use_effect(vec![sb, check_id, s.preview_url], move |sim| {
                    if sb == 1 {
                        if let Some(t) = c2.refs.borrow_mut().polling_interval.take() {
                            timers.clear(t);
                        }
                        let cc = c2.clone();
                        let t = timers.set_interval(sim, c2.node, c2.id, POLL, polling_ms(Variant::V1), move |sim| {
                            cc.check_status(sim)
                        });
                        c2.refs.borrow_mut().polling_interval = Some(t);
                    }
                    None
                });
            }
            Variant::Proposed => {
                let st = s.clone();
                r.use_effect(vec![sb, s.status as u64, u64::from(s.is_starting)], move |sim| {
                    if !(st.sandbox_ready && st.status == Status::Stopped && !st.is_starting) {
                        return None;
                    }
                    let cc = c.clone();
                    let delay = auto_start_delay_ms(Variant::Proposed);
                    let t = timers.set_timeout(sim, c.node, c.id, AUTO_START, delay, move |sim| {
                        let now = cc.component().state();
                        if now.status == Status::Stopped && !now.is_starting {
                            cc.start(sim);
                        }
                    });
                    let timers = timers.clone();
                    Some(Box::new(move |_: &Sim| timers.clear(t)))
                });
                let timers = self.shared.timers.clone();
                r.use_effect(vec![sb], move |sim| {
                    if sb == 0 {
                        return None;
                    }
                    let cc = c2.clone();
                    let t = timers.set_interval(sim, c2.node, c2.id, POLL, polling_ms(Variant::Proposed), move |sim| {
                        cc.check_status(sim)
                    });
                    let timers = timers.clone();
                    Some(Box::new(move |_: &Sim| timers.clear(t)))
                });
            }
        }
    }

    /// `start()`: POST start to a backend instance.
    pub fn start(self: &Rc<Self>, sim: &Sim) {
        let now = self.component().state();
        if now.status != Status::Stopped || now.is_starting {
            let why =
                if now.is_starting { "a start in flight".to_string() } else { format!("status {:?}", now.status) };
            self.shared.ghost.borrow_mut().redundant_once(format!("hook h{} calls start() with {why}", self.id));
        }
        self.component().set_state(|st| st.is_starting = true);
        let shared = &self.shared;
        let backend = shared.backends[sim.draw(ChoiceKind::Workload, shared.backends.len() as u64) as usize];
        sim::note!(
            sim,
            self.node,
            "h{} start(): POST start {} to {}",
            self.id,
            self.app.name(),
            sim.node_name(backend)
        );
        let (c, s) = (self.clone(), sim.clone());
        sim.spawn(self.node, "start()", async move {
            let (shared, app, variant, origin) = (c.shared.clone(), c.app, c.variant(), format!("h{}", c.id));
            let reply = call_job(&s, c.node, backend, "POST start", 330_000, move |sim| {
                let (sim, arrived_ms) = (sim.clone(), sim.now().as_ms());
                async move {
                    let reply =
                        backend::start(&shared, &sim, backend, app, backend::session_for(variant, app), origin).await;
                    (reply, arrived_ms)
                }
            })
            .await;
            c.on_start_reply(&s, reply);
        });
    }

    fn on_start_reply(&self, sim: &Sim, reply: Option<(StartReply, u64)>) {
        sim::note!(sim, self.node, "h{} start() -> {:?}", self.id, reply.map(|r| r.0));
        let sets_running = self.shared.params.start_sets_running && self.variant() != Variant::Proposed;
        let observed = reply.filter(|(r, _)| r.ok() && sets_running).map(|(_, at)| at);
        if let Some(at) = observed {
            self.apply_observation(sim, Status::Running, at, "start reply");
        }
        self.component().set_state(|st| st.is_starting = false);
    }

    /// `checkStatus(previewUrl)`.
    pub fn check_status(self: &Rc<Self>, sim: &Sim) {
        let dedupe = self.variant() != Variant::V0;
        if !self.component().state().sandbox_ready || (dedupe && self.refs.borrow().status_check_in_progress) {
            return;
        }
        if dedupe {
            self.refs.borrow_mut().status_check_in_progress = true;
        }
        let (c, s) = (self.clone(), sim.clone());
        sim.spawn(self.node, "checkStatus", async move {
            let _finally = InProgress(c.clone(), dedupe);
            let (app, variant, hung_after_ms) = (c.app, c.variant(), c.shared.params.hung_after_ms);
            let observed = c
                .shared
                .sandbox
                .call(&s, c.node, "GET status", move |sandbox, sim| {
                    let st = sandbox.state.borrow();
                    let seen = match variant {
                        Variant::Proposed => match st.observe(app, sim.now(), hung_after_ms) {
                            Observed::Stopped => Status::Stopped,
                            Observed::Starting => Status::Starting,
                            Observed::Running => Status::Running,
                        },
                        _ if st.listening(app) => Status::Running,
                        _ => Status::Stopped,
                    };
                    (seen, sim.now().as_ms())
                })
                .await;
            s.sleep_ms(s.between(ChoiceKind::Delay, 0, c.shared.params.status_check_latency_max_ms)).await;
            if let Ok((seen, at)) = observed {
                c.apply_observation(&s, seen, at, "status check");
            }
        });
    }

    /// Sets `status` from an observation made at `at_ms` by `source`, with the ghost
    /// check of I8.
    fn apply_observation(&self, sim: &Sim, seen: Status, at_ms: u64, source: &'static str) {
        if !self.is_live(sim) {
            return;
        }
        let current = self.component().state().status;
        let newest = self.refs.borrow().newest_observation;
        if let Some((newest_ms, newest_source)) = newest.filter(|(n, _)| at_ms < *n && seen != current) {
            self.shared.ghost.borrow_mut().stale_once(format!(
                "hook h{}: a {source} observed at {at_ms} ms sets status {seen:?} over {current:?}, \
                 which a {newest_source} observed at {newest_ms} ms",
                self.id
            ));
        }
        let newer = newest.is_none_or(|(n, _)| at_ms >= n);
        if newer {
            self.refs.borrow_mut().newest_observation = Some((at_ms, source));
        }
        sim::note!(sim, self.node, "h{} status = {seen:?} ({source})", self.id);
        self.component().set_state(|st| st.status = seen);
    }
}

/// `finally { statusCheckInProgress.current = false }`.
struct InProgress(Hook, bool);

impl Drop for InProgress {
    fn drop(&mut self) {
        if self.1 {
            self.0.refs.borrow_mut().status_check_in_progress = false;
        }
    }
}
