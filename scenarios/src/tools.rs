//! `tools/siblings`: one assistant turn issues two to four sibling tool calls that run
//! concurrently (tasks, bash, file reads and edits, inserts, skill writes, config
//! writes), while the UI drives `ProviderService`, secrets are updated and other
//! services save the config; the user may abort the stream at any instant, spawns and
//! migrations fail, sub-agents are slow.
//!
//! Variants: the text's versions `v0`–`v10` (SYSTEMS.md S004.B) and `proposed`
//! ([`model::system::tools::version::PROPOSED`] says what it changes and why).

pub mod bugs;

use model::system::tools::backend::{ToolsParams, AGENT_SLOW, MIGRATE_FAIL, SPAWN_FAIL, STREAM_ABORT};
use model::system::tools::invariants as inv;
use model::system::tools::reads;
use model::system::tools::version::{by_name, Version, DESIGNS, VERSIONS};
use model::system::tools::world::{self, ToolsWorld};
use sim::{ChoiceSource, FaultPoint, Invariant, InvariantKind, RunConfig, RunResult};

use crate::params::{ParamInfo, Params};
use crate::scenario::{describe_scenario, RunOptions, Scenario, VariantInfo};

pub struct Siblings;

const VARIANTS: &[VariantInfo] = &[
    VariantInfo { name: "v0", doc: "before #2906: siblings in parallel, editConfigQueue, no other locks" },
    VariantInfo { name: "v1", doc: "#2906 withSequentialExecution: one stream mutex around every tool" },
    VariantInfo { name: "v2", doc: "5db9e90/c4ade72: provably forked tasks are exempt from the mutex" },
    VariantInfo { name: "v3", doc: "1505b69: a FIFO-fair stream RW lock, forked tasks read" },
    VariantInfo { name: "v4", doc: "7c44e03: the revert, siblings fully parallel" },
    VariantInfo { name: "v5", doc: "546db28: file_edit_insert's create-on-missing under the per-file lock" },
    VariantInfo { name: "v6", doc: "a5f6c39: mux_config_write under a per-document lock" },
    VariantInfo { name: "v7", doc: "591c134: process IDs reserved synchronously" },
    VariantInfo { name: "v8", doc: "edd89a3: withConfigFileLock shared by editConfig and the tool" },
    VariantInfo { name: "v9", doc: "61ed07a: providers.jsonc and secrets.json writers take the file lock" },
    VariantInfo { name: "v10", doc: "037f3ae (final): routePriority merged under the lock" },
    VariantInfo {
        name: "proposed",
        doc: "v10 + abort re-checked after every lock, all config writers locked, checkout locks for forks",
    },
];

const FAULTS: &[FaultPoint] = &[STREAM_ABORT, SPAWN_FAIL, MIGRATE_FAIL, AGENT_SLOW];

pub const SIBLINGS_MAX: ParamInfo =
    ParamInfo::number("siblings_max", "calls", 4, "most sibling calls in one turn (at least 2)").assumed();
pub const CALL_STAGGER_MS: ParamInfo = ParamInfo::number(
    "call_stagger_ms",
    "ms",
    30,
    "each sibling call starts 0..=this after the turn begins (tool calls stream in one by one)",
)
.assumed();
pub const IO_MS_MAX: ParamInfo =
    ParamInfo::number("io_ms_max", "ms", 5, "longest file-system or process await (each is 1..=this)").assumed();
pub const AGENT_REPORT_MAX_MS: ParamInfo =
    ParamInfo::number("agent_report_max_ms", "ms", 60_000, "longest normal sub-agent run (from 2 s)").assumed();
pub const AGENT_SLOW_MS: ParamInfo =
    ParamInfo::number("agent_slow_ms", "ms", 300_000, "a slow sub-agent's run (the task.agent.slow fault)").assumed();
pub const ACTIONS_WINDOW_MS: ParamInfo = ParamInfo::number(
    "actions_window_ms",
    "ms",
    60,
    "UI, secrets, service and CLI writers start within this window of the turn (so they overlap the tools)",
)
.assumed();
pub const PROVIDER_OPS_MAX: ParamInfo =
    ParamInfo::number("provider_ops_max", "ops", 3, "most ProviderService actions by the UI in a run").assumed();
pub const SECRETS_UPDATES_MAX: ParamInfo =
    ParamInfo::number("secrets_updates_max", "ops", 2, "most concurrent secrets updates in a run").assumed();
pub const DIRECT_SAVE_FLOWS_MAX: ParamInfo = ParamInfo::number(
    "direct_save_flows_max",
    "flows",
    1,
    "most project/workspace service flows calling saveConfig directly",
)
.assumed();
pub const CLI_BOOTSTRAP: ParamInfo =
    ParamInfo::switch("cli_bootstrap", true, "a CLI bootstrap writer (in process) may write config.json").assumed();
