//! `devserver/redis-lock`: one sandbox, three backend instances behind a Redis
//! `SET NX EX` lock, one to three tabs each running the `use-dev-server` hook, the
//! agent's start tool and the pool's auto-start (SYSTEMS.md S001). Ten minutes of
//! faults (lost requests and replies, crashes of tabs, backends and Redis, clock jumps,
//! dev servers that hang or crash), then twenty quiet minutes in which the dev server
//! of every mounted hook must come up and every stray process be gone.
//!
//! Variants: `v0` (before), `v1` (the note's FINAL, "PRODUCTION READY") and `proposed`
//! ([`model::system::devserver::backend`] says why it is safe).

use model::system::devserver::invariants as inv;
use model::system::devserver::params::{DevParams, DoubleCheck, LockHold, Loser, Release, Variant, WebPortTaken};
use model::system::devserver::reads;
use model::system::devserver::sandbox::{App, PROCESS_CRASH, PROCESS_HANG};
use model::system::devserver::world::{self, DevWorld};
use sim::fault::points::{CLOCK_JUMP, NET_REPLY_LOST, NET_REQUEST_LOST, NODE_CRASH};
use sim::{ChoiceSource, FaultPoint, Invariant, InvariantKind, NemesisConfig, RunResult};

use crate::params::{ParamInfo, Params};
use crate::scenario::{describe_scenario, RunOptions, Scenario, VariantInfo};

pub struct RedisLock;

const VARIANTS: &[VariantInfo] = &[
    VariantInfo { name: "v0", doc: "shared dev_server session, no lock, auto-start only with the preview tab open" },
    VariantInfo { name: "v1", doc: "FINAL: Redis SET NX EX 60 lock, double-check, cleanup, pool auto-start" },
    VariantInfo {
        name: "proposed",
        doc: "an atomic start-if-none on the sandbox, owner-only release, hook cleanups and current-state reads",
    },
];

const FAULTS: &[FaultPoint] = &[NET_REQUEST_LOST, NET_REPLY_LOST, NODE_CRASH, CLOCK_JUMP, PROCESS_HANG, PROCESS_CRASH];

pub const LOCK_TTL: ParamInfo = ParamInfo::number("lock_ttl_ms", "ms", 60_000, "the Redis lock's TTL (`ex=60`)");
pub const POOL_DELAY: ParamInfo =
    ParamInfo::number("pool_auto_start_delay_ms", "ms", 5_000, "the pool auto-starts 5 s after the sandbox is created");
pub const POOL_AUTO_START: ParamInfo =
    ParamInfo::switch("pool_auto_start", true, "V1's sandbox pool auto-starts the dev server (off isolates a bug)");
pub const RELEASE: ParamInfo = ParamInfo::choice(
    "release",
    &["del", "compare-and-delete", "ttl-only"],
    0,
    "how `finally` releases the lock; the snippet's plain SET suggests a plain DEL",
)
.assumed();
pub const LOSER: ParamInfo = ParamInfo::choice(
    "loser",
    &["already-starting", "wait", "fail"],
    0,
    "what a backend that loses SET NX does; 'prevents duplicates' reads as returning at once",
)
.assumed();
pub const DOUBLE_CHECK: ParamInfo = ParamInfo::choice(
    "double_check",
    &["port", "process", "session"],
    0,
    "what the double-check tests; 'running' to a preview means the port answers",
)
.assumed();
pub const LOCK_HOLD: ParamInfo = ParamInfo::choice(
    "lock_hold",
    &["command-issued", "until-reachable"],
    0,
    "how long the lock is held; the exec runs in the background and `finally` follows it",
)
.assumed();
pub const AUTO_START_LOCK: ParamInfo = ParamInfo::switch(
    "auto_start_takes_lock",
    true,
    "the pool's auto-start takes the same lock ('distributed locking prevents duplicates')",
)
.assumed();
pub const REDIS_LOSES_KEYS: ParamInfo = ParamInfo::switch(
    "redis_restart_loses_keys",
    true,
    "a Redis restart loses the keys (no AOF; an RDB snapshot is older than any 60 s lock)",
)
.assumed();
pub const START_SETS_RUNNING: ParamInfo =
    ParamInfo::switch("start_sets_running", true, "a successful start() sets status to running").assumed();
