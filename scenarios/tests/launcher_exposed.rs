//! What the launcher model shows once it follows the text more closely (issue 17):
//! bugs beyond SYSTEMS.md S000.C, the bounded liveness checks, and the engine ending a
//! spinning run at its spin bound. Each test searches seeds for one invariant only.

use model::system::launcher::version::{by_name, PROPOSED};
use model::system::launcher::world::LauncherParams;
use scenarios::{find, run_multi_tab_with, RunOptions};
use sim::{ChoiceSource, Outcome, RunResult};

fn run(variant: &str, invariant: &'static str, seed: u64, params: &LauncherParams) -> RunResult {
    let version = by_name(variant).expect("a known version");
    let options = RunOptions::default().focused(invariant);
    run_multi_tab_with(version, ChoiceSource::Seed(seed), &options, params.clone())
}

/// The first seed below `budget` whose run violates `invariant`, with its message.
fn first(variant: &str, invariant: &'static str, budget: u64) -> Option<(u64, String)> {
    let params = LauncherParams::default();
    (0..budget).find_map(|seed| match run(variant, invariant, seed, &params).outcome {
        Outcome::Violation(v) if v.invariant == invariant => Some((seed, v.message)),
        _ => None,
    })
}

/// Convex re-runs `getSandbox` only when a write touches it, never on time: a tab
/// parked on the placeholder of a creator that crashed or failed its handoff keeps
/// seeing `creating` after the TTL, so V8's resume effect never fires (the review of
/// round 3 assumed the query flips to `null` at the TTL).
#[test]
fn v8_waiting_tabs_park_forever_on_a_dead_creators_placeholder() {
    let found = first("v8", "waiting-tabs-progress", 200);
    assert!(found.is_some(), "no parked tab in 200 runs of v8");
}

/// V6+ runs `createSandboxRecord` and `deletePlaceholder` in one try block whose catch
/// destroys the sandbox: a failed or ambiguous delete after a durable insert destroys
/// the sandbox its new record points at.
#[test]
fn v8_a_failed_delete_after_a_durable_insert_destroys_a_recorded_sandbox() {
    let found = first("v8", "no-dangling-record", 2_000);
    let Some((seed, message)) = found else { panic!("no dangling record in 2,000 runs of v8") };
    assert!(message.contains("which is gone"), "seed {seed}: {message}");
}

/// V4's resume effect relaunches on every defined, non-`creating` change of the query,
/// including a `found` record that another tab's install just updated, while this
/// tab's own launch is still running (I1 per tab).
#[test]
fn v4_resume_effect_starts_a_second_launch_in_the_same_tab() {
    assert!(first("v4", "one-launch-per-tab", 100).is_some());
}

/// A write that made the hash untrue is named: a writer whose publish failed or
/// never came, not the launch that published last (issue 17, item 6).
#[test]
fn config_hash_violations_name_the_write_that_made_the_hash_untrue() {
    let params = LauncherParams::default();
    let blamed = (0..2_000).find_map(|seed| match run("v8", "config-hash-truthful", seed, &params).outcome {
        Outcome::Violation(v) => Some(v.message),
        _ => None,
    });
    let Some(message) = blamed else { panic!("no config-hash-truthful violation in 2,000 runs of v8") };
    assert!(message.contains("wrote config"), "{message}");
}

/// A design whose creates never finish (ten hours each) leaves every cold-starting tab
/// on an error with Retry forever; the bounded checks and the eventual-session check
/// must fail it, where "error with Retry" used to pass.
#[test]
fn a_design_that_never_creates_a_sandbox_fails() {
    let mut params = LauncherParams::default();
    let provider = &mut params.provider;
    (provider.snapshot_create_min_ms, provider.snapshot_create_max_ms) = (36_000_000, 36_000_000);
    (provider.fallback_create_min_ms, provider.fallback_create_max_ms) = (36_000_000, 36_000_000);
    let options = RunOptions::default().focused("tabs-eventually-run");
    let failed = (0..50).any(|seed| {
        let r = run_multi_tab_with(PROPOSED, ChoiceSource::Seed(seed), &options, params.clone());
        r.outcome.key() == Some("tabs-eventually-run")
    });
    assert!(failed, "a launcher that never gets a sandbox passed tabs-eventually-run");
}

/// A V1 tab spinning on `acquireCreateLock` ends the run at the spin bound; a run that
/// does not check no-spin reports it as no progress, long before the step limit.
#[test]
fn a_spinning_run_ends_at_the_spin_bound_as_no_progress() {
    let (scenario, variant) = find("launcher/multi-tab", Some("v1")).expect("registered");
    let options = RunOptions::default().focused("waiting-tabs-progress");
    let spun = (0..200).find_map(|seed| match scenario.run(variant, ChoiceSource::Seed(seed), &options).outcome {
        Outcome::NoProgress { reason, step, .. } => Some((reason, step)),
        _ => None,
    });
    let Some((reason, step)) = spun else { panic!("no v1 run spun in 200 seeds") };
    assert!(reason.contains("spin bound"), "{reason}");
    assert!(step < 100_000, "stopped at step {step}, near the step limit");
}
