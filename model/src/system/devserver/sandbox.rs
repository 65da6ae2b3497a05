//! The sandbox: named shell sessions, dev-server processes and the ports they bind.
//!
//! A server node. Every request is applied atomically when it arrives. A process is a
//! task of the sandbox node: it takes its start time (Next.js a few seconds; Expo a
//! global npm install, `expo start` and a tunnel, often longer than the 60 s lock TTL),
//! then binds its app's port. If the port is taken, Next.js moves to the next free port
//! and Expo exits with EADDRINUSE `[A]`. A process may hang (never bind) or crash after
//! it bound ([`PROCESS_HANG`], [`PROCESS_CRASH`]). Killing a session's processes ends
//! them at once (the caller waits out the graceful-termination period itself).
//!
//! Ghost state for invariants: every process ever launched, and which app types ran
//! in each session (SYSTEMS.md I10).

use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use sim::{ChoiceKind, FaultPoint, NetError, NodeId, Sim, SimTime};

use crate::system::devserver::params::{DevParams, WebPortTaken};

pub const PROCESS_HANG: FaultPoint =
    FaultPoint { name: "devserver.process.hang", doc: "a dev-server process hangs in its start and never binds" };
pub const PROCESS_CRASH: FaultPoint =
    FaultPoint { name: "devserver.process.crash", doc: "a listening dev-server process crashes later" };

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum App {
    Web,
    Mobile,
}

impl App {
    pub const ALL: [App; 2] = [App::Web, App::Mobile];

    pub fn port(self) -> u16 {
        match self {
            App::Web => 3000,
            App::Mobile => 8081,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            App::Web => "web",
            App::Mobile => "mobile",
        }
    }

    /// `dev_server_{app_type}`.
    pub fn session(self) -> &'static str {
        match self {
            App::Web => "dev_server_web",
            App::Mobile => "dev_server_mobile",
        }
    }

    /// `dev_server_{app_type}_auto` (the pool's auto-start).
    pub fn auto_session(self) -> &'static str {
        match self {
            App::Web => "dev_server_web_auto",
            App::Mobile => "dev_server_mobile_auto",
        }
    }

    /// `dev_server_start:{sandbox.id}:{app_type}`.
    pub fn lock_key(self) -> &'static str {
        match self {
            App::Web => "dev_server_start:sb1:web",
            App::Mobile => "dev_server_start:sb1:mobile",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProcState {
    Starting,
    Listening(u16),
    Exited,
}

#[derive(Clone, Debug)]
pub struct Process {
    pub id: u64,
    pub app: App,
    pub session: &'static str,
    pub state: ProcState,
    /// Ghost: this process will never bind.
    pub hung: bool,
    pub launched_at: SimTime,
    /// Ghost: who asked for it (`h3`, `the agent`, `the pool`).
    pub origin: String,
}

impl Process {
    pub fn alive(&self) -> bool {
        self.state != ProcState::Exited
    }

    /// Listening, or starting and not hung: a dev server that is up or coming up.
    pub fn healthy(&self) -> bool {
        matches!(self.state, ProcState::Listening(_)) || (self.state == ProcState::Starting && !self.hung)
    }
}

/// What `proposed`'s status endpoint reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Observed {
    Stopped,
    Starting,
    Running,
}

#[derive(Default)]
pub struct SandboxState {
    pub processes: Vec<Process>,
    /// Ghost: the app types that ever ran in each session.
    pub session_apps: BTreeMap<&'static str, BTreeSet<App>>,
    pub sessions: BTreeSet<&'static str>,
}

impl SandboxState {
    pub fn live(&self, app: App) -> impl Iterator<Item = &Process> {
        self.processes.iter().filter(move |p| p.app == app && p.alive())
    }

    pub fn listening(&self, app: App) -> bool {
        self.live(app).any(|p| p.state == ProcState::Listening(app.port()))
    }

    fn port_taken(&self, port: u16) -> bool {
        self.processes.iter().any(|p| p.state == ProcState::Listening(port))
    }

    /// What `proposed`'s status endpoint answers: a process starting for longer than
    /// `hung_after_ms` counts as stopped, so a client will start it over.
    pub fn observe(&self, app: App, now: SimTime, hung_after_ms: u64) -> Observed {
        if self.listening(app) {
            return Observed::Running;
        }
        let starting =
            self.live(app).any(|p| p.state == ProcState::Starting && now.ms_since(p.launched_at) < hung_after_ms);
        if starting {
            Observed::Starting
        } else {
            Observed::Stopped
        }
    }
}

/// A handle on the sandbox. Clones share it.
#[derive(Clone)]
pub struct Sandbox {
    pub node: NodeId,
    pub state: Rc<sim::Tracked<SandboxState>>,
    params: Rc<DevParams>,
}

impl Sandbox {
    pub fn new(sim: &Sim, params: Rc<DevParams>) -> Sandbox {
        Sandbox { node: sim.add_node("sandbox"), state: Rc::default(), params }
    }

