//! Replay by label: a labelled tape replays its run exactly, and a tape recorded
//! before a model change still replays after it, reporting the first decision that no
//! longer fits and keeping every other decision's value.

use scenarios::{find, RunOptions};
use sim::{ChoiceKind, ChoiceSource, FaultPoint, Invariant, RunConfig, RunResult, Sim};

#[test]
fn a_labelled_tape_replays_its_run_exactly_and_fits_everywhere() {
    let (scenario, variant) = find("launcher/multi-tab", Some("v1")).expect("registered");
    for seed in 0..3 {
        let run = scenario.run(variant, ChoiceSource::Seed(seed), &RunOptions::default());
        assert!(run.tape.is_labelled());
        let by_label = scenario.run(variant, ChoiceSource::Tape(run.tape.clone()), &RunOptions::default());
        let by_position = scenario.run(variant, ChoiceSource::Tape(run.tape.unlabelled()), &RunOptions::default());
        assert_eq!(by_label.trace_hash, run.trace_hash, "seed {seed}");
        assert_eq!(by_position.trace_hash, run.trace_hash, "seed {seed}");
        assert_eq!(by_label.tape, run.tape, "seed {seed}");
        assert!(by_label.fit.expect("a labelled replay reports its fit").exact(), "seed {seed}");
    }
}

const LOST: FaultPoint = FaultPoint { name: "fixture.write.lost", doc: "a client's write is lost" };
/// The fault point the second version of the fixture model adds.
const SLOW: FaultPoint = FaultPoint { name: "fixture.write.slow", doc: "a client's write is slow" };

/// Two clients each write ten times after a drawn pause; a write may be lost. The
/// second version of the model (`slow_point`) adds a fault point to every write,
/// switched off in the recorded run: a draw site the recorded tape never saw.
fn fixture(source: ChoiceSource, slow_point: bool) -> RunResult {
    let points: &[FaultPoint] = if slow_point { &[LOST, SLOW] } else { &[LOST] };
    let setup = |sim: &Sim| {
        sim.swarm_faults(points);
        for name in ["c1", "c2"] {
            let node = sim.add_node(name);
            let s = sim.clone();
            sim.spawn(node, "client", async move {
                for i in 0..10 {
                    s.sleep_ms(s.between(ChoiceKind::Delay, 1, 1_000)).await;
                    if slow_point && s.fault(&SLOW) {
                        s.sleep_ms(s.between_at(ChoiceKind::Delay, "fixture.slow", 1, 60_000)).await;
                    }
                    let lost = s.fault(&LOST);
                    s.note(node, format!("write {i} {}", if lost { "lost" } else { "stored" }));
                }
            });
        }
    };
    let never: &[Invariant<()>] = &[];
    sim::run(source, &RunConfig { trace: sim::TraceMode::Full, ..RunConfig::default() }, setup, never)
}

/// The notes of a run, in order: what the clients did.
fn notes(run: &RunResult) -> Vec<String> {
    run.trace
        .iter()
        .filter_map(|e| if let sim::EventKind::Note { text } = &e.kind { Some(text.clone()) } else { None })
        .collect()
}

#[test]
fn a_case_recorded_before_a_model_change_replays_after_it_and_names_the_first_misfit() {
    // A seed whose recorded run loses some writes, so the replay has something to keep.
    let recorded = (0..100)
        .map(|seed| fixture(ChoiceSource::Seed(seed), false))
        .find(|r| r.fault_counts.get(LOST.name).is_some_and(|&n| n >= 2))
        .expect("some seed loses two writes");
    let replayed = fixture(ChoiceSource::Tape(recorded.tape.clone()), true);
    let fit = replayed.fit.clone().expect("a labelled replay");
    let first = fit.first_misfit.expect("the new fault point does not fit the old tape");
    assert_eq!(first.site.as_str(), SLOW.name, "{first}");
    assert_eq!(first.kind, ChoiceKind::Swarm, "the swarm draws the new point first: {first}");
    assert_eq!(fit.unused, 0, "every recorded decision found its draw");
    // The new point drew 0 (off), so every client does exactly what it did before.
    assert_eq!(notes(&replayed), notes(&recorded));
    assert_eq!(replayed.fault_counts, recorded.fault_counts);
    // By position, the same tape would have shifted every decision after the first new draw.
    let shifted = fixture(ChoiceSource::Tape(recorded.tape.unlabelled()), true);
    assert_ne!(notes(&shifted), notes(&recorded), "a positional replay misaligns");
}
