//! A browser tab running the launcher page (`src/app/[...skillPath]/page.tsx`).
//!
//! React, as SYSTEMS.md M3 states it: effects run after a render and read current
//! state; an async `handleLaunch` keeps the `userSandbox` value of the render that
//! started it. The tab is a node: closing it (or a crash) drops every activity where it
//! stands; a reload is a restart that starts the page over with the same skill and
//! config.

use std::cell::RefCell;
use std::rc::Rc;

use sim::{note, notified_any, ChoiceKind, FaultPoint, NodeId, Notify, Sim, SimTime, Tracked};

use crate::substrate::docstore::Subscription;
use crate::substrate::sandbox_provider::SandboxId;
use crate::system::launcher::launch;
use crate::system::launcher::server::{get_sandbox, UserSandbox};
use crate::system::launcher::version::Claim;
use crate::system::launcher::world::Launcher;

/// Auth is not ready when the page loads: the query is skipped and mutations are
/// rejected for a while (SYSTEMS.md S000.A, Env).
pub const TAB_AUTH_SLOW: FaultPoint =
    FaultPoint { name: "tab.auth.slow", doc: "auth is not ready at page load: the query is skipped for a while" };

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Config,
    Launching,
    Running,
}

/// `sandboxState` as the page uses it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SandboxUi {
    Idle,
    Progress,
    Running,
    Error,
}

/// What the page renders (`page.tsx:421-460` and the launch/running branches).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Page {
    SignIn,
    ConfigForm,
    Progress,
    ErrorWithRetry,
    Chat,
    /// No branch matches: an empty page with no error and no retry (S000-C14).
    Blank,
}

/// The page's state: React state and refs.
#[derive(Clone, Debug)]
pub struct TabState {
    pub phase: Phase,
    pub sandbox_ui: SandboxUi,
    pub session: Option<(SandboxId, u64)>,
    pub user_cancelled: bool,
    pub auto_launch_lock: bool,
    pub authenticated: bool,
    /// `handleLaunch` activities running now.
    pub launches_in_flight: u32,
    /// The `userSandbox` value the resume effect saw last (its dependency).
    pub seen_user_sandbox: Option<UserSandbox>,
    /// Whether `getSandbox` has delivered a value since the page loaded. V0 has no
    /// such query and counts as loaded.
    pub query_loaded: bool,
    /// `proposed`: the auto-launch waits for auth and the query.
    pub launch_after_auth: bool,
    /// The page rendered last, and since when it has been on it (L1's bounded form).
    pub page_seen: Page,
    pub page_since: SimTime,
}

impl TabState {
    fn fresh(has_query: bool, launch_after_auth: bool, now: SimTime) -> TabState {
        TabState {
            page_seen: Page::Progress,
            page_since: now,
            phase: Phase::Config,
            sandbox_ui: SandboxUi::Idle,
            session: None,
            user_cancelled: false,
            auto_launch_lock: false,
            authenticated: false,
            launches_in_flight: 0,
            seen_user_sandbox: None,
            query_loaded: !has_query,
            launch_after_auth,
        }
    }

    /// `readyToAutoLaunch` `[A]`: skill and key are loaded at page load; once auth is
    /// ready the page waits for `getSandbox` (the PR's "both take the instant path"
    /// needs that), but while auth is not ready the query is skipped and the page
    /// launches anyway (S000-C04's auth variant). `proposed` waits for both.
    fn ready_to_auto_launch(&self) -> bool {
        self.ready_to_auto_launch_if(self.query_loaded)
    }

    /// [`TabState::ready_to_auto_launch`] with `query_loaded` in place of the field's.
    fn ready_to_auto_launch_if(&self, query_loaded: bool) -> bool {
        if self.launch_after_auth {
            return self.authenticated && query_loaded;
        }
        !self.authenticated || query_loaded
    }

    pub fn page(&self) -> Page {
        match self.phase {
            Phase::Running => Page::Chat,
            Phase::Launching if self.sandbox_ui == SandboxUi::Error => Page::ErrorWithRetry,
            Phase::Launching => Page::Progress,
            Phase::Config if !self.authenticated => Page::SignIn,
            Phase::Config if self.user_cancelled => Page::ConfigForm,
            // Waiting for the query, or about to auto-launch: a loading spinner.
            Phase::Config if !self.ready_to_auto_launch() || !self.auto_launch_lock => Page::Progress,
            Phase::Config => Page::Blank,
        }
    }
}

