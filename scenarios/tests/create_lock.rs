//! `launcher/create-lock` finds each of its five bugs from seeds within a small budget,
//! in the variant, TTL and fault the spec measures it with, and `proposed` keeps every
//! invariant over many seeds at 2, 3 and 4 tabs while both of its faults fire.

use scenarios::create_lock::BUGS;
use scenarios::{find, Params, RunOptions};
use sim::ChoiceSource;

const SCENARIO: &str = "launcher/create-lock";

/// The first seed below `budget` whose run breaks `bug`'s invariant.
fn first_detection(bug: &scenarios::create_lock::CreateLockBug, tabs: u32, budget: u64) -> Option<u64> {
    let (scenario, variant) = find(SCENARIO, Some(bug.variant)).expect("registered");
    let options = bug.options(tabs);
    (0..budget).find(|&seed| {
        let run = scenario.run(variant, ChoiceSource::Seed(seed), &options);
        assert!(run.outcome.key().is_none_or(|k| k == bug.invariant), "{}: {:?}", bug.name, run.outcome);
        run.outcome.key() == Some(bug.invariant)
    })
}

#[test]
fn each_bug_is_found_from_seeds_within_200_runs() {
    for bug in &BUGS {
        for tabs in [2, 3] {
            let found = first_detection(bug, tabs, 200);
            assert!(found.is_some(), "{} not found in 200 runs at {tabs} tabs: {}", bug.name, bug.flags(tabs));
        }
    }
}

fn assert_clean(variant: &str, params: Params, faults: &str, runs: u64) {
    let (scenario, variant) = find(SCENARIO, Some(variant)).expect("registered");
    let filter = sim::FaultFilter::parse(faults, scenario.fault_points()).expect("known points");
    let options = RunOptions::default().with_params(params).with_fault_filter(filter);
    let mut fired = std::collections::BTreeMap::new();
    for seed in 0..runs {
        let run = scenario.run(variant, ChoiceSource::Seed(seed), &options);
        assert!(run.outcome.is_pass(), "seed {seed}: {:?}", run.outcome);
        for (point, n) in run.fault_counts {
            *fired.entry(point).or_insert(0u64) += n;
        }
    }
    if faults.is_empty() {
        for point in scenario.fault_points() {
            assert!(fired.get(point.name).is_some_and(|n| *n > 0), "{} never fired: {fired:?}", point.name);
        }
    }
}

fn tabs(n: u64) -> Params {
    let (scenario, _) = find(SCENARIO, None).expect("registered");
    let tabs = scenario.params().iter().find(|p| p.name == "tabs").expect("a tabs parameter");
    Params::defaults().with(tabs, n)
}

#[test]
fn proposed_keeps_every_invariant_with_a_crash_or_a_failed_insert() {
    assert_clean("proposed", tabs(2), "", 10_000);
    assert_clean("proposed", tabs(3), "", 5_000);
    assert_clean("proposed", tabs(4), "", 3_000);
}

/// Without faults, V5's order with a TTL above the longest create has none of the
/// five bugs: what the text's later rounds fix is what the faults break.
#[test]
fn v5_at_450_s_without_faults_is_clean() {
    let (scenario, _) = find(SCENARIO, None).expect("registered");
    let ttl = scenario.params().iter().find(|p| p.name == "ttl_s").expect("a ttl parameter");
    assert_clean("v5", tabs(3).with(ttl, 450), "-createlock.insert.fail,-createlock.tab.crash", 3_000);
}

/// The peers' sixth property: with a crash, v5's waiters park forever on the dead
/// creator's placeholder (no write ever re-runs their query), so not every tab runs.
#[test]
fn a_crashed_creator_parks_v5_waiters_forever() {
    let (scenario, variant) = find(SCENARIO, Some("v5")).expect("registered");
    let filter = sim::FaultFilter::parse("createlock.tab.crash", scenario.fault_points()).expect("known");
    let options = RunOptions::default().with_fault_filter(filter).focused("every-tab-runs");
    let found = (0..300).find(|&seed| {
        scenario.run(variant, ChoiceSource::Seed(seed), &options).outcome.key() == Some("every-tab-runs")
    });
    assert!(found.is_some(), "a waiter parked on a crashed creator's placeholder must be caught");
}