pub const TOOLS_HONOR_ABORT: ParamInfo = ParamInfo::switch(
    "tools_honor_abort",
    true,
    "every tool but mux_config_write checks the abort signal when it begins its side effects",
)
.assumed();

const PARAMS: &[ParamInfo] = &[
    SIBLINGS_MAX,
    CALL_STAGGER_MS,
    IO_MS_MAX,
    AGENT_REPORT_MAX_MS,
    AGENT_SLOW_MS,
    ACTIONS_WINDOW_MS,
    PROVIDER_OPS_MAX,
    SECRETS_UPDATES_MAX,
    DIRECT_SAVE_FLOWS_MAX,
    CLI_BOOTSTRAP,
    TOOLS_HONOR_ABORT,
];

const fn safety(
    name: &'static str,
    doc: &'static str,
    check: fn(&ToolsWorld, &sim::Sim) -> Result<(), String>,
) -> Invariant<ToolsWorld> {
    Invariant::new(name, InvariantKind::Safety, doc, check)
}

const INVARIANTS: &[Invariant<ToolsWorld>] = &[
    safety(
        "one-rmw-per-file",
        "I1: one read-modify-write of a config file or insert target at a time",
        inv::one_rmw_per_file,
    )
    .reading(reads::GHOST),
    safety("no-lost-update", "I7: inserts accumulate and every config mutation persists", inv::no_lost_update)
        .reading(reads::GHOST),
    safety(
        "fork-snapshot-atomic",
        "I9: a fork copies the checkout as it was at one instant",
        inv::fork_snapshot_atomic,
    )
    .reading(reads::GHOST),
    safety(
        "unique-process-ids",
        "I10: in-flight and registered processes have distinct IDs and dirs",
        inv::unique_process_ids,
    )
    .reading(reads::GHOST),
    safety(
        "abort-safety",
        "I13: no call that had not begun by the abort has a side effect after it",
        inv::abort_safety,
    )
    .reading(reads::GHOST),
    safety("no-deadlock", "I16: the wait-for graph is acyclic; no lock is re-acquired by its holder", inv::no_deadlock)
        .reading(reads::LOCKS),
    safety(
        "parallel-progress",
        "L6: no sibling waits on a lock held across another sibling's unrelated work",
        inv::parallel_progress,
    )
    .reading(reads::GHOST),
    Invariant {
        name: "calls-finish",
        kind: InvariantKind::Liveness,
        doc: "every sibling call returns by the end of the run",
        check: inv::calls_finish,
        reads: 0,
    },
];

fn run_config(options: &RunOptions) -> RunConfig {
    options.run_config(400_000, 400_000, 50_000)
}

/// The model's parameters from the scenario's (defaults, or `--param` overrides).
pub fn tools_params(params: &Params) -> ToolsParams {
    ToolsParams {
        siblings_max: params.get(&SIBLINGS_MAX).max(2),
        call_stagger_ms: params.get(&CALL_STAGGER_MS),
        io_ms_max: params.get(&IO_MS_MAX).max(1),
        agent_report_max_ms: params.get(&AGENT_REPORT_MAX_MS).max(2_000),
        agent_slow_ms: params.get(&AGENT_SLOW_MS),
        actions_window_ms: params.get(&ACTIONS_WINDOW_MS),
        provider_ops_max: params.get(&PROVIDER_OPS_MAX),
        secrets_updates_max: params.get(&SECRETS_UPDATES_MAX),
        direct_save_flows_max: params.get(&DIRECT_SAVE_FLOWS_MAX),
        cli_bootstrap: params.on(&CLI_BOOTSTRAP),
        tools_honor_abort: params.on(&TOOLS_HONOR_ABORT),
        ..ToolsParams::default()
    }
}

impl Scenario for Siblings {
    describe_scenario! {
        name: "tools/siblings",
        doc: "parallel sibling tool calls, per-resource locks, config writers and aborts (SYSTEMS.md S004)",
        variants: VARIANTS,
        invariants: INVARIANTS,
        faults: FAULTS,
        params: PARAMS,
        goals: crate::goals::TOOLS,
    }

    fn run(&self, variant: &str, source: ChoiceSource, options: &RunOptions) -> RunResult {
        let version = by_name(variant).unwrap_or_else(|| panic!("tools/siblings has no variant {variant}"));
        debug_assert_eq!(VERSIONS.len() + DESIGNS.len(), VARIANTS.len());
        run_version(version, source, options)
    }
}

fn run_version(version: Version, source: ChoiceSource, options: &RunOptions) -> RunResult {
    let faults = options.faults;
    let params = tools_params(&options.params);
    let setup = move |sim: &sim::Sim| {
        faults.install(sim, FAULTS);
        world::build(sim, version, params)
    };
    sim::run_with_tracked_footprint(source, &run_config(options), setup, INVARIANTS, reads::footprint)
}
