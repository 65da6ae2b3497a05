//! A nemesis none of whose faults can fire is not started: its run has no nemesis task
//! and draws nothing for it, yet time still runs on as the nemesis's ticks carried it,
//! so a check that reads the clock fails as it did. Installing a profile that would
//! let it strike after it was left out is refused, naming the fix.

use sim::fault::points::{CLOCK_DRIFT, CLOCK_JUMP, NODE_CRASH, NODE_PAUSE};
use sim::{
    ChoiceKind, ChoiceSource, EventKind, FaultProfile, Invariant, InvariantKind, NemesisConfig, Outcome, Ratio,
    RunConfig, RunResult, Sim, SimTime, TraceMode,
};

const NEMESIS_FAULTS: &[sim::FaultPoint] = &[NODE_CRASH, CLOCK_JUMP, NODE_PAUSE, CLOCK_DRIFT];
const FAULT_PHASE_MS: u64 = 60_000;
const TICK_MAX_MS: u64 = 10_000;

/// A worker that sleeps once, a second into the run, and a nemesis on it.
fn run_quiet_model(profile: FaultProfile, invariants: &[Invariant<()>]) -> RunResult {
    let config = RunConfig {
        fault_phase_ms: FAULT_PHASE_MS,
        liveness_deadline_ms: 600_000,
        trace: TraceMode::Full,
        ..RunConfig::default()
    };
    sim::run(
        ChoiceSource::Seed(3),
        &config,
        move |sim: &Sim| {
            sim.set_fault_profile(profile);
            let worker = sim.add_node("worker");
            sim.on_restart(worker, |_| {});
            let s = sim.clone();
            sim.spawn(worker, "work", async move { s.sleep_ms(1_000).await });
            sim.spawn_nemesis(NemesisConfig { tick_max_ms: TICK_MAX_MS, ..NemesisConfig::new(vec![worker]) });
        },
        invariants,
    )
}

fn spawned(result: &RunResult, task: &str) -> bool {
    result.trace.iter().any(|e| matches!(e.kind, EventKind::Spawn { name } if name == task))
}

#[test]
fn a_nemesis_that_cannot_strike_is_not_started_and_time_runs_to_its_last_possible_tick() {
    let result = run_quiet_model(FaultProfile::none(NEMESIS_FAULTS), &[]);
    assert!(result.outcome.is_pass(), "{:?}", result.outcome);
    assert!(!spawned(&result, "nemesis"));
    assert!(result.tape.choices.iter().all(|c| c.site.as_str() != "nemesis.tick"), "no tick was drawn");
    let phase_end = result.trace.iter().find(|e| e.kind == EventKind::FaultPhaseEnd).expect("the phase ended");
    assert_eq!(phase_end.time, SimTime(FAULT_PHASE_MS), "the fault phase lasts to its end, as with ticks");
    assert_eq!(result.end_time, SimTime(FAULT_PHASE_MS + TICK_MAX_MS));

    let striking = run_quiet_model(FaultProfile::uniform(&[CLOCK_JUMP], Ratio::new(1, 2)), &[]);
    assert!(spawned(&striking, "nemesis"), "a nemesis that can strike still runs");
    assert!(striking.tape.choices.iter().any(|c| c.kind == ChoiceKind::Delay && c.site.as_str() == "nemesis.tick"));
    assert!(striking.end_time > SimTime(FAULT_PHASE_MS) && striking.end_time <= result.end_time);
}

#[test]
fn a_check_that_reads_the_clock_fails_without_the_ticks_as_it_did_with_them() {
    let no_later_than_the_fault_phase = [Invariant::new(
        "clock-within-fault-phase",
        InvariantKind::Safety,
        "true time never passes the end of the fault phase",
        |_: &(), sim: &Sim| {
            (sim.now() <= SimTime(FAULT_PHASE_MS)).then_some(()).ok_or_else(|| format!("it is {}", sim.now()))
        },
    )];
    for profile in [FaultProfile::none(NEMESIS_FAULTS), FaultProfile::uniform(&[CLOCK_JUMP], Ratio::new(1, 2))] {
        let result = run_quiet_model(profile, &no_later_than_the_fault_phase);
        let Outcome::Violation(v) = &result.outcome else { panic!("expected a violation, got {:?}", result.outcome) };
        assert_eq!(v.invariant, "clock-within-fault-phase");
    }
}

#[test]
fn a_profile_that_would_let_a_left_out_nemesis_strike_is_refused() {
    let config = RunConfig::default();
    let result = sim::run(
        ChoiceSource::Seed(1),
        &config,
        |sim: &Sim| {
            sim.set_fault_profile(FaultProfile::none(NEMESIS_FAULTS));
            let worker = sim.add_node("worker");
            sim.on_restart(worker, |_| {});
            sim.spawn_nemesis(NemesisConfig::new(vec![worker]));
            sim.set_fault_profile(FaultProfile::uniform(&[NODE_CRASH], Ratio::ALWAYS));
        },
        &[] as &[Invariant<()>],
    );
    match result.outcome {
        Outcome::Panic { message, .. } => assert!(message.contains("install the profile first"), "{message}"),
        other => panic!("expected the late profile to be refused, got {other:?}"),
    }
}
