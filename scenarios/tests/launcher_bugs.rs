//! The bugs SYSTEMS.md S000.C reports, found by the harness from seeds (no hand-written
//! schedules), and the fixes that stay silent. Each search stops at the first seed
//! whose run violates the named invariant; the budget is the 20,000 runs.

use scenarios::{find, RunOptions};
use sim::ChoiceSource;

const BUDGET: u64 = 20_000;

/// Whether seed `seed` of `variant` violates `invariant` first.
fn violates_first(variant: &str, invariant: &str, seed: u64) -> bool {
    let (scenario, variant) = find("launcher/multi-tab", Some(variant)).expect("the launcher is registered");
    scenario.run(variant, ChoiceSource::Seed(seed), &RunOptions::default()).outcome.key() == Some(invariant)
}

/// The first seed of `variant` whose run's first violation is `invariant`.
fn first_seed(variant: &str, invariant: &str) -> Option<u64> {
    (0..BUDGET).find(|&seed| violates_first(variant, invariant, seed))
}

/// How many of the first `runs` seeds of `variant` violate `invariant` first.
fn count(variant: &str, invariant: &str, runs: u64) -> usize {
    (0..runs).filter(|&seed| violates_first(variant, invariant, seed)).count()
}

macro_rules! found {
    ($name:ident, $bug:literal, $variant:literal, $invariant:literal) => {
        #[test]
        fn $name() {
            let seed = first_seed($variant, $invariant);
            assert!(seed.is_some(), "{} not found in {} within {BUDGET} runs", $bug, $variant);
        }
    };
}

found!(c01_installing_mutex_blocks_unrelated_launches, "S000-C01", "v0", "parallel-progress");
found!(c02_duplicate_cold_create, "S000-C02", "v0", "one-creator-per-user");
found!(c03_c05_waiting_tabs_never_resume_in_v1, "S000-C03/C05", "v1", "waiting-tabs-progress");
found!(c04_retry_recursion_spins, "S000-C04", "v1", "no-spin");
found!(c06_concurrent_installs_mix_configs, "S000-C06", "v1", "session-runs-tab-config");
found!(c06_same_skill_uploads_overlap_still_in_v8, "S000-C06", "v8", "no-session-on-partial-skill");
found!(c07_waiting_tabs_never_recover_in_v2, "S000-C07", "v2", "waiting-tabs-progress");
found!(c08_concurrent_installs_lose_a_skill, "S000-C08", "v3", "no-lost-skill");
found!(c10_ttl_expires_during_a_healthy_create, "S000-C10", "v4", "no-premature-reclaim");
found!(c11_failed_insert_orphans_a_sandbox, "S000-C11", "v1", "no-orphan");
found!(c13_failed_persist_leaves_a_fake_running_page, "S000-C13", "v6", "ui-truthful");
found!(c14_error_path_renders_a_blank_page, "S000-C14", "v7", "ui-truthful");

#[test]
fn fixes_stay_silent() {
    // V2 removed the recursion (C04), V4 the lost skill update (C08), V8 the blank
    // and fake-running pages (C13, C14).
    assert_eq!(count("v2", "no-spin", 300), 0);
    assert_eq!(count("v4", "no-lost-skill", 300), 0);
    assert_eq!(count("v8", "ui-truthful", 300), 0);
}
