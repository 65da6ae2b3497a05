//! `launcher/multi-tab`: one user opens two or three tabs over ten minutes, each
//! launching a skill with a config; the sandbox may already exist. Tabs crash and
//! reload, auth can be slow, mutations fail or commit ambiguously, replies are lost,
//! creates and destroys fail. Fifteen minutes of faults, then twenty quiet minutes in
//! which every tab must settle.
//!
//! Variants: the text's versions `v0`–`v8`, and `proposed`, a design meant to keep
//! every invariant ([`model::system::launcher::version::PROPOSED`] says why).

use model::substrate::docstore::STORE_FAULT_POINTS;
use model::substrate::sandbox_provider::PROVIDER_FAULT_POINTS;
use model::system::launcher::invariants as inv;
use model::system::launcher::reads;
use model::system::launcher::tab::TAB_AUTH_SLOW;
use model::system::launcher::version::{by_name, Version, DESIGNS, VERSIONS};
use model::system::launcher::world::{self, LauncherParams, LauncherWorld};
use model::system::text::Text;
use sim::fault::points::{CLOCK_DRIFT, CLOCK_JUMP, NET_DELAY_LONG, NET_REPLY_LOST, NODE_CRASH, NODE_PAUSE};
use sim::{ChoiceSource, FaultPoint, Invariant, InvariantKind, NemesisConfig, NetConfig, RunConfig, RunResult};

use crate::launcher_params::{launcher_params, PARAMS};
use crate::scenario::{describe_scenario, RunOptions, Scenario, VariantInfo};

pub struct MultiTab;

const VARIANTS: &[VariantInfo] = &[
    VariantInfo { name: "v0", doc: "the `installing` mutex and `create` with its dedup (before the PR)" },
    VariantInfo { name: "v1", doc: "getSandbox query and acquireCreateLock; no TTL; retry by recursion" },
    VariantInfo { name: "v2", doc: "round 1: 120 s TTL, resume on creating -> found, no recursion" },
    VariantInfo { name: "v3", doc: "round 2: skip the config write when the hash matches" },
    VariantInfo { name: "v4", doc: "round 3: resume on null too; atomic addInstalledSkill" },
    VariantInfo { name: "v5", doc: "round 4: 300 s TTL; insert the record before deleting the placeholder" },
    VariantInfo { name: "v6", doc: "round 5: destroy the sandbox if the insert fails" },
    VariantInfo { name: "v7", doc: "round 6: publish configHash only if written; error path to config phase" },
    VariantInfo { name: "v8", doc: "round 7 (merged): error path stays in launching with Retry" },
    VariantInfo {
        name: "proposed",
        doc: "a fenced create lease with an orphan reaper and atomic handoff; leased installs",
    },
];

const FAULTS: &[FaultPoint] = &[
    STORE_FAULT_POINTS[0],
    STORE_FAULT_POINTS[1],
    PROVIDER_FAULT_POINTS[0],
    PROVIDER_FAULT_POINTS[1],
    NET_REPLY_LOST,
    NODE_CRASH,
    TAB_AUTH_SLOW,
    CLOCK_JUMP,
    NODE_PAUSE,
    NET_DELAY_LONG,
    CLOCK_DRIFT,
];

const fn safety(
    name: &'static str,
    doc: &'static str,
    check: fn(&LauncherWorld, &sim::Sim) -> Result<(), String>,
) -> Invariant<LauncherWorld> {
    Invariant::new(name, InvariantKind::Safety, doc, check)
}

const fn at_end(
    name: &'static str,
    doc: &'static str,
    check: fn(&LauncherWorld, &sim::Sim) -> Result<(), String>,
) -> Invariant<LauncherWorld> {
    Invariant::new(name, InvariantKind::Liveness, doc, check)
}

const INVARIANTS: &[Invariant<LauncherWorld>] = &[
    safety(
        "one-creator-per-user",
        "I1: at most one tab creates the user's sandbox at a time",
        inv::one_creator_per_user,
    )
    .reading(reads::GHOST),
    safety("single-sandbox", "I2: at most one live sandbox and one real record per user", inv::single_sandbox)
        .reading(reads::STORE | reads::PROVIDER),
    safety("no-dangling-record", "I4: every real record points at a live sandbox", inv::no_dangling)
        .reading(reads::STORE | reads::PROVIDER),
    safety(
        "one-launch-per-tab",
        "I1 per tab: a tab runs at most one handleLaunch activity at a time",
        inv::one_launch_per_tab,
    )
    .reading(reads::TABS),
    safety(
        "owner-only-publish",
        "I5: a creator publishes and releases only under the lock it still holds",
        inv::owner_only_publish,
    )
    .reading(reads::GHOST),
    safety("no-premature-reclaim", "I6: no create lock is reclaimed from a live creator", inv::no_premature_reclaim)
        .reading(reads::GHOST),
    safety("no-lost-skill", "I7: a recorded install never disappears from installedSkills", inv::no_lost_skill)
        .reading(reads::GHOST | reads::STORE),
    safety(
        "session-runs-tab-config",
        "I9, I11: a session starts on its tab's config, from one version of the files",
        inv::session_runs_tab_config,
    )
    .reading(reads::PROVIDER),
    safety(
        "no-session-on-partial-skill",
        "I14: sessions start only on complete, singly uploaded skills",
        inv::no_session_on_partial_skill,
    )
    .reading(reads::PROVIDER),
    safety(
        "ui-truthful",
        "I12: a settled page is running for real, or shows progress or an error with Retry",
        inv::ui_truthful,
    )
    .reading(reads::TABS | reads::STORE | reads::PROVIDER),
    safety("no-spin", "L3: no launch chain hammers the store without observing a change", inv::no_spin)
        .reading(reads::GHOST),
    safety(
        "parallel-progress",
        "L6: no launch waits on a lock held for another skill's install",
        inv::parallel_progress,
    )
    .reading(reads::GHOST),
    safety(
        "config-hash-truthful",
        "I8 (safety form): with no config write in flight, a record's configHash names the files' config",
        inv::config_hash_truthful,
    )
    .reading(reads::GHOST | reads::STORE | reads::PROVIDER),
    at_end("no-orphan", "I3 (quiescent): every live sandbox is tracked by exactly one record", inv::no_orphan),
    at_end(
        "derived-state-coherent",
        "I8 (quiescent): configHash and installedSkills describe the sandbox",
        inv::derived_state_coherent,
    ),
    safety(
        "bounded-reclaim",
        "L2: a dead or failed creator's lock stops blocking launches within the liveness bound",
        inv::bounded_reclaim,
    )
    .reading(reads::GHOST | reads::STORE | reads::CLOCKS_AFTER_BOUND),
    at_end(
        "waiting-tabs-progress",
        "L1 (bounded): no open tab shows progress for longer than the liveness bound",
        inv::waiting_tabs_progress,
    ),
    at_end(
        "tabs-eventually-run",
        "once faults stop and the user retries, every open tab runs a session",
        inv::tabs_eventually_run,
    ),
];

