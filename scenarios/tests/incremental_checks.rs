//! The incremental invariant checks are exact: skipping an invariant whose reads no
//! step changed gives the same outcome (invariant, message, step, time), the same
//! number of steps and the same trace as checking every invariant after every step.
//! 1,000 seeds per scenario, spread over its variants, as the determinism test does;
//! `cargo run --release --example check_everything` runs 1,000 seeds per variant.

use scenarios::{all, RunOptions};
use sim::ChoiceSource;

#[test]
fn incremental_checks_agree_with_checking_everything_over_1000_seeds_per_scenario() {
    let mut violations = 0;
    for scenario in all() {
        let seeds = 1000u64.div_ceil(scenario.variants().len() as u64);
        for v in scenario.variants() {
            for seed in 0..seeds {
                let fast = scenario.run(v.name, ChoiceSource::Seed(seed), &RunOptions::default());
                let every = scenario.run(v.name, ChoiceSource::Seed(seed), &RunOptions::default().check_everything());
                let at = format!("{} --variant {} --seed {seed}", scenario.name(), v.name);
                assert_eq!(fast.outcome, every.outcome, "{at}");
                assert_eq!(fast.steps, every.steps, "{at}");
                assert_eq!(fast.trace_hash, every.trace_hash, "{at}");
                violations += usize::from(!fast.outcome.is_pass());
            }
        }
    }
    // The comparison means something only if runs fail: most variants are buggy.
    assert!(violations > 1000, "only {violations} violating runs");
}