pub const WEB_PORT_TAKEN: ParamInfo = ParamInfo::choice(
    "web_port_taken",
    &["next-port", "exit"],
    0,
    "Next.js on a taken port 3000 moves to 3001 (its documented behaviour); Expo exits",
)
.assumed();
pub const CHECK_LATENCY: ParamInfo =
    ParamInfo::number("status_check_latency_max_ms", "ms", 10_000, "the slowest status check (a preview fetch)")
        .assumed();
pub const CLEANUP_GRACE: ParamInfo =
    ParamInfo::number("cleanup_grace_ms", "ms", 5_000, "the cleanup's graceful-termination wait").assumed();
pub const HOOKS_MAX: ParamInfo = ParamInfo::number("hooks_max", "hooks", 3, "most tabs with a hook instance");
pub const AGENT_STARTS_MAX: ParamInfo =
    ParamInfo::number("agent_starts_max", "calls", 2, "most agent calls of the start tool");
pub const USER_ACTIONS_MAX: ParamInfo =
    ParamInfo::number("user_actions_max", "actions", 6, "most user actions per tab (re-render, refresh, remount, …)");
pub const MIXED_APPS: ParamInfo =
    ParamInfo::switch("mixed_app_types", true, "a tab may show the other app type of the sandbox (web and mobile)");
pub const SANDBOX_APP: ParamInfo =
    ParamInfo::choice("sandbox_app", &["drawn", "web", "mobile"], 0, "the sandbox's app type (drawn by default)");
pub const HUNG_AFTER: ParamInfo = ParamInfo::number(
    "hung_after_ms",
    "ms",
    300_000,
    "proposed: a start older than this is hung (longest healthy: 190 s)",
);

const PARAMS: &[ParamInfo] = &[
    LOCK_TTL,
    POOL_DELAY,
    POOL_AUTO_START,
    RELEASE,
    LOSER,
    DOUBLE_CHECK,
    LOCK_HOLD,
    AUTO_START_LOCK,
    REDIS_LOSES_KEYS,
    START_SETS_RUNNING,
    WEB_PORT_TAKEN,
    CHECK_LATENCY,
    CLEANUP_GRACE,
    HOOKS_MAX,
    AGENT_STARTS_MAX,
    USER_ACTIONS_MAX,
    MIXED_APPS,
    SANDBOX_APP,
    HUNG_AFTER,
];

/// The model's parameters from a run's parameter values.
pub fn dev_params(p: &Params) -> DevParams {
    let d = DevParams::default();
    DevParams {
        lock_ttl_ms: p.get(&LOCK_TTL),
        pool_auto_start_delay_ms: p.get(&POOL_DELAY),
        pool_auto_start: p.on(&POOL_AUTO_START),
        release: [Release::Del, Release::CompareAndDelete, Release::TtlOnly][p.get(&RELEASE) as usize],
        loser: [Loser::AlreadyStarting, Loser::Wait, Loser::Fail][p.get(&LOSER) as usize],
        double_check: [DoubleCheck::Port, DoubleCheck::Process, DoubleCheck::Session][p.get(&DOUBLE_CHECK) as usize],
        lock_hold: [LockHold::CommandIssued, LockHold::UntilReachable][p.get(&LOCK_HOLD) as usize],
        auto_start_takes_lock: p.on(&AUTO_START_LOCK),
        redis_restart_loses_keys: p.on(&REDIS_LOSES_KEYS),
        start_sets_running: p.on(&START_SETS_RUNNING),
        web_port_taken: [WebPortTaken::NextPort, WebPortTaken::Exit][p.get(&WEB_PORT_TAKEN) as usize],
        status_check_latency_max_ms: p.get(&CHECK_LATENCY),
        cleanup_grace_ms: p.get(&CLEANUP_GRACE),
        hooks_max: p.get(&HOOKS_MAX).max(1),
        agent_starts_max: p.get(&AGENT_STARTS_MAX),
        user_actions_max: p.get(&USER_ACTIONS_MAX),
        mixed_app_types: p.on(&MIXED_APPS),
        sandbox_app: [None, Some(App::Web), Some(App::Mobile)][p.get(&SANDBOX_APP) as usize],
        hung_after_ms: p.get(&HUNG_AFTER),
        ..d
    }
}