fn run_config(options: &RunOptions) -> RunConfig {
    options.run_config(900_000, 1_200_000, 300_000)
}

impl Scenario for MultiTab {
    describe_scenario! {
        name: "launcher/multi-tab",
        doc: "browser tabs of one user launch skills on a shared sandbox (SYSTEMS.md S000)",
        variants: VARIANTS,
        invariants: INVARIANTS,
        faults: FAULTS,
        params: PARAMS,
        goals: crate::goals::LAUNCHER,
    }

    fn run(&self, variant: &str, source: ChoiceSource, options: &RunOptions) -> RunResult {
        let version = by_name(variant).unwrap_or_else(|| panic!("launcher/multi-tab has no variant {variant}"));
        debug_assert_eq!(VERSIONS.len() + DESIGNS.len(), VARIANTS.len());
        run_version(version, source, options, launcher_params(&options.params))
    }
}

/// Runs `launcher/multi-tab` with a version and parameters of the caller's choosing:
/// for tests that isolate one mechanism (creates too short for any TTL to expire) or
/// that break a design on purpose to show the harness catches it.
pub fn run_multi_tab_with(
    version: Version,
    source: ChoiceSource,
    options: &RunOptions,
    params: LauncherParams,
) -> RunResult {
    run_version(version, source, options, params)
}

fn run_version(version: Version, source: ChoiceSource, options: &RunOptions, params: LauncherParams) -> RunResult {
    let faults = options.faults;
    let setup = move |sim: &sim::Sim| {
        faults.install(sim, FAULTS);
        let net = sim.net_config();
        let timeout_ms = net.timeout_ms.max(2 * params.net_delay_max_ms + 1_000);
        sim.set_net_config(NetConfig { delay_max_ms: params.net_delay_max_ms, timeout_ms, ..net });
        let params_for_world = params.clone();
        let world = world::build(sim, version, params_for_world);
        for tab in &world.tabs {
            sim.describe_workload(workload_line(tab.id, tab.skill, tab.config));
        }
        sim.spawn_nemesis(nemesis(&world, &params));
        world
    };
    sim::run_with_tracked_footprint(source, &run_config(options), setup, INVARIANTS, reads::footprint)
}

/// `tab{id}: launches skill {skill} with config {config}`, without `format!` (once per
/// tab per run; a test compares it with `format!`).
fn workload_line(id: u32, skill: u32, config: u64) -> String {
    Text::new().str("tab").num(id).str(": launches skill ").num(skill).str(" with config ").num(config).done()
}

/// Who each fault of the nemesis strikes: tabs crash (a reload restarts them) and
/// pause; clocks jump and drift on the tabs and on the store, whose clock every TTL
/// check reads. The store never crashes (it would not come back) and never pauses
/// (its mutations are atomic steps of the engine, so a pause would only delay them,
/// which `net.delay.long` already does). `net.delay.long` is the engine's, on every
/// message, so it reaches tab→convex and tab→daytona requests among the rest.
fn nemesis(world: &LauncherWorld, params: &LauncherParams) -> NemesisConfig {
    let tabs: Vec<sim::NodeId> = world.tabs.iter().map(|t| t.node).collect();
    let clocks = tabs.iter().copied().chain([world.launcher.store.node]).collect();
    NemesisConfig {
        tick_min_ms: 1_000,
        tick_max_ms: 60_000,
        clock_jump_max_ms: params.clock_jump_max_ms,
        pause_max_ms: params.pause_max_ms,
        drift_max_ppm: params.clock_drift_max_ppm,
        ..NemesisConfig::new(tabs.clone()).crash(tabs.clone()).pauses(tabs).clocks(clocks)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn workload_lines_read_as_format_writes_them() {
        for (id, skill, config) in [(1, 1, 1), (3, 12, 7), (10, 0, u64::MAX)] {
            let line = format!("tab{id}: launches skill {skill} with config {config}");
            assert_eq!(super::workload_line(id, skill, config), line);
        }
    }
}
