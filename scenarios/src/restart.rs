//! `restart/coalescer`: canvases save secrets and models on one to three workspaces of
//! a Go workspace server; each save commits to the database and restarts the
//! workspace's container through a Docker-like daemon. The server process crashes and
//! is redeployed, pulls hang, starts fail, stops are slow, cycles panic and
//! notifications are lost. Five minutes of faults, then ten quiet minutes in which
//! every workspace must run a container with its latest configuration.
//!
//! Variants: `v0` and `v1` (SYSTEMS.md S003.B) and `proposed`, a design meant to keep
//! every invariant ([`model::system::restart::version::Version::Proposed`] says why).

use model::substrate::provisioner::{ProvisionerParams, PROVISIONER_FAULT_POINTS};
use model::system::restart::cycle::CYCLE_PANIC;
use model::system::restart::invariants as inv;
use model::system::restart::reads;
use model::system::restart::version::Version;
use model::system::restart::world::{self, RestartParams, RestartWorld, Workload};
use sim::fault::points::NODE_CRASH;
use sim::{ChoiceSource, FaultPoint, Invariant, InvariantKind, NemesisConfig, RunConfig, RunResult};

use crate::params::{ParamInfo, Params};
use crate::scenario::{describe_scenario, FaultMode, RunOptions, Scenario, VariantInfo};

/// One of the restart scenarios: the full fault profile or none, on the mixed
/// workload or on the contract workloads.
pub struct Restart {
    name: &'static str,
    doc: &'static str,
    /// Faults off whatever the options say.
    quiet: bool,
    /// The contract workloads (one of single, burst, sequential per run).
    contract: bool,
}

/// `restart/coalescer`: the mixed workload under the full fault profile.
pub const COALESCER: Restart = Restart {
    name: "restart/coalescer",
    doc: "a Go server restarts workspace containers after secret and model saves (SYSTEMS.md S003)",
    quiet: false,
    contract: false,
};

/// `restart/no-faults`: the same workload, no fault at all (the text's own setting).
pub const NO_FAULTS: Restart = Restart {
    name: "restart/no-faults",
    doc: "restart/coalescer with every fault off: crash-free, fault-free runs",
    quiet: true,
    contract: false,
};

/// `restart/contract`: the text's contract tests, drawn per run, without faults.
pub const CONTRACT: Restart = Restart {
    name: "restart/contract",
    doc: "one workspace: 1 save, 2-5 saves within 300 ms, or 2-4 saves a minute apart; checks the cycle counts",
    quiet: true,
    contract: true,
};

const VARIANTS: &[VariantInfo] = &[
    VariantInfo { name: "v0", doc: "per-workspace mutex with TryLock (a busy request is dropped); async provision" },
    VariantInfo { name: "v1", doc: "FINAL: pending-flag coalescer (at most 2 cycles per burst); sync provision" },
    VariantInfo {
        name: "proposed",
        doc: "v1 + deferred reset, Docker call deadlines, named containers, DB-driven reconcile",
    },
];

const FAULTS: &[FaultPoint] = &[
    NODE_CRASH,
    PROVISIONER_FAULT_POINTS[0],
    PROVISIONER_FAULT_POINTS[1],
    PROVISIONER_FAULT_POINTS[2],
    PROVISIONER_FAULT_POINTS[3],
    CYCLE_PANIC,
];

pub const WORKLOAD: ParamInfo = ParamInfo::choice(
    "workload",
    &["mixed", "single", "burst", "sequential", "contract"],
    0,
    "mixed: bursts and single saves on 1-3 workspaces; the others shape one workspace after the text's \
     contract tests (1 save; 2-5 saves within 300 ms; 2-4 saves a minute apart; contract: one of them, \
     drawn) and check its counts",
);
pub const WORKSPACES_MAX: ParamInfo =
    ParamInfo::number("workspaces_max", "workspaces", 3, "workspaces in a mixed run (1 to this)").assumed();
