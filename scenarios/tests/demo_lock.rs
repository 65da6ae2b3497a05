//! The first proof the loop works: the race in `check-then-set` is found from seeds,
//! and `compare-and-set` stays silent.

use scenarios::{find, RunOptions};
use sim::{ChoiceSource, Outcome};

fn first_failure(variant: &str, seeds: std::ops::Range<u64>) -> Option<(u64, Outcome)> {
    let (scenario, variant) = find("demo/lock", Some(variant)).expect("demo/lock is registered");
    seeds
        .map(|seed| (seed, scenario.run(variant, ChoiceSource::Seed(seed), &RunOptions::default().outcome_only())))
        .find_map(|(seed, r)| (!r.outcome.is_pass()).then_some((seed, r.outcome)))
}

#[test]
fn check_then_set_race_is_found_within_1000_seeds() {
    let (seed, outcome) = first_failure("check-then-set", 0..1000).expect("the race must be found");
    assert_eq!(outcome.key(), Some("mutual-exclusion"), "seed {seed}: {outcome:?}");
}

#[test]
fn compare_and_set_passes_10000_seeds() {
    assert_eq!(first_failure("compare-and-set", 0..10_000), None);
}
