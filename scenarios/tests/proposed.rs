//! The `proposed` launcher design (`model::system::launcher::version::PROPOSED`) keeps every
//! invariant of `launcher/multi-tab` under the scenario's whole fault swarm, every
//! fault point fires in those runs, and the same harness catches the design with its
//! orphan reaper taken out, so the passing runs mean something.

use model::system::launcher::version::{Version, PROPOSED};
use model::system::launcher::world::LauncherParams;
use scenarios::{find, run_multi_tab_with, RunOptions};
use sim::{ChoiceSource, Outcome};

const RUNS: u64 = 5_000;

/// Every invariant but I6. With `clock.jump` on the store, a lease can expire early in
/// real time, so no TTL design keeps "no reclaim from a live holder" (seed 1462: the
/// store's clock runs about 100 s ahead); what must hold is what fencing protects.
#[test]
fn proposed_passes_every_invariant_but_i6_over_5000_runs() {
    let (scenario, variant) = find("launcher/multi-tab", Some("proposed")).expect("registered");
    let failures: Vec<(u64, Outcome)> = (0..RUNS)
        .map(|seed| (seed, scenario.run(variant, ChoiceSource::Seed(seed), &RunOptions::default()).outcome))
        .filter(|(_, outcome)| !outcome.is_pass() && outcome.key() != Some("no-premature-reclaim"))
        .take(3)
        .collect();
    assert!(
        failures.is_empty(),
        "replay with `lockstep repro launcher/multi-tab --variant proposed --seed N`: {failures:?}"
    );
}

#[test]
fn every_fault_point_fires_in_the_proposed_runs() {
    let (scenario, variant) = find("launcher/multi-tab", Some("proposed")).expect("registered");
    let mut fired = std::collections::BTreeMap::new();
    for seed in 0..300 {
        let result = scenario.run(variant, ChoiceSource::Seed(seed), &RunOptions::default());
        for (point, n) in result.fault_counts {
            *fired.entry(point).or_insert(0u64) += n;
        }
    }
    for point in scenario.fault_points() {
        assert!(fired.get(point.name).is_some_and(|n| *n > 0), "{} never fired: {fired:?}", point.name);
    }
}

#[test]
fn without_its_reaper_the_design_leaves_a_crashed_creators_sandbox_beside_a_new_one() {
    let broken = Version { reap_before_create: false, ..PROPOSED };
    let found = (0..2_000).find_map(|seed| {
        let run =
            run_multi_tab_with(broken, ChoiceSource::Seed(seed), &RunOptions::default(), LauncherParams::default());
        run.outcome.key().map(|key| (seed, key))
    });
    assert!(
        matches!(found, Some((_, "single-sandbox" | "no-orphan"))),
        "the harness must catch the missing reaper: {found:?}"
    );
}

/// A mutant with the create lease cut to the text's 120 s. The holder only sends a
/// create that fits in its lease with the publish (464 s do not fit in 120 s), so it
/// never reclaims anything early: it never creates, and cold-starting tabs never run.
#[test]
fn with_a_120_s_lease_the_design_never_gets_a_sandbox_and_tabs_never_run() {
    let broken = Version { placeholder_ttl_ms: Some(120_000), ..PROPOSED };
    let options = RunOptions::default().focused("tabs-eventually-run");
    let found = (0..200).find(|&seed| {
        let run = run_multi_tab_with(broken, ChoiceSource::Seed(seed), &options, LauncherParams::default());
        run.outcome.key() == Some("tabs-eventually-run")
    });
    assert!(found.is_some(), "the harness must catch a lease shorter than the create");
}
