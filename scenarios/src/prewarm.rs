//! `prewarm/mkdir-lock`: eve processes on one or more hosts prewarm sandbox
//! templates under a `mkdir` lock directory, or wait for a running prewarm, then use
//! the template (SYSTEMS.md S002). Processes are killed at random moments and
//! between their file system calls, skipping their `finally`, and are relaunched.
//! Forty-five minutes of faults, then an hour of quiet.
//!
//! `profile=text` (the default) is the world the text describes: one host, a local
//! file system, pids never reused, exact clocks, kills. `profile=full` adds what real
//! deployments add: a second host sharing the lock directory over a network file
//! system on half the runs (sharing the hostname on a quarter of those), pid reuse
//! with background processes, zombies, container restarts, file server crashes that
//! lose unsynced writes, host clocks skewed up to two minutes and jumping, and on a
//! quarter of the runs a pre-upgrade (V0) process holding template 0's lock at t=0.

use model::substrate::fs::Durability;
use model::system::prewarm::faults::{
    FS_SERVER_CRASH, HOST_RESTART, PROCESS_KILL, PROCESS_KILL_AT_STEP, PROCESS_UNREAPED,
};
use model::system::prewarm::invariants as inv;
use model::system::prewarm::reads;
use model::system::prewarm::version::{by_name, Version};
use model::system::prewarm::world::{build, PrewarmParams, World};
use model::system::prewarm::{actor, chaos};
use model::system::text::Text;
use sim::fault::points::CLOCK_JUMP;
use sim::{ChoiceKind, ChoiceSource, FaultPoint, Invariant, InvariantKind, Ratio, RunResult};

use crate::params::{ParamInfo, Params};
use crate::scenario::{describe_scenario, RunOptions, Scenario, VariantInfo};

pub struct MkdirLock;

/// The same scenario with `profile=full` by default, so the CLI (which takes no
/// parameter overrides yet) can run and replay it: `prewarm/mkdir-lock-full`.
pub struct MkdirLockFull;

const VARIANTS: &[VariantInfo] = &[
    VariantInfo { name: "v0", doc: "owner.json {pid}, no liveness check, 30 min mtime stale window (before the PR)" },
    VariantInfo { name: "v0.5", doc: "never shipped: V1's kill(pid, 0) check without the hostname gate" },
    VariantInfo { name: "v1", doc: "FINAL: {pid, hostname}; same-host dead -> reclaim, alive -> kept, else 10 min mtime" },
    VariantInfo {
        name: "proposed",
        doc: "generation directories created by rename, pid+start-time+namespace liveness, heartbeats, per-generation timeout",
    },
];

const TEXT_FAULTS: &[FaultPoint] = &[PROCESS_KILL, PROCESS_KILL_AT_STEP];
const FULL_FAULTS: &[FaultPoint] =
    &[PROCESS_KILL, PROCESS_KILL_AT_STEP, PROCESS_UNREAPED, HOST_RESTART, FS_SERVER_CRASH, CLOCK_JUMP];

pub const LOCK_TIMEOUT_MS: ParamInfo =
    ParamInfo::number("lock_timeout_ms", "ms", 900_000, "LOCK_TIMEOUT_MS: 15 min in V0 and V1 (S002.A)");
pub const STALE_V0_MS: ParamInfo =
    ParamInfo::number("stale_lock_ms_v0", "ms", 1_800_000, "STALE_LOCK_MS before the PR: 30 min (S002.A)");
pub const STALE_V1_MS: ParamInfo =
    ParamInfo::number("stale_lock_ms_v1", "ms", 600_000, "STALE_LOCK_MS in V1 (and v0.5): 10 min (S002.A)");
pub const POLL_MS: ParamInfo = ParamInfo::number(
    "poll_ms",
    "ms",
    1_000,
    "the waiter's poll interval; not stated, and the PR's test (dead owner reclaimed in < 5 s) needs it well under 5 s",
)
.assumed();
pub const PROFILE: ParamInfo = ParamInfo::choice(
    "profile",
    &["text", "full"],
    0,
    "text: the world the text describes; full: pid reuse, zombies, container restarts, shared dirs across hosts, \
     file server crashes, skewed and jumping clocks, a pre-upgrade holder",
)
.assumed();
/// [`PROFILE`] with `full` as its default, for `prewarm/mkdir-lock-full`.
pub const PROFILE_FULL: ParamInfo = ParamInfo { default: 1, ..PROFILE };
pub const HOSTS: ParamInfo = ParamInfo::number(
    "hosts",
    "hosts",
    1,
    "hosts sharing the lock directory; the text's backends run the prewarm on the waiter's host (profile=full draws 1 or 2)",
)
.assumed();
pub const SHARED_HOSTNAME: ParamInfo = ParamInfo::switch(
    "shared_hostname",
    false,
    "hosts (containers) report one hostname with separate pid namespaces (--net=host / --uts=host)",
)
.assumed();
pub const PROCESSES_MAX: ParamInfo =
    ParamInfo::number("processes_max", "processes", 3, "eve processes per host, drawn from 1 to this").assumed();
