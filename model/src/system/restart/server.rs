//! The workspace server: a Go process whose HTTP handlers `SetSecret` and `SetModel`
//! commit a database write and then `go RestartByID(ws)`.
//!
//! Everything in [`Memory`] (the V0 mutexes, the V1 coalescer map, goroutines) lives in
//! the process and dies with it; the database and the Docker daemon are other nodes
//! and keep their state. A restarted process starts from an empty map and, only if
//! the model says so (`reconcile_on_startup`, or the `proposed` design), reconciles.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;

use sim::{ChoiceKind, NodeId, Sim};

use crate::substrate::provisioner::{ContainerState, Provisioner};
use crate::substrate::sync::{go, Locks, Mutex, WakeOrder};
use crate::substrate::workspace_db::WorkspaceDb;
use crate::system::restart::history::{Cause, HistoryRef};
use crate::system::restart::version::Version;
use crate::system::restart::world::RestartParams;
use crate::system::text::Text;

/// A client's save: the handler and the rows it writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Save {
    /// `SetSecret`: the provider API key (value `sk-n`).
    Secret(u32),
    /// `SetModel`: `MODEL_PROVIDER` and `HERMES_DEFAULT_MODEL` (model `n`).
    Model(u32),
}

impl Save {
    pub fn handler(self) -> &'static str {
        match self {
            Save::Secret(_) => "SetSecret",
            Save::Model(_) => "SetModel",
        }
    }

    pub fn pairs(self) -> Vec<(String, String)> {
        let pair = |k: &str, v: String| (k.to_string(), v);
        match self {
            Save::Secret(n) => vec![pair("MINIMAX_API_KEY", Text::new().str("sk-").num(n).done())],
            Save::Model(n) => vec![
                pair("MODEL_PROVIDER", "minimax".into()),
                pair("HERMES_DEFAULT_MODEL", Text::new().str("MiniMax-M").num(n).done()),
            ],
        }
    }

    /// The save as notes and the history name it ([`Save`]'s `Display`).
    pub fn describe(self) -> String {
        let (text, n) = self.parts();
        Text::new().str(text).num(n).done()
    }

    /// The text of [`Save::describe`] before the number, and the number.
    fn parts(self) -> (&'static str, u32) {
        match self {
            Save::Secret(n) => ("SetSecret MINIMAX_API_KEY=sk-", n),
            Save::Model(n) => ("SetModel HERMES_DEFAULT_MODEL=MiniMax-M", n),
        }
    }
}

/// [`Save::describe`]'s text, for notes that only hash it.
impl std::fmt::Display for Save {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (text, n) = self.parts();
        f.write_str(text)?;
        std::fmt::Display::fmt(&n, f)
    }
}

/// V1's per-workspace coalescer state: `{mu, running, pending}`.
pub struct CoalescerState {
    pub mu: Mutex,
    pub running: Cell<bool>,
    pub pending: Cell<bool>,
}

/// What one life of the process keeps in memory.
#[derive(Default)]
pub struct Memory {
    mutexes: RefCell<BTreeMap<u32, Mutex>>,
    coalescers: RefCell<BTreeMap<u32, Rc<CoalescerState>>>,
    goroutines: Cell<u64>,
}

/// One server process (a replica).
pub struct Server {
    pub node: NodeId,
    pub name: String,
    pub version: Version,
    pub params: Rc<RestartParams>,
    pub db: WorkspaceDb,
    pub docker: Provisioner,
    pub history: HistoryRef,
    pub locks: Locks,
    pub workspaces: Vec<u32>,
    memory: RefCell<Rc<Memory>>,
}

