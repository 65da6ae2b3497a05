//! The bugs SYSTEMS.md S002.C reports, found by the harness from seeds of
//! `prewarm/mkdir-lock` (no hand-written schedules), each focused on its invariant,
//! and V1 silent on each. C04 needs a second host sharing the lock directory and the
//! never-shipped v0.5 (a pid check without the hostname gate); its prewarms are kept
//! shorter than the stale window so only the pid check can reclaim.

use scenarios::prewarm::{HOSTS, PREWARM_LONG_MAX_MS};
use scenarios::{find, Params, RunOptions};
use sim::ChoiceSource;

const BUDGET: u64 = 3_000;

fn violates(variant: &str, invariant: &'static str, params: &Params, seed: u64) -> bool {
    let (scenario, variant) = find("prewarm/mkdir-lock", Some(variant)).expect("registered");
    let options = RunOptions::default().focused(invariant).with_params(params.clone());
    scenario.run(variant, ChoiceSource::Seed(seed), &options).outcome.key() == Some(invariant)
}

fn first_seed(variant: &str, invariant: &'static str, params: &Params) -> Option<u64> {
    (0..BUDGET).find(|&seed| violates(variant, invariant, params, seed))
}

fn count(variant: &str, invariant: &'static str, params: &Params, runs: u64) -> usize {
    (0..runs).filter(|&seed| violates(variant, invariant, params, seed)).count()
}

/// Two hosts sharing the lock directory, every prewarm shorter than any stale window.
fn cross_host() -> Params {
    Params::defaults().with(&HOSTS, 2).with(&PREWARM_LONG_MAX_MS, 120_000)
}

#[test]
fn c01_killed_holder_blocks_waiters_for_the_stale_window() {
    assert!(first_seed("v0", "bounded-reclaim", &Params::defaults()).is_some(), "S002-C01 not found in v0");
}

#[test]
fn c02_waiters_time_out_before_the_orphan_self_heals() {
    assert!(first_seed("v0", "no-spurious-timeout", &Params::defaults()).is_some(), "S002-C02 not found in v0");
}

#[test]
fn c03_mtime_reclaim_removes_a_long_live_prewarm() {
    assert!(first_seed("v0", "no-premature-reclaim", &Params::defaults()).is_some(), "S002-C03 not found in v0");
}

#[test]
fn c04_pid_check_across_hosts_reclaims_a_live_lock() {
    assert!(first_seed("v0.5", "no-premature-reclaim", &cross_host()).is_some(), "S002-C04 not found in v0.5");
}

#[test]
fn v1_is_silent_on_c01_to_c04() {
    let text = Params::defaults();
    assert_eq!(count("v1", "bounded-reclaim", &text, 300), 0, "C01");
    assert_eq!(count("v1", "no-spurious-timeout", &text, 300), 0, "C02");
    assert_eq!(count("v1", "no-premature-reclaim", &text, 300), 0, "C03");
    assert_eq!(count("v1", "no-premature-reclaim", &cross_host(), 300), 0, "C04");
}