/// One tab: its identity, its workload (skill, config), its state.
#[derive(Clone)]
pub struct Tab {
    pub id: u32,
    pub node: NodeId,
    pub user: u32,
    pub skill: u32,
    pub config: u64,
    pub state: Rc<Tracked<TabState>>,
    pub rerender: Notify,
    pub subscription: Rc<RefCell<Option<Subscription<UserSandbox>>>>,
    /// Whether the user has opened the tab yet: a reload only reloads an open tab.
    pub opened: Rc<std::cell::Cell<bool>>,
    /// `proposed`: the number of the tab's last store request, in sending order, kept
    /// across reloads as `sessionStorage` keeps it (see
    /// [`crate::system::launcher::sandbox_records::SandboxTables::admit`]).
    pub requests_sent: Rc<std::cell::Cell<u64>>,
    pub launcher: Rc<Launcher>,
}

impl Tab {
    pub fn new(launcher: Rc<Launcher>, id: u32, node: NodeId, user: u32, skill: u32, config: u64) -> Tab {
        Tab {
            id,
            node,
            user,
            skill,
            config,
            state: Rc::new(Tracked::new(TabState::fresh(true, launcher.version.launch_after_auth, SimTime::ZERO))),
            rerender: Notify::new(),
            subscription: Rc::default(),
            opened: Rc::default(),
            requests_sent: Rc::default(),
            launcher,
        }
    }

    /// Updates state and schedules a re-render, as `setState` does.
    pub fn set(&self, update: impl FnOnce(&mut TabState)) {
        update(&mut self.state.borrow_mut());
        self.rerender.notify_all();
    }

    /// This life of the tab as a lease holder: a reload is a new holder.
    pub fn holder(&self, sim: &Sim) -> u64 {
        (u64::from(self.id) << 32) | u64::from(sim.incarnation(self.node))
    }

    /// The current `userSandbox` (`None`: undefined, loading or skipped).
    pub fn user_sandbox(&self) -> Option<UserSandbox> {
        self.subscription.borrow().as_ref().and_then(Subscription::current)
    }

    /// Loads the page: state starts over, then the render loop and the user run.
    pub fn load(&self, sim: &Sim) {
        let v = self.launcher.version;
        *self.state.borrow_mut() = TabState::fresh(v.claim == Claim::CreateLock, v.launch_after_auth, sim.now());
        *self.subscription.borrow_mut() = None;
        let (tab, s) = (self.clone(), sim.clone());
        sim.spawn(self.node, "page", async move { tab.render_loop(&s).await });
        let (tab, s) = (self.clone(), sim.clone());
        sim.spawn(self.node, "user", async move { tab.user(&s).await });
    }

    async fn render_loop(&self, sim: &Sim) {
        let p = &self.launcher.params;
        let auth_delay_ms =
            if sim.fault(&TAB_AUTH_SLOW) { sim.between(ChoiceKind::Delay, 1_000, p.auth_delay_max_ms) } else { 0 };
        note!(sim, self.node, "opens (skill {}, config {})", self.skill, self.config);
        let mut auth_at = Some(sim.now().plus_ms(auth_delay_ms));
        loop {
            if auth_at.is_some_and(|t| sim.now() >= t) {
                auth_at = None;
                self.set(|st| st.authenticated = true);
                self.subscribe(sim);
            }
            self.run_effects(sim);
            self.track_page(sim);
            // The tab's own state, then the subscription if there is one: no Vec per render.
            let subscribed = self.subscription.borrow().as_ref().map(Subscription::notify);
            let both;
            let sources: &[Notify] = match subscribed {
                Some(sub) => {
                    both = [self.rerender.clone(), sub];
                    &both
                }
                None => std::slice::from_ref(&self.rerender),
            };
            match auth_at {
                Some(t) => {
                    sim.timeout_ms(t.ms_since(sim.now()), notified_any(sources)).await;
                }
                None => notified_any(sources).await,
            }
        }
    }

