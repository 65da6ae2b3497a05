//! Exploration strategies: bounded exhaustive search finds the fewest deviations that
//! fail, says when a bound was covered completely, and PCT runs replay from their tape.

use std::cell::RefCell;
use std::rc::Rc;

use sim::exhaustive::{explore, ExhaustiveConfig};
use sim::{ChoiceKind, ChoiceSource, Invariant, InvariantKind, PctConfig, RunConfig, RunResult, Sim, Tape};

/// Three workload decisions in 0..4; the run fails when the first and the last are
/// both 3: a bug two deviations away from the default run.
fn two_deviation_bug(source: ChoiceSource) -> RunResult {
    type W = Rc<RefCell<Vec<u64>>>;
    fn check(w: &W, _: &Sim) -> Result<(), String> {
        let v = w.borrow();
        if v.len() == 3 && v[0] == 3 && v[2] == 3 {
            Err("first and last are 3".into())
        } else {
            Ok(())
        }
    }
    const INV: &[Invariant<W>] =
        &[Invariant { name: "not-both-3", kind: InvariantKind::Safety, doc: "", check, reads: 0 }];
    sim::run(
        source,
        &RunConfig::default(),
        |sim: &Sim| {
            let w = W::default();
            let (w2, s) = (w.clone(), sim.clone());
            let node = sim.add_node("n");
            sim.spawn(node, "draws", async move {
                for _ in 0..3 {
                    let v = s.draw(ChoiceKind::Workload, 4);
                    w2.borrow_mut().push(v);
                    s.sleep_ms(1).await;
                }
            });
            w
        },
        INV,
    )
}

#[test]
fn a_bound_below_the_bug_is_covered_completely_and_silently() {
    let config = ExhaustiveConfig { bound: 1, ..ExhaustiveConfig::default() };
    let found = explore(config, |t: &Tape| two_deviation_bug(ChoiceSource::Tape(t.clone())));
    assert!(found.failure.is_none());
    assert!(found.complete);
    // Level 0: the default run; level 1: the default run again (to read its decisions)
    // and each of 3 decisions at each of its 3 other values.
    assert_eq!(found.runs, 1 + 1 + 3 * 3);
}

#[test]
fn the_first_failure_is_a_shortest_counterexample() {
    let config = ExhaustiveConfig { bound: 3, ..ExhaustiveConfig::default() };
    let found = explore(config, |t: &Tape| two_deviation_bug(ChoiceSource::Tape(t.clone())));
    let (result, deviations) = found.failure.expect("the bug is two deviations away");
    assert_eq!(deviations, 2);
    assert_eq!(found.complete_levels, Some(1));
    let values: Vec<u64> = result.tape.choices.iter().map(|c| c.value).collect();
    assert_eq!(values, vec![3, 0, 3]);
}

#[test]
fn a_pct_run_replays_from_its_tape() {
    for seed in 0..20 {
        let pct = ChoiceSource::Pct { seed, config: PctConfig::default() };
        let run = super::run_logged_from(pct);
        let replay = super::run_logged_from(ChoiceSource::Tape(run.tape.clone()));
        assert_eq!(run.trace_hash, replay.trace_hash, "seed {seed}");
    }
}