pub const BURST_GAP_MAX_MS: ParamInfo = ParamInfo::number(
    "burst_gap_max_ms",
    "ms",
    2_000,
    "\"set key + pick model\": the longest pause between the two saves of a burst",
)
.assumed();
pub const REPLICAS: ParamInfo = ParamInfo::number(
    "replicas",
    "servers",
    1,
    "server replicas behind the load balancer; the text's in-memory map implies one process",
)
.assumed();
pub const RECONCILE_ON_STARTUP: ParamInfo = ParamInfo::switch(
    "reconcile_on_startup",
    false,
    "a restarted server compares containers with the DB and restarts stale workspaces; the text names none",
)
.assumed();
pub const OTHER_RESTART_PATHS: ParamInfo = ParamInfo::switch(
    "other_restart_paths",
    false,
    "another path (an image watcher) stops and provisions workspaces without the coalescer; the text names none",
)
.assumed();
pub const COMMIT_BEFORE_RESTART: ParamInfo = ParamInfo::switch(
    "commit_before_restart",
    true,
    "handlers commit their DB write before `go RestartByID` (the text: both writes commit, then the goroutines)",
);
pub const PANIC_RECOVERED: ParamInfo = ParamInfo::switch(
    "panic_recovered",
    false,
    "a panic in a restart goroutine is recovered; Go's default is that it exits the whole process",
)
.assumed();
pub const CONTAINER_NAMES: ParamInfo = ParamInfo::switch(
    "container_names",
    false,
    "v0/v1 name containers by workspace, so Docker refuses a second; the text's C02 says two containers can exist",
)
.assumed();
pub const PULL_MAX_MS: ParamInfo =
    ParamInfo::number("pull_max_ms", "ms", 5_000, "the longest image pull (from 200 ms)").assumed();
pub const START_MAX_MS: ParamInfo =
    ParamInfo::number("start_max_ms", "ms", 10_000, "the longest container start (from 1 s)").assumed();
pub const STOP_MAX_MS: ParamInfo =
    ParamInfo::number("stop_max_ms", "ms", 2_000, "the longest container stop (from 100 ms)").assumed();
pub const STOP_SLOW_MAX_MS: ParamInfo = ParamInfo::number(
    "stop_slow_max_ms",
    "ms",
    30_000,
    "the longest stop when docker.stop.slow fires (Docker's 10 s grace, then a kill)",
)
.assumed();
pub const SUPERVISOR_RESTART_MAX_MS: ParamInfo = ParamInfo::number(
    "supervisor_restart_max_ms",
    "ms",
    30_000,
    "the longest time a panicked process stays down before its supervisor restarts it (from 1 s)",
)
.assumed();

const PARAMS: &[ParamInfo] = &[
    WORKLOAD,
    WORKSPACES_MAX,
    BURST_GAP_MAX_MS,
    REPLICAS,
    RECONCILE_ON_STARTUP,
    OTHER_RESTART_PATHS,
    COMMIT_BEFORE_RESTART,
    PANIC_RECOVERED,
    CONTAINER_NAMES,
    PULL_MAX_MS,
    START_MAX_MS,
    STOP_MAX_MS,
    STOP_SLOW_MAX_MS,
    SUPERVISOR_RESTART_MAX_MS,
];

const fn safety(
    name: &'static str,
    doc: &'static str,
    check: fn(&RestartWorld, &sim::Sim) -> Result<(), String>,
) -> Invariant<RestartWorld> {
    Invariant::new(name, InvariantKind::Safety, doc, check)
}

const fn at_end(
    name: &'static str,
    doc: &'static str,
    check: fn(&RestartWorld, &sim::Sim) -> Result<(), String>,
) -> Invariant<RestartWorld> {
    Invariant::new(name, InvariantKind::Liveness, doc, check)
}

