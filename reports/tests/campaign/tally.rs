//! A campaign's workers tally most runs, failing ones included, and hand the campaign
//! only the first run of their slice to fail each invariant or reach each goal: the
//! report must be the one of recording every run by itself, in seed order.

use reports::builder::RunTally;
use reports::campaign::{CampaignBuilder, CampaignMeta, CampaignReport, Seeds, Timing};
use scenarios::RunOptions;
use sim::{ChoiceSource, RunResult};

/// Seeds `0..runs` of `scenario --variant variant`, recorded by `record`.
fn report(
    scenario: &str,
    variant: &str,
    runs: u64,
    record: fn(&mut CampaignBuilder, Vec<RunResult>),
) -> CampaignReport {
    let (s, v) = scenarios::find(scenario, Some(variant)).expect("a built-in scenario");
    let seeds = Seeds { start: 0, end: runs - 1, shard: None, split_start: None, base: None };
    let meta = CampaignMeta { scenario: s.name().into(), variant: v.into(), seeds, budget: format!("runs {runs}") };
    let mut builder = CampaignBuilder::new(meta, &s.invariants(), s.fault_points());
    builder.goals(s.goals());
    let results = (0..runs).map(|seed| s.run(v, ChoiceSource::Seed(seed), &RunOptions::default())).collect();
    record(&mut builder, results);
    builder.finish(Timing::new(1, 1.0, runs))
}

fn one_by_one(builder: &mut CampaignBuilder, results: Vec<RunResult>) {
    for (seed, result) in results.iter().enumerate() {
        builder.record_run(seed as u64, result);
    }
}

/// As the workers do, in slices of 7 seeds: the first run of a slice to fail each
/// invariant or reach each goal is recorded alone, the others go into the slice's
/// tally; the tallies of the slices are merged last to first.
fn by_slices(builder: &mut CampaignBuilder, results: Vec<RunResult>) {
    let mut merged = RunTally::default();
    for (slice, runs) in results.chunks(7).enumerate().rev() {
        let (mut keys, mut goals) = (std::collections::BTreeSet::new(), std::collections::BTreeSet::new());
        let mut tally = RunTally::default();
        for (i, result) in runs.iter().enumerate() {
            let seed = (slice * 7 + i) as u64;
            let new_goal = result.goals.iter().filter(|hit| goals.insert(hit.goal)).count() > 0;
            if result.outcome.key().is_some_and(|key| keys.insert(key)) || new_goal {
                builder.record_run(seed, result);
            } else {
                tally.add_run(Some(seed), result);
            }
        }
        merged.merge(&tally);
    }
    builder.record_tally(&merged);
}

#[test]
fn tallied_failures_give_the_report_of_recording_each_run() {
    for (scenario, variant, runs) in [("demo/lock", "check-then-set", 60), ("launcher/multi-tab", "v8", 40)] {
        let (each, tallied) = (report(scenario, variant, runs, one_by_one), report(scenario, variant, runs, by_slices));
        assert!(each.violating_runs > 10, "{scenario} {variant} fails often: {}", each.violating_runs);
        let several = each.invariants.iter().filter(|t| t.violating_runs > 1).count();
        assert!(several > 0, "some invariant fails more than once, so some failure is only tallied");
        assert_eq!(each, tallied, "{scenario} {variant}");
    }
}