const fn safety(
    name: &'static str,
    doc: &'static str,
    check: fn(&DevWorld, &sim::Sim) -> Result<(), String>,
) -> Invariant<DevWorld> {
    Invariant::new(name, InvariantKind::Safety, doc, check)
}

const fn at_end(
    name: &'static str,
    doc: &'static str,
    check: fn(&DevWorld, &sim::Sim) -> Result<(), String>,
) -> Invariant<DevWorld> {
    Invariant::new(name, InvariantKind::Liveness, doc, check)
}

const INVARIANTS: &[Invariant<DevWorld>] = &[
    safety("single-dev-server", "I2: at most one dev-server process per sandbox and app type", inv::single_dev_server)
        .reading(reads::SANDBOX),
    safety("distinct-sessions", "I10: web and mobile never share a session", inv::distinct_sessions)
        .reading(reads::SANDBOX),
    safety(
        "no-redundant-start",
        "I15: no start over a non-stopped status or a start in flight (per tab), nor over a live dev server",
        inv::no_redundant_start,
    )
    .reading(reads::GHOST),
    safety("ui-status-latest", "I8: a status response never overwrites a newer observation", inv::ui_status_latest)
        .reading(reads::GHOST),
    safety("owner-only-release", "I5: a lock is released only by its owner", inv::owner_only_release)
        .reading(reads::RELEASES),
    safety(
        "one-poller-per-hook",
        "L6: at most one poller and one pending auto-start timer per hook instance",
        inv::one_poller_per_hook,
    )
    .reading(reads::TIMERS | reads::HOOKS),
    safety(
        "timers-cleared-on-unmount",
        "L6 (the text's claim): an unmounted hook leaves no timer behind",
        inv::timers_cleared_on_unmount,
    )
    .reading(reads::TIMERS | reads::HOOKS),
    at_end("dev-server-up", "L7: every mounted hook's app has a dev server listening", inv::dev_server_up),
    at_end(
        "no-orphan-process",
        "I3 (quiescent): every live dev-server process serves its port",
        inv::no_orphan_process,
    ),
];

impl Scenario for RedisLock {
    describe_scenario! {
        name: "devserver/redis-lock",
        doc: "dev-server starts behind a Redis SET NX EX lock, polled by React hooks in tabs (SYSTEMS.md S001)",
        variants: VARIANTS,
        invariants: INVARIANTS,
        faults: FAULTS,
        params: PARAMS,
        goals: crate::goals::DEVSERVER,
    }

    fn run(&self, variant: &str, source: ChoiceSource, options: &RunOptions) -> RunResult {
        let variant = match variant {
            "v0" => Variant::V0,
            "v1" => Variant::V1,
            "proposed" => Variant::Proposed,
            other => panic!("devserver/redis-lock has no variant {other}"),
        };
        let (faults, params) = (options.faults, dev_params(&options.params));
        let setup = move |sim: &sim::Sim| {
            faults.install(sim, FAULTS);
            let world = world::build(sim, variant, params);
            let mut targets = world.tabs.clone();
            targets.extend(world.shared.backends.iter().copied());
            targets.push(world.shared.redis.node());
            sim.spawn_nemesis(NemesisConfig {
                targets,
                tick_min_ms: 1_000,
                tick_max_ms: 60_000,
                ..NemesisConfig::default()
            });
            world
        };
        let config = options.run_config(600_000, 1_200_000, 300_000);
        sim::run_with_tracked_footprint(source, &config, setup, INVARIANTS, reads::footprint)
    }
}