    /// A request applied atomically on the sandbox when it arrives.
    pub async fn call<R: 'static>(
        &self,
        sim: &Sim,
        from: NodeId,
        label: &'static str,
        op: impl FnOnce(&Sandbox, &Sim) -> R + 'static,
    ) -> Result<R, NetError> {
        let sandbox = self.clone();
        sim.call(from, self.node, label, move |sim| op(&sandbox, sim)).await
    }

    /// Kills every live process of `session`; returns how many.
    pub fn kill_session(&self, sim: &Sim, session: &'static str) -> usize {
        let mut killed = 0;
        for p in self.state.borrow_mut().processes.iter_mut().filter(|p| p.session == session && p.alive()) {
            p.state = ProcState::Exited;
            killed += 1;
        }
        if killed > 0 {
            sim::note!(sim, self.node, "kills {killed} process(es) of session {session}");
        }
        killed
    }

    /// Kills process `id`.
    pub fn kill(&self, sim: &Sim, id: u64) {
        if let Some(p) = self.state.borrow_mut().processes.iter_mut().find(|p| p.id == id && p.alive()) {
            p.state = ProcState::Exited;
            sim::note!(sim, self.node, "kills hung process p{id} ({})", p.app.name());
        }
    }

    /// Runs `app`'s dev-server command in `session` (created if absent) in the
    /// background; returns the new process's id. With `start_deadline_ms`, the
    /// command is wrapped so that a start which has not bound by then is killed
    /// (`timeout`-style; `proposed` uses it).
    pub fn exec(
        &self,
        sim: &Sim,
        session: &'static str,
        app: App,
        start_deadline_ms: Option<u64>,
        origin: String,
    ) -> u64 {
        let hung = sim.fault(&PROCESS_HANG);
        let id = {
            let mut st = self.state.borrow_mut();
            st.sessions.insert(session);
            st.session_apps.entry(session).or_default().insert(app);
            let id = st.processes.len() as u64 + 1;
            let launched_at = sim.now();
            st.processes.push(Process { id, app, session, state: ProcState::Starting, hung, launched_at, origin });
            id
        };
        sim::note!(sim, self.node, "session {session} runs the {} dev server: process p{id}", app.name());
        let (sandbox, s) = (self.clone(), sim.clone());
        sim.spawn(
            self.node,
            "dev-server",
            async move { sandbox.run_process(&s, id, app, hung, start_deadline_ms).await },
        );
        id
    }

    fn start_duration_ms(&self, sim: &Sim, app: App) -> u64 {
        let p = &self.params;
        match app {
            App::Web => sim.between(ChoiceKind::Delay, p.web_start_min_ms, p.web_start_max_ms),
            App::Mobile => {
                sim.between(ChoiceKind::Delay, 5_000, p.npm_install_max_ms)
                    + sim.between(ChoiceKind::Delay, 5_000, p.expo_start_max_ms)
                    + sim.between(ChoiceKind::Delay, 2_000, p.tunnel_max_ms)
            }
        }
    }

    async fn run_process(&self, sim: &Sim, id: u64, app: App, hung: bool, start_deadline_ms: Option<u64>) {
        let launched_at = sim.now();
        sim.sleep_ms(self.start_duration_ms(sim, app)).await;
        let idx = (id - 1) as usize;
        if self.state.borrow().processes[idx].state != ProcState::Starting {
            return;
        }
        if hung {
            let Some(deadline_ms) = start_deadline_ms else { return };
            sim.sleep_until(launched_at.plus_ms(deadline_ms)).await;
            let mut st = self.state.borrow_mut();
            if st.processes[idx].state == ProcState::Starting {
                st.processes[idx].state = ProcState::Exited;
                drop(st);
                sim::note!(sim, self.node, "p{id} has not bound in {deadline_ms} ms: killed");
            }
            return;
        }
        let port = {
            let mut st = self.state.borrow_mut();
            let mut port = Some(app.port());
            if st.port_taken(app.port()) {
                port = match (app, self.params.web_port_taken) {
                    (App::Web, WebPortTaken::NextPort) => (3001..3100).find(|p| !st.port_taken(*p)),
                    _ => None,
                };
            }
            st.processes[idx].state = port.map_or(ProcState::Exited, ProcState::Listening);
            port
        };
        match port {
            Some(p) if p == app.port() => sim::note!(sim, self.node, "p{id} listens on :{p}"),
            Some(p) => sim::note!(sim, self.node, "p{id}: port {} in use, listens on :{p}", app.port()),
            None => sim::note!(sim, self.node, "p{id} exits: EADDRINUSE :{}", app.port()),
        }
        if port.is_some() && sim.fault(&PROCESS_CRASH) {
            sim.sleep_ms(sim.between(ChoiceKind::Delay, 1_000, 300_000)).await;
            let mut st = self.state.borrow_mut();
            if st.processes[idx].alive() {
                st.processes[idx].state = ProcState::Exited;
                drop(st);
                sim::note!(sim, self.node, "p{id} crashes");
            }
        }
    }
}
