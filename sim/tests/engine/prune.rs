//! State-hash pruning: runs that reach an explored state skip its futures, so the
//! search needs fewer runs and still finds every failure, shortest first under a bound;
//! `cover` explores every value of every decision and says when it covered all.

use std::cell::Cell;
use std::rc::Rc;

use sim::exhaustive::{cover, explore, explore_pruned, ExhaustiveConfig};
use sim::{ChoiceKind, ChoiceSource, Invariant, InvariantKind, RunConfig, RunResult, Sim, Tape};

/// Four coin flips, one per millisecond, summed; the state is (flips made, sum), so
/// many paths meet in the same state. Fails when the sum reaches `fail_at`.
fn coins(source: ChoiceSource, fail_at: u64) -> RunResult {
    type W = (Rc<Cell<u64>>, u64);
    fn check(w: &W, _: &Sim) -> Result<(), String> {
        if w.0.get() >= w.1 {
            Err(format!("sum reached {}", w.1))
        } else {
            Ok(())
        }
    }
    const INV: &[Invariant<W>] = &[Invariant::new("sum-below", InvariantKind::Safety, "", check)];
    sim::run(
        source,
        &RunConfig::default(),
        move |sim: &Sim| {
            let (sum, flips) = (Rc::new(Cell::new(0)), Rc::new(Cell::new(0u64)));
            let (h_sum, h_flips) = (sum.clone(), flips.clone());
            sim.set_state_hasher(move |_| h_flips.get() * 100 + h_sum.get());
            let (s, node) = (sim.clone(), sim.add_node("n"));
            let (w_sum, w_flips) = (sum.clone(), flips);
            sim.spawn(node, "flips", async move {
                for _ in 0..4 {
                    w_sum.set(w_sum.get() + s.draw(ChoiceKind::Workload, 2));
                    w_flips.set(w_flips.get() + 1);
                    s.sleep_ms(1).await;
                }
            });
            (sum, fail_at)
        },
        INV,
    )
}

#[test]
fn runs_report_a_state_hash_each_time_time_advances() {
    let run = coins(ChoiceSource::Tape(Tape::default()), 9);
    let positions: Vec<u32> = run.state_hashes.iter().map(|(p, _)| *p).collect();
    assert_eq!(positions, vec![1, 2, 3, 4], "one hash after each flip, before the next");
}

#[test]
fn pruning_finds_the_same_shortest_counterexample_with_fewer_runs() {
    let config = ExhaustiveConfig { bound: 4, ..ExhaustiveConfig::default() };
    let plain = explore(config, |t: &Tape| coins(ChoiceSource::Tape(t.clone()), 3));
    let pruned = explore_pruned(config, |t: &Tape| coins(ChoiceSource::Tape(t.clone()), 3));
    let (a, b) = (plain.failure.expect("three heads fail"), pruned.failure.expect("found with pruning too"));
    assert_eq!((a.1, b.1), (3, 3), "both shortest: three deviations");
    assert!(pruned.runs < plain.runs, "pruning saves runs: {} vs {}", pruned.runs, plain.runs);
    assert!(pruned.pruned > 0 && plain.pruned == 0);
}

#[test]
fn cover_explores_each_state_once_and_says_it_covered_everything() {
    let clean = cover(10_000, |t: &Tape| coins(ChoiceSource::Tape(t.clone()), 9));
    assert!(clean.complete && clean.failure.is_none());
    // 2^4 = 16 paths without merging; with it, each (flips, sum) state once.
    assert!(clean.runs < 16, "{} runs", clean.runs);
    let failing = cover(10_000, |t: &Tape| coins(ChoiceSource::Tape(t.clone()), 4));
    let (run, deviations) = failing.failure.expect("four heads are reachable");
    assert_eq!(deviations, 4);
    assert_eq!(run.outcome.key(), Some("sum-below"));
}