const INVARIANTS: &[Invariant<RestartWorld>] = &[
    safety(
        "one-cycle-per-workspace",
        "I1: at most one restart cycle per workspace at a time",
        inv::one_cycle_per_workspace,
    )
    .reading(reads::HISTORY),
    safety(
        "one-container-per-workspace",
        "I2: at most one container (created or running) per workspace",
        inv::one_container_per_workspace,
    )
    .reading(reads::CONTAINERS),
    safety(
        "no-unrequested-cycle",
        "contract: a cycle begins only after a request since the previous cycle began",
        inv::no_unrequested_cycle,
    )
    .reading(reads::HISTORY),
    safety(
        "workspaces-isolated",
        "contract, I16: no restart waits on another workspace's lock; no wait-for cycle",
        inv::workspaces_isolated,
    )
    .reading(reads::LOCKS),
    at_end(
        "container-env-fresh",
        "I11 (quiescent): the running container's env is the latest committed secrets and model",
        inv::container_env_fresh_at_end,
    ),
    at_end(
        "request-served",
        "L4: every commit is followed by a cycle that began after it and brought a container up",
        inv::request_served_at_end,
    ),
    at_end(
        "contract-counts",
        "contract (single/burst/sequential workloads): 1 → 1 cycle, N concurrent → 2, N sequential → N",
        inv::contract_counts_at_end,
    ),
];

/// Five minutes of faults, ten quiet minutes.
fn run_config(options: &RunOptions) -> RunConfig {
    options.run_config(300_000, 600_000, 200_000)
}

/// The model's parameters under `params`' overrides.
pub fn restart_params(params: &Params) -> RestartParams {
    let defaults = RestartParams::default();
    let workload = match params.get(&WORKLOAD) {
        1 => Workload::Single,
        2 => Workload::Burst,
        3 => Workload::Sequential,
        4 => Workload::Contract,
        _ => Workload::Mixed,
    };
    let provisioner = ProvisionerParams {
        pull_max_ms: params.get(&PULL_MAX_MS),
        start_max_ms: params.get(&START_MAX_MS),
        stop_max_ms: params.get(&STOP_MAX_MS),
        stop_slow_max_ms: params.get(&STOP_SLOW_MAX_MS),
        ..defaults.provisioner
    };
    RestartParams {
        workload,
        workspaces_max: params.get(&WORKSPACES_MAX).max(1),
        burst_gap_max_ms: params.get(&BURST_GAP_MAX_MS),
        replicas: params.get(&REPLICAS).max(1),
        reconcile_on_startup: params.on(&RECONCILE_ON_STARTUP),
        other_restart_paths: params.on(&OTHER_RESTART_PATHS),
        commit_before_restart: params.on(&COMMIT_BEFORE_RESTART),
        panic_recovered: params.on(&PANIC_RECOVERED),
        container_names: params.on(&CONTAINER_NAMES),
        supervisor_restart_max_ms: params.get(&SUPERVISOR_RESTART_MAX_MS).max(defaults.supervisor_restart_min_ms),
        provisioner,
        ..defaults
    }
}

impl Scenario for Restart {
    fn name(&self) -> &'static str {
        self.name
    }

    fn doc(&self) -> &'static str {
        self.doc
    }

    describe_scenario! {
        variants: VARIANTS,
        invariants: INVARIANTS,
        faults: FAULTS,
        params: PARAMS,
        goals: crate::goals::RESTART,
    }

    fn run(&self, variant: &str, source: ChoiceSource, options: &RunOptions) -> RunResult {
        let version = Version::by_name(variant).unwrap_or_else(|| panic!("restart/coalescer has no variant {variant}"));
        let mut params = restart_params(&options.params);
        if self.contract {
            params.workload = Workload::Contract;
        }
        let faults = if self.quiet { FaultMode::Off } else { options.faults };
        let setup = move |sim: &sim::Sim| {
            faults.install(sim, FAULTS);
            let world = world::build(sim, version, params);
            sim.spawn_nemesis(NemesisConfig {
                targets: world.server_nodes(),
                tick_min_ms: 5_000,
                tick_max_ms: 60_000,
                restart_min_ms: 1_000,
                restart_max_ms: 30_000,
                ..NemesisConfig::default()
            });
            world
        };
        sim::run_with_tracked_footprint(source, &run_config(options), setup, INVARIANTS, reads::footprint)
    }
}
