//! The bugs SYSTEMS.md S003.C reports, found by the harness from seeds (no hand-written
//! schedules), the fix that stays silent, and the text's contract counts. Faults are
//! off (`restart/no-faults`, `restart/contract`): these are the text's own bugs.

use scenarios::{find, RunOptions};
use sim::{ChoiceSource, Outcome};

const BUDGET: u64 = 2_000;

/// The violation of `invariant` that seed `seed` of `scenario`/`variant` reaches, if any.
fn violation(scenario: &str, variant: &str, invariant: &'static str, seed: u64) -> Option<String> {
    let (scenario, variant) = find(scenario, Some(variant)).expect("the restart scenarios are registered");
    let options = RunOptions::default().focused(invariant);
    match scenario.run(variant, ChoiceSource::Seed(seed), &options).outcome {
        Outcome::Violation(v) => Some(v.message),
        _ => None,
    }
}

fn first_seed(scenario: &str, variant: &str, invariant: &'static str) -> Option<u64> {
    (0..BUDGET).find(|&seed| violation(scenario, variant, invariant, seed).is_some())
}

fn silent(scenario: &str, variant: &str, invariant: &'static str, runs: u64) -> Vec<u64> {
    (0..runs).filter(|&seed| violation(scenario, variant, invariant, seed).is_some()).collect()
}

/// S003-C01: the second restart is dropped by `TryLock`; the container keeps an env
/// without the second write (I11) and no cycle follows it (L4).
#[test]
fn c01_dropped_restart_leaves_a_stale_container_in_v0() {
    assert!(first_seed("restart/no-faults", "v0", "request-served").is_some(), "S003-C01 (L4) not found");
    // A stale env, not two containers (C02 breaks I11 too).
    let stale = (0..BUDGET).find(|&seed| {
        violation("restart/no-faults", "v0", "container-env-fresh", seed).is_some_and(|m| m.contains("DB is at"))
    });
    assert!(stale.is_some(), "S003-C01 (I11, stale env) not found in v0 within {BUDGET} runs");
}

/// S003-C02: the asynchronous provision outlives the mutex; the next cycle overlaps it
/// (I1) and two containers run (I2).
#[test]
fn c02_async_provision_overlaps_the_next_cycle_in_v0() {
    assert!(first_seed("restart/no-faults", "v0", "one-cycle-per-workspace").is_some(), "S003-C02 (I1) not found");
    assert!(first_seed("restart/no-faults", "v0", "one-container-per-workspace").is_some(), "S003-C02 (I2) not found");
}

/// V1 fixed both: silent on every invariant of C01 and C02 without faults.
#[test]
fn v1_is_silent_on_c01_and_c02_without_faults() {
    for invariant in ["request-served", "container-env-fresh", "one-cycle-per-workspace", "one-container-per-workspace"]
    {
        let seeds = silent("restart/no-faults", "v1", invariant, 300);
        assert!(seeds.is_empty(), "v1 violates {invariant} without faults at seeds {seeds:?}");
    }
}

/// The text's contract (1 → 1 cycle, N during one cycle → 2, N sequential → N, no
/// extra cycle, workspaces isolated) holds in V1 and is broken by V0's dropped
/// requests.
#[test]
fn the_contract_holds_in_v1_and_not_in_v0() {
    for invariant in ["contract-counts", "no-unrequested-cycle", "workspaces-isolated"] {
        let seeds = silent("restart/contract", "v1", invariant, 300);
        assert!(seeds.is_empty(), "v1 breaks {invariant} at seeds {seeds:?}");
    }
    assert!(first_seed("restart/contract", "v0", "contract-counts").is_some(), "v0's dropped restart not counted");
}