pub const TEMPLATES_MAX: ParamInfo =
    ParamInfo::number("templates_max", "templates", 2, "templates, drawn from 1 to this").assumed();
pub const ARRIVAL_MAX_MS: ParamInfo =
    ParamInfo::number("arrival_max_ms", "ms", 1_200_000, "processes start within the first 20 min").assumed();
pub const PREWARM_SHORT_MAX_MS: ParamInfo =
    ParamInfo::number("prewarm_short_max_ms", "ms", 120_000, "a short prewarm takes 5 s to this").assumed();
pub const PREWARM_LONG_MAX_MS: ParamInfo = ParamInfo::number(
    "prewarm_long_max_ms",
    "ms",
    2_400_000,
    "a long prewarm takes up to 40 min: 'a legitimate prewarm may run longer than the stale window' (PR text)",
)
.assumed();
pub const LONG_PREWARM_PER_16: ParamInfo =
    ParamInfo::number("long_prewarm_per_16", "/16", 4, "how often a prewarm is long, in sixteenths").assumed();
pub const USER_ROLE_PER_16: ParamInfo = ParamInfo::number(
    "user_role_per_16",
    "/16",
    8,
    "how often a process calls waitForSandboxTemplatePrewarmLock first (a sandbox user), in sixteenths",
)
.assumed();
pub const PID_REUSE_WINDOW: ParamInfo = ParamInfo::number(
    "pid_reuse_window",
    "pids",
    1,
    "1: pids strictly sequential (no reuse within a run); n: a new pid may be one of the n-1 most recently freed",
)
.assumed();
pub const BACKGROUND_PROCESSES: ParamInfo =
    ParamInfo::number("background_processes", "processes", 0, "other processes per host that start and exit").assumed();
pub const LEGACY_HOLDER: ParamInfo = ParamInfo::switch(
    "legacy_holder",
    false,
    "a pre-upgrade (V0) process holds template 0's lock at t=0, owner.json without hostname",
)
.assumed();
pub const RM: ParamInfo = ParamInfo::choice(
    "rm",
    &["stepwise", "atomic"],
    0,
    "rm -r as Node's fs.rm({recursive}) does it (unlink entries, then rmdir), or in one step",
)
.assumed();
pub const STALE_THEN: ParamInfo = ParamInfo::choice(
    "stale_then",
    &["return", "reloop"],
    0,
    "after removing a stale lock the waiter returns (the pseudocode) or polls again ([A: return vs re-loop])",
)
.assumed();
pub const DURABILITY: ParamInfo = ParamInfo::choice(
    "durability",
    &["immediate", "lose-unsynced"],
    0,
    "what a file server (or host) crash does to unsynced writes (profile=full: lose-unsynced)",
)
.assumed();
pub const CLOCK_SKEW_MAX_MS: ParamInfo = ParamInfo::number(
    "clock_skew_max_ms",
    "ms",
    0,
    "each host's clock starts off the file server's by up to this, either way (profile=full: 120000)",
)
.assumed();
pub const RELAUNCH: ParamInfo =
    ParamInfo::switch("relaunch", true, "a killed eve process is started again 5 s to 5 min later").assumed();
pub const HEARTBEAT_MS: ParamInfo =
    ParamInfo::number("heartbeat_ms", "ms", 15_000, "proposed: the holder's heartbeat interval").assumed();
pub const HEARTBEAT_STALE_MS: ParamInfo = ParamInfo::number(
    "heartbeat_stale_ms",
    "ms",
    120_000,
    "proposed: a heartbeat unchanged this long on the waiter's monotonic clock means the holder is dead",
)
.assumed();

