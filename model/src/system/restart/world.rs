//! The restart coalescer's world: the database, the Docker daemon, one or more server
//! replicas and a canvas per workspace, built from a workload drawn from the tape.
//!
//! Every workspace starts with an empty row (version 0) and a running container
//! created from it.

use std::rc::Rc;

use sim::{NodeId, Sim};

use crate::substrate::provisioner::{Provisioner, ProvisionerParams};
use crate::substrate::sync::Locks;
use crate::substrate::workspace_db::{Snapshot, WorkspaceDb};
use crate::system::restart::client::{draw_saves, spawn_client};
use crate::system::restart::history::{History, HistoryRef};
use crate::system::restart::server::Server;
use crate::system::restart::version::{ProposedParams, Version};

/// The shape of the clients' requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Workload {
    /// Bursts, single saves and pauses on several workspaces.
    Mixed,
    /// Contract: one request → one cycle.
    Single,
    /// Contract: N requests during one in-flight cycle → two cycles.
    Burst,
    /// Contract: N requests without overlap → N cycles.
    Sequential,
    /// One of the three contract workloads, drawn.
    Contract,
}

/// The workload and the `[A]` parameters. Durations in milliseconds.
#[derive(Clone, Debug)]
pub struct RestartParams {
    pub workload: Workload,
    pub workspaces_min: u64,
    pub workspaces_max: u64,
    pub episodes_max: u64,
    pub episode_gap_max_ms: u64,
    /// The gap between "set key" and "pick model".
    pub burst_gap_max_ms: u64,
    /// The pause between sequential saves: longer than any fault-free cycle.
    pub sequential_gap_ms: u64,
    pub replicas: u64,
    pub reconcile_on_startup: bool,
    pub other_restart_paths: bool,
    pub commit_before_restart: bool,
    pub panic_recovered: bool,
    pub container_names: bool,
    pub supervisor_restart_min_ms: u64,
    pub supervisor_restart_max_ms: u64,
    pub provisioner: ProvisionerParams,
    pub proposed: ProposedParams,
}

impl Default for RestartParams {
    fn default() -> RestartParams {
        RestartParams {
            workload: Workload::Mixed,
            workspaces_min: 1,
            workspaces_max: 3,
            episodes_max: 3,
            episode_gap_max_ms: 60_000,
            burst_gap_max_ms: 2_000,
            sequential_gap_ms: 60_000,
            replicas: 1,
            reconcile_on_startup: false,
            other_restart_paths: false,
            commit_before_restart: true,
            panic_recovered: false,
            container_names: false,
            supervisor_restart_min_ms: 1_000,
            supervisor_restart_max_ms: 30_000,
            provisioner: ProvisionerParams::default(),
            proposed: ProposedParams::default(),
        }
    }
}

/// Everything the invariants look at.
pub struct RestartWorld {
    pub db: WorkspaceDb,
    pub docker: Provisioner,
    pub history: HistoryRef,
    pub locks: Locks,
    pub servers: Vec<Rc<Server>>,
    pub workspaces: Vec<u32>,
    /// The cycles the text's contract promises per workspace, for contract workloads.
    pub contract: Vec<(u32, usize)>,
}

impl RestartWorld {
    pub fn server_nodes(&self) -> Vec<NodeId> {
        self.servers.iter().map(|s| s.node).collect()
    }
}

/// Builds the world for `version`.
pub fn build(sim: &Sim, version: Version, mut params: RestartParams) -> RestartWorld {
    if params.workload == Workload::Contract {
        let shapes = [Workload::Single, Workload::Burst, Workload::Sequential];
        params.workload = shapes[sim.workload(0, 2) as usize];
    }
    let single = params.workload != Workload::Mixed;
    let count = if single { 1 } else { sim.workload(params.workspaces_min, params.workspaces_max) };
    let workspaces: Vec<u32> = (1..=count as u32).collect();
    let db = WorkspaceDb::new(sim, "db", workspaces.iter().copied());
    let docker = Provisioner::new(sim, "docker", params.provisioner);
    let named = params.container_names || version == Version::Proposed;
    for &ws in &workspaces {
        docker.seed_running(ws, named.then(|| format!("ws-{ws}")), Snapshot::default());
    }
    let history: HistoryRef = Rc::new(sim::Tracked::new(History::default()));
    let locks = Locks::new(sim);
    let params = Rc::new(params);
    let servers: Vec<Rc<Server>> = (0..params.replicas.max(1))
        .map(|i| {
            let name = if params.replicas > 1 { format!("server{}", i + 1) } else { "server".to_string() };
            let deps = (db.clone(), docker.clone(), history.clone(), locks.clone());
            Server::new(sim, name, version, params.clone(), deps.0, deps.1, deps.2, deps.3, workspaces.clone())
        })
        .collect();
    let mut contract = Vec::new();
    for &ws in &workspaces {
        let saves = draw_saves(sim, &params);
        let described: Vec<String> = saves.iter().map(|(p, s)| format!("+{p} ms {s}")).collect();
        sim.describe_workload(format!("ws{ws}: {}", described.join(", ")));
        let promised = match params.workload {
            Workload::Mixed | Workload::Contract => None,
            Workload::Single => Some(1),
            Workload::Burst => Some(2),
            Workload::Sequential => Some(saves.len()),
        };
        contract.extend(promised.map(|p| (ws, p)));
        let node = sim.add_node(format!("canvas{ws}"));
        spawn_client(sim, node, ws, saves, servers.clone());
    }
    RestartWorld { db, docker, history, locks, servers, workspaces, contract }
}
