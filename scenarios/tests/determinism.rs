//! Determinism is the product: the same seed gives the same run, and a recorded tape
//! replays the run it came from. Guards every change to the engine and the models.

use proptest::prelude::*;
use scenarios::{all, RunOptions};
use sim::ChoiceSource;

/// At least 1,000 seeds per scenario, spread over its variants.
fn seeds_per_variant(variants: usize) -> u64 {
    1000u64.div_ceil(variants as u64)
}

#[test]
fn same_seed_twice_gives_the_same_trace_hash_over_1000_seeds_per_scenario() {
    for scenario in all() {
        let seeds = seeds_per_variant(scenario.variants().len());
        for v in scenario.variants() {
            let mut distinct = std::collections::BTreeSet::new();
            for seed in 0..seeds {
                let a = scenario.run(v.name, ChoiceSource::Seed(seed), &RunOptions::default());
                let b = scenario.run(v.name, ChoiceSource::Seed(seed), &RunOptions::default());
                assert_eq!(a.trace_hash, b.trace_hash, "{} {} seed {seed}", scenario.name(), v.name);
                assert_eq!(a.outcome, b.outcome);
                distinct.insert(a.trace_hash);
            }
            assert!(
                distinct.len() as u64 > seeds * 99 / 100,
                "{} {}: seeds must give different runs",
                scenario.name(),
                v.name
            );
        }
    }
}

#[test]
fn a_full_trace_and_a_hash_only_trace_hash_the_same() {
    for scenario in all() {
        for v in scenario.variants() {
            for seed in 0..50 {
                let fast = scenario.run(v.name, ChoiceSource::Seed(seed), &RunOptions::default());
                let full = scenario.run(v.name, ChoiceSource::Seed(seed), &RunOptions::default().full_trace());
                assert_eq!(fast.trace_hash, full.trace_hash);
                assert_eq!(full.trace.len() as u64, full.events);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn replay_from_a_recorded_tape_equals_the_original_run(seed in any::<u64>(), pick in 0usize..16) {
        let scenarios = all();
        let scenario = scenarios[pick % scenarios.len()];
        let variant = scenario.variants()[pick % scenario.variants().len()].name;
        let original = scenario.run(variant, ChoiceSource::Seed(seed), &RunOptions::default());
        let replay = scenario.run(variant, ChoiceSource::Tape(original.tape.clone()), &RunOptions::default());
        prop_assert_eq!(replay.trace_hash, original.trace_hash);
        prop_assert_eq!(&replay.tape, &original.tape);
        prop_assert_eq!(replay.outcome, original.outcome);
    }
}