macro_rules! params_with_profile {
    ($profile:expr) => {
        &[
            LOCK_TIMEOUT_MS,
            STALE_V0_MS,
            STALE_V1_MS,
            POLL_MS,
            $profile,
            HOSTS,
            SHARED_HOSTNAME,
            PROCESSES_MAX,
            TEMPLATES_MAX,
            ARRIVAL_MAX_MS,
            PREWARM_SHORT_MAX_MS,
            PREWARM_LONG_MAX_MS,
            LONG_PREWARM_PER_16,
            USER_ROLE_PER_16,
            PID_REUSE_WINDOW,
            BACKGROUND_PROCESSES,
            LEGACY_HOLDER,
            RM,
            STALE_THEN,
            DURABILITY,
            CLOCK_SKEW_MAX_MS,
            RELAUNCH,
            HEARTBEAT_MS,
            HEARTBEAT_STALE_MS,
            LEGACY_STALE_MS,
        ]
    };
}

const PARAMS: &[ParamInfo] = params_with_profile!(PROFILE);
const PARAMS_FULL: &[ParamInfo] = params_with_profile!(PROFILE_FULL);

pub const LEGACY_STALE_MS: ParamInfo = ParamInfo::number(
    "legacy_stale_ms",
    "ms",
    3_600_000,
    "proposed: a pre-upgrade lock is respected this long after a waiter first sees it (above the longest prewarm)",
)
.assumed();

const fn safety(
    name: &'static str,
    doc: &'static str,
    check: fn(&World, &sim::Sim) -> Result<(), String>,
) -> Invariant<World> {
    Invariant::new(name, InvariantKind::Safety, doc, check)
}

const INVARIANTS: &[Invariant<World>] = &[
    safety("mutex", "I1: at most one prewarm per template at a time", inv::mutex).reading(reads::PREWARMS),
    safety("owner-only-release", "I5: a release removes only the releaser's own lock", inv::owner_only_release)
        .reading(reads::BROKEN_RULES),
    safety("no-premature-reclaim", "I6: no lock is reclaimed from a live holder", inv::no_premature_reclaim)
        .reading(reads::BROKEN_RULES),
    safety(
        "artifact-integrity",
        "I14: nobody uses a template while a prewarm of it runs or before one completed",
        inv::artifact_integrity,
    )
    .reading(reads::BROKEN_RULES),
    safety(
        "bounded-reclaim",
        "L2: a dead holder's lock is freed within ~one poll (same host, pid on record) or the stale window",
        inv::bounded_reclaim,
    )
    .reading(reads::RECLAIM_DEADLINE | reads::RECLAIM_OVERDUE),
    safety(
        "no-spurious-timeout",
        "L5: a waiter times out only while a live holder holds the lock",
        inv::no_spurious_timeout,
    )
    .reading(reads::BROKEN_RULES),
    safety(
        "stale-below-timeout",
        "P2: every lock a waiter judges by mtime goes stale before that waiter's deadline",
        inv::stale_below_timeout,
    )
    .reading(reads::BROKEN_RULES),
];

/// The model's parameters for one run: the user's values, then the full profile's
/// draws on top.
fn model_params(sim: &sim::Sim, p: &Params, full: bool) -> PrewarmParams {
    let mut m = PrewarmParams {
        lock_timeout_ms: p.get(&LOCK_TIMEOUT_MS),
        stale_v0_ms: p.get(&STALE_V0_MS),
        stale_v1_ms: p.get(&STALE_V1_MS),
        poll_ms: p.get(&POLL_MS).max(1),
        hosts: p.get(&HOSTS).max(1) as usize,
        shared_hostname: p.on(&SHARED_HOSTNAME),
        processes_max: p.get(&PROCESSES_MAX).max(1) as usize,
        templates_max: p.get(&TEMPLATES_MAX).max(1) as usize,
        arrival_max_ms: p.get(&ARRIVAL_MAX_MS),
        prewarm_short_max_ms: p.get(&PREWARM_SHORT_MAX_MS).max(5_000),
        prewarm_long_max_ms: p.get(&PREWARM_LONG_MAX_MS).max(p.get(&PREWARM_SHORT_MAX_MS).max(5_000)),
        long_prewarm: Ratio::new(p.get(&LONG_PREWARM_PER_16).min(16) as u32, 16),
        user_role: Ratio::new(p.get(&USER_ROLE_PER_16).min(16) as u32, 16),
        pid_reuse_window: p.get(&PID_REUSE_WINDOW).max(1) as u32,
        pid_range: 32_000,
        background_processes: p.get(&BACKGROUND_PROCESSES) as usize,
        legacy_holder: p.on(&LEGACY_HOLDER),
        rm_stepwise: p.get(&RM) == 0,
        stale_reloops: p.get(&STALE_THEN) == 1,
        durability: if p.get(&DURABILITY) == 1 { Durability::LoseUnsynced } else { Durability::Immediate },
        clock_skew_max_ms: p.get(&CLOCK_SKEW_MAX_MS),
        relaunch: p.on(&RELAUNCH),
        heartbeat_ms: p.get(&HEARTBEAT_MS).max(1),
        heartbeat_stale_ms: p.get(&HEARTBEAT_STALE_MS),
        legacy_stale_ms: p.get(&LEGACY_STALE_MS),
    };
    if full {
        m.hosts = m.hosts.max(sim.between(ChoiceKind::Workload, 1, 2) as usize);
        m.shared_hostname |= m.hosts > 1 && sim.chance(ChoiceKind::Workload, Ratio::new(1, 4));
        m.pid_reuse_window = m.pid_reuse_window.max(4);
        m.background_processes = m.background_processes.max(3);
        m.legacy_holder |= sim.chance(ChoiceKind::Workload, Ratio::new(1, 4));
        m.durability = Durability::LoseUnsynced;
        m.clock_skew_max_ms = m.clock_skew_max_ms.max(120_000);
    }
    m
}