impl Server {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        sim: &Sim,
        name: String,
        version: Version,
        params: Rc<RestartParams>,
        db: WorkspaceDb,
        docker: Provisioner,
        history: HistoryRef,
        locks: Locks,
        workspaces: Vec<u32>,
    ) -> Rc<Server> {
        let node = sim.add_node(name.clone());
        let server = Rc::new(Server {
            node,
            name,
            version,
            params,
            db,
            docker,
            history,
            locks,
            workspaces,
            memory: RefCell::default(),
        });
        let me = server.clone();
        sim.on_restart(node, move |sim| me.boot(sim, true));
        server.boot(sim, false);
        server
    }

    /// Starts a life of the process: empty memory, and its background loops.
    fn boot(self: &Rc<Self>, sim: &Sim, restarted: bool) {
        *self.memory.borrow_mut() = Rc::new(Memory::default());
        if restarted {
            sim.note(self.node, "process starts: the coalescer map and every goroutine are gone; the DB is intact");
        }
        let reconcile = self.version == Version::Proposed || (restarted && self.params.reconcile_on_startup);
        if reconcile {
            let (me, s) = (self.clone(), sim.clone());
            go(sim, self.node, "reconcile", async move { me.reconcile_loop(&s, restarted).await });
        }
        if self.params.other_restart_paths {
            let (me, s) = (self.clone(), sim.clone());
            go(sim, self.node, "imagewatch", async move { me.other_restart_path(&s).await });
        }
    }

    pub fn memory(&self) -> Rc<Memory> {
        self.memory.borrow().clone()
    }

    /// A label for a new goroutine working on `ws` (lock owners, notes).
    pub fn goroutine(&self, ws: u32, what: &str) -> String {
        let mem = self.memory();
        mem.goroutines.set(mem.goroutines.get() + 1);
        Text::new()
            .str("ws")
            .num(ws)
            .str("/")
            .str(what)
            .str("#")
            .num(mem.goroutines.get())
            .str("@")
            .str(&self.name)
            .done()
    }

    /// V0's per-workspace mutex, made on demand.
    pub fn v0_mutex(&self, ws: u32) -> Mutex {
        let mem = self.memory();
        let mut map = mem.mutexes.borrow_mut();
        map.entry(ws).or_insert_with(|| self.locks.mutex(&format!("ws{ws}/restart.mu"), WakeOrder::Drawn)).clone()
    }

    /// V1's `stateFor(ws)`: made on demand, never deleted `[A]`.
    pub fn coalescer(&self, ws: u32) -> Rc<CoalescerState> {
        let mem = self.memory();
        let mut map = mem.coalescers.borrow_mut();
        map.entry(ws)
            .or_insert_with(|| {
                Rc::new(CoalescerState {
                    mu: self.locks.mutex(&format!("ws{ws}/coalescer.mu"), WakeOrder::Drawn),
                    running: Cell::new(false),
                    pending: Cell::new(false),
                })
            })
            .clone()
    }

    /// A client's request arrives: the HTTP handler runs as a goroutine.
    pub fn receive(self: &Rc<Self>, sim: &Sim, ws: u32, save: Save) {
        let (me, s) = (self.clone(), sim.clone());
        go(sim, self.node, save.handler(), async move { me.handle(&s, ws, save).await });
    }

    async fn handle(self: Rc<Self>, sim: &Sim, ws: u32, save: Save) {
        let before = !self.params.commit_before_restart;
        if before {
            sim::note!(sim, self.node, "{} ws{ws}: go RestartByID before the commit", save.handler());
            self.go_restart(sim, ws, Cause::Handler);
        }
        let (history, what) = (self.history.clone(), save.describe());
        let committed = self
            .db
            .commit(sim, self.node, ws, save.pairs(), move |sim, v| {
                history.borrow_mut().commit(ws, v, sim.now(), what);
            })
            .await;
        match committed {
            Ok(v) if !before => {
                sim::note!(sim, self.node, "{} ws{ws}: committed v{v} → go RestartByID", save);
                self.go_restart(sim, ws, Cause::Handler);
            }
            Ok(v) => sim::note!(sim, self.node, "{} ws{ws}: committed v{v}", save),
            Err(e) => sim::note!(sim, self.node, "{} ws{ws}: commit error: {e}", save),
        }
    }

    /// `go RestartByID(ws)`.
    pub fn go_restart(self: &Rc<Self>, sim: &Sim, ws: u32, cause: Cause) {
        let (me, s) = (self.clone(), sim.clone());
        go(sim, self.node, "RestartByID", async move {
            me.history.borrow_mut().request(ws, cause);
            me.restart_by_id(&s, ws).await;
        });
    }

    /// A Go panic nobody recovers: the whole process exits; its supervisor starts it
    /// again after a drawn delay.
    pub async fn crash_process(&self, sim: &Sim) {
        let (lo, hi) = (self.params.supervisor_restart_min_ms, self.params.supervisor_restart_max_ms);
        let down_ms = sim.between(ChoiceKind::Delay, lo, hi);
        let (node, s) = (self.node, sim.clone());
        sim.spawn(NodeId::SYSTEM, "supervisor", async move {
            s.sleep_ms(down_ms).await;
            s.restart(node);
        });
        sim.crash(self.node);
        std::future::pending::<()>().await;
    }

    /// Start-up reconcile (and, in `proposed`, the periodic one): a workspace whose
    /// latest commit no completed cycle acknowledged, or whose containers are not
    /// exactly one running container at the database's version, and which no cycle
    /// is restarting, gets a restart request. At start-up it acts
    /// at once (the crash took the goroutines); later passes act only on a mismatch
    /// already seen, at the same DB version, one interval before, so a commit whose
    /// own restart is on its way is not restarted twice.
    async fn reconcile_loop(self: Rc<Self>, sim: &Sim, restarted: bool) {
        const PASSES_MAX: u32 = 10_000;
        let interval_ms = self.params.proposed.reconcile_interval_ms;
        if !restarted {
            sim.sleep_ms(interval_ms).await;
        }
        let mut suspects: BTreeMap<u32, u64> = BTreeMap::new();
        for pass in 0..PASSES_MAX {
            for &ws in &self.workspaces.clone() {
                let (Ok(containers), Ok(row)) =
                    (self.docker.list(sim, self.node, ws).await, self.db.load(sim, self.node, ws).await)
                else {
                    continue;
                };
                let fresh = row.applied >= row.version
                    && matches!(containers.as_slice(), [c] if c.snapshot.version == row.version
                        && c.state == ContainerState::Running);
                let busy = self.coalescer(ws).running.get();
                if fresh || busy {
                    suspects.remove(&ws);
                    continue;
                }
                let seen_before = suspects.insert(ws, row.version) == Some(row.version);
                if (restarted && pass == 0) || seen_before {
                    suspects.remove(&ws);
                    sim::note!(
                        sim,
                        self.node,
                        "reconcile ws{ws}: containers differ from DB v{} → restart",
                        row.version
                    );
                    self.go_restart(sim, ws, Cause::Reconcile);
                }
            }
            if self.version != Version::Proposed {
                return;
            }
            sim.sleep_ms(interval_ms).await;
        }
    }

    /// `other_restart_paths`: a path that stops and provisions a workspace without the
    /// coalescer (an image watcher), during the fault phase.
    async fn other_restart_path(self: Rc<Self>, sim: &Sim) {
        while sim.faults_active() {
            sim.sleep_ms(sim.between(ChoiceKind::Delay, 30_000, 120_000)).await;
            if !sim.faults_active() {
                return;
            }
            let ws = self.workspaces[sim.draw(ChoiceKind::Workload, self.workspaces.len() as u64) as usize];
            self.history.borrow_mut().request(ws, Cause::Other);
            sim::note!(sim, self.node, "imagewatch: new image digest → restart ws{ws} directly");
            let token = crate::system::restart::history::begin_cycle(&self.history, ws, &self.name, sim.now());
            self.run_cycle(sim, ws, token).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Save;

    #[test]
    fn save_texts_are_the_formatted_ones() {
        for n in [0, 1, 7, 10, 4_000_000_000] {
            assert_eq!(Save::Secret(n).describe(), format!("SetSecret MINIMAX_API_KEY=sk-{n}"));
            assert_eq!(Save::Model(n).describe(), format!("SetModel HERMES_DEFAULT_MODEL=MiniMax-M{n}"));
            assert_eq!(Save::Model(n).to_string(), Save::Model(n).describe());
            assert_eq!(Save::Secret(n).to_string(), Save::Secret(n).describe());
            assert_eq!(Save::Secret(n).pairs(), vec![("MINIMAX_API_KEY".to_string(), format!("sk-{n}"))]);
            assert_eq!(Save::Model(n).pairs()[1].1, format!("MiniMax-M{n}"));
        }
    }
}
