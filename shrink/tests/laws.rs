//! The shrinker's laws, on the demo/lock race: the shrunk case still fails the same
//! invariant, is no larger, is a fixed point, and is the same every time.

use scenarios::{find, RunOptions, Scenario};
use shrink::{shrink, ShrinkConfig};
use sim::{ChoiceSource, RunResult, Tape};

fn racy() -> (&'static dyn Scenario, &'static str) {
    find("demo/lock", Some("check-then-set")).expect("demo/lock is registered")
}

fn replay(tape: &Tape) -> RunResult {
    let (scenario, variant) = racy();
    scenario.run(variant, ChoiceSource::Tape(tape.clone()), &RunOptions::default())
}

fn replay_within(tape: &Tape, limit: u64) -> RunResult {
    let (scenario, variant) = racy();
    scenario.run(variant, ChoiceSource::Tape(tape.clone()), &RunOptions::default().step_limit(limit))
}

fn failing_runs(count: usize) -> Vec<RunResult> {
    let (scenario, variant) = racy();
    (0..200)
        .map(|seed| scenario.run(variant, ChoiceSource::Seed(seed), &RunOptions::default()))
        .filter(|r| !r.outcome.is_pass())
        .take(count)
        .collect()
}

#[test]
fn shrunk_cases_fail_the_same_way_are_smaller_and_are_fixed_points() {
    for failing in failing_runs(5) {
        let key = failing.outcome.key();
        let before = failing.tape.len();
        let once = shrink(failing, ShrinkConfig::default(), replay_within);
        assert_eq!(once.result.outcome.key(), key);
        assert!(once.result.tape.len() <= before);
        assert_eq!(replay(&once.result.tape).outcome.key(), key, "the shrunk tape replays to the same failure");
        let twice = shrink(once.result.clone(), ShrinkConfig::default(), replay_within);
        assert_eq!(twice.result.tape, once.result.tape, "shrinking twice changes nothing");
    }
}

#[test]
fn shrinking_is_deterministic_and_simplifies() {
    let failing = failing_runs(1).remove(0);
    let a = shrink(failing.clone(), ShrinkConfig::default(), replay_within);
    let b = shrink(failing.clone(), ShrinkConfig::default(), replay_within);
    assert_eq!(a.result.tape, b.result.tape);
    assert_eq!(a.result.trace_hash, b.result.trace_hash);
    assert!(a.result.tape.shortlex_key() < failing.tape.shortlex_key(), "a raw failing tape always has slack");
    // The race needs no fault: the shrinker must switch every fault point off.
    assert!(a.result.fault_profile.is_empty(), "faults left on: {:?}", a.result.fault_profile);
}

#[test]
fn the_shrunk_case_does_not_depend_on_the_number_of_threads() {
    let failing = failing_runs(1).remove(0);
    let shrunk_with = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("a thread pool");
        pool.install(|| shrink(failing.clone(), ShrinkConfig::default(), replay_within))
    };
    let (one, two) = (shrunk_with(1), shrunk_with(2));
    assert_eq!(one.result.tape, two.result.tape);
    assert_eq!(one.runs, two.runs, "only the runs a sequential shrinker makes are counted");
}