    /// Remembers since when the page shows what it shows now. Writes the state only
    /// when the page changed: a write would make the runner recompute the footprint
    /// and re-check every invariant reading the tabs ([`sim::tracked`]).
    fn track_page(&self, sim: &Sim) {
        let page = self.state.borrow().page();
        if page != self.state.borrow().page_seen {
            let mut st = self.state.borrow_mut();
            st.page_seen = page;
            st.page_since = sim.now();
        }
    }

    /// `useQuery(getSandbox, isAuthenticated ? {userId} : "skip")` (`page.tsx:49-52`).
    fn subscribe(&self, sim: &Sim) {
        if self.launcher.version.claim != Claim::CreateLock {
            return;
        }
        let (user, version) = (self.user, self.launcher.version);
        let sub = self
            .launcher
            .store
            .subscribe(sim, self.node, "getSandbox", move |t, now| get_sandbox(t, user, now, &version));
        *self.subscription.borrow_mut() = Some(sub);
    }

    /// The page's effects, after a render: auto-launch (`page.tsx:289-306`) and, from
    /// V2, the resume effect (`page.tsx:241-282`).
    fn run_effects(&self, sim: &Sim) {
        let current = self.user_sandbox();
        // Decided on a shared borrow; the state is written only if an effect changes
        // it (most renders change nothing, and a write costs the runner a footprint).
        let (query_loaded, auto, changed, resume) = {
            let st = self.state.borrow();
            let query_loaded = st.query_loaded || current.is_some();
            let auto = st.phase == Phase::Config
                && st.ready_to_auto_launch_if(query_loaded)
                && !st.auto_launch_lock
                && !st.user_cancelled;
            let changed = st.seen_user_sandbox != current;
            let resume = changed
                && st.phase == Phase::Launching
                && launch::resume_fires(&self.launcher.version, st.seen_user_sandbox.as_ref(), current.as_ref());
            (query_loaded, auto, changed, resume)
        };
        if auto || changed || query_loaded != self.state.borrow().query_loaded {
            let mut st = self.state.borrow_mut();
            st.query_loaded = query_loaded;
            st.auto_launch_lock |= auto;
            if changed {
                st.seen_user_sandbox = current.clone();
            }
        }
        if auto {
            note!(sim, self.node, "auto-launches");
            self.spawn_launch(sim, current.clone(), 0);
        }
        if resume {
            note!(sim, self.node, "resumes on {}", Described(current.as_ref()));
            self.spawn_launch(sim, current, 0);
        }
    }

    /// `void handleLaunch(config)` with the `userSandbox` of this render.
    pub fn spawn_launch(&self, sim: &Sim, captured: Option<UserSandbox>, attempt: u32) {
        let (tab, s) = (self.clone(), sim.clone());
        self.state.borrow_mut().launches_in_flight += 1;
        let in_flight = LaunchInFlight(self.clone());
        sim.spawn(self.node, "handleLaunch", async move {
            let _in_flight = in_flight;
            launch::handle_launch(&tab, &s, captured, attempt).await
        });
    }

    /// The person at the tab: clicks Retry when the page offers it.
    async fn user(&self, sim: &Sim) {
        let p = &self.launcher.params;
        loop {
            sim.sleep_ms(sim.between(ChoiceKind::Workload, p.retry_think_min_ms, p.retry_think_max_ms)).await;
            if self.state.borrow().page() == Page::ErrorWithRetry {
                note!(sim, self.node, "clicks Retry");
                self.spawn_launch(sim, self.user_sandbox(), 0);
            }
        }
    }
}

/// Counts one launch activity of a tab from the moment it is started until its task
/// ends or dies with the tab (a page that has launched is not blank while it waits).
struct LaunchInFlight(Tab);

impl Drop for LaunchInFlight {
    fn drop(&mut self) {
        let mut st = self.0.state.borrow_mut();
        st.launches_in_flight = st.launches_in_flight.saturating_sub(1);
        drop(st);
        self.0.rerender.notify_all();
    }
}

/// How a `userSandbox` value reads in a timeline.
pub struct Described<'a>(pub Option<&'a UserSandbox>);

impl std::fmt::Display for Described<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            None => f.write_str("undefined"),
            Some(UserSandbox::Null) => f.write_str("null"),
            Some(UserSandbox::Creating) => f.write_str("creating"),
            Some(UserSandbox::Found(r)) => write!(f, "found(record {})", r.id),
        }
    }
}