impl Scenario for MkdirLock {
    describe_scenario! {
        name: "prewarm/mkdir-lock",
        doc: "eve processes prewarm sandbox templates under a mkdir lock with pid-liveness reclaim (SYSTEMS.md S002)",
        variants: VARIANTS,
        invariants: INVARIANTS,
        faults: FULL_FAULTS,
        params: PARAMS,
        goals: crate::goals::PREWARM,
    }

    fn run(&self, variant: &str, source: ChoiceSource, options: &RunOptions) -> RunResult {
        let version = by_name(variant).unwrap_or_else(|| panic!("prewarm/mkdir-lock has no variant {variant}"));
        run_version(version, source, options, &PROFILE)
    }
}

impl Scenario for MkdirLockFull {
    describe_scenario! {
        name: "prewarm/mkdir-lock-full",
        doc: "prewarm/mkdir-lock under profile=full: pid reuse, zombies, restarts, shared dirs, skewed clocks",
        variants: VARIANTS,
        invariants: INVARIANTS,
        faults: FULL_FAULTS,
        params: PARAMS_FULL,
        goals: crate::goals::PREWARM,
    }

    fn run(&self, variant: &str, source: ChoiceSource, options: &RunOptions) -> RunResult {
        let version = by_name(variant).unwrap_or_else(|| panic!("prewarm/mkdir-lock-full has no variant {variant}"));
        run_version(version, source, options, &PROFILE_FULL)
    }
}

fn run_version(version: Version, source: ChoiceSource, options: &RunOptions, profile: &ParamInfo) -> RunResult {
    let (faults, params) = (options.faults, options.params.clone());
    let full = params.get(profile) == 1;
    let setup = move |sim: &sim::Sim| {
        faults.install(sim, if full { FULL_FAULTS } else { TEXT_FAULTS });
        let m = model_params(sim, &params, full);
        let world = build(sim, version, m);
        // `{n} host(s) [{names, ...}], {t} template(s), file server {node}`, without `format!`.
        let mut line = Text::new().num(world.hosts.len() as u64).str(" host(s) [");
        for (i, h) in world.hosts.iter().enumerate() {
            line = line.str(if i == 0 { "" } else { ", " }).str(&h.name);
        }
        let server = sim.node_name(world.fs.server());
        sim.describe_workload(
            line.str("], ").num(world.templates as u64).str(" template(s), file server ").str(&server).done(),
        );
        for s in &world.slots {
            // `{node} on host{h}: {role} template {t} at {s} s{legacy}`, without `format!`.
            sim.describe_workload(
                Text::new()
                    .str(&sim.node_name(s.node))
                    .str(" on host")
                    .num(s.host as u64)
                    .str(": ")
                    .str(if s.user_role { "waits for, then uses" } else { "prewarms" })
                    .str(" template ")
                    .num(s.template as u64)
                    .str(" at ")
                    .num(s.arrival_ms / 1000)
                    .str(" s")
                    .str(if s.legacy { " (pre-upgrade V0 process holding the lock)" } else { "" })
                    .done(),
            );
        }
        actor::start_all(sim, &world);
        chaos::start(sim, &world);
        world
    };
    let config = options.run_config(2_700_000, 3_600_000, 400_000);
    sim::run_with_tracked_footprint(source, &config, setup, INVARIANTS, reads::footprint)
}
