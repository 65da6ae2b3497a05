//! Outcomes: violations, caught panics, livelocks, and liveness after the fault phase.

use std::cell::Cell;
use std::rc::Rc;

use sim::{ChoiceSource, Invariant, InvariantKind, NodeId, Outcome, RunConfig, Sim};

fn counter_invariants() -> [Invariant<Rc<Cell<u32>>>; 2] {
    [
        Invariant {
            name: "below-three",
            kind: InvariantKind::Safety,
            doc: "the counter never reaches 3",
            check: |c, _| if c.get() < 3 { Ok(()) } else { Err(format!("counter is {}", c.get())) },
            reads: 0,
        },
        Invariant {
            name: "reaches-two",
            kind: InvariantKind::Liveness,
            doc: "the counter reaches 2 by the deadline",
            check: |c, _| if c.get() >= 2 { Ok(()) } else { Err(format!("counter is only {}", c.get())) },
            reads: 0,
        },
    ]
}

fn counting_run(increments: u32) -> Outcome {
    let setup = move |sim: &Sim| {
        let counter = Rc::new(Cell::new(0));
        let (s, c) = (sim.clone(), counter.clone());
        sim.spawn(NodeId::SYSTEM, "counter", async move {
            for _ in 0..increments {
                s.sleep_ms(10).await;
                c.set(c.get() + 1);
            }
        });
        counter
    };
    sim::run(ChoiceSource::Seed(0), &RunConfig::default(), setup, &counter_invariants()).outcome
}

#[test]
fn safety_is_checked_after_every_step_and_liveness_at_the_end() {
    assert_eq!(counting_run(2), Outcome::Pass);
    match counting_run(5) {
        Outcome::Violation(v) => {
            assert_eq!(v.invariant, "below-three");
            assert_eq!(v.time.as_ms(), 30, "caught at the step that broke it, not later");
        }
        other => panic!("expected a safety violation, got {other:?}"),
    }
    match counting_run(1) {
        Outcome::Violation(v) => assert_eq!(v.invariant, "reaches-two"),
        other => panic!("expected a liveness violation, got {other:?}"),
    }
}

#[test]
fn a_panic_in_model_code_is_an_outcome_not_a_crash() {
    let setup = |sim: &Sim| {
        let s = sim.clone();
        sim.spawn(NodeId::SYSTEM, "buggy", async move {
            s.sleep_ms(5).await;
            panic!("model bug");
        });
    };
    let result = sim::run(ChoiceSource::Seed(9), &RunConfig::default(), setup, &[] as &[Invariant<()>]);
    match result.outcome {
        Outcome::Panic { message, time, .. } => {
            assert_eq!(message, "model bug");
            assert_eq!(time.as_ms(), 5);
        }
        other => panic!("expected a caught panic, got {other:?}"),
    }
}

#[test]
fn a_livelock_hits_the_step_limit() {
    let setup = |sim: &Sim| {
        sim.spawn(NodeId::SYSTEM, "spinner", async {
            loop {
                yield_once().await;
            }
        });
    };
    let config = RunConfig { step_limit: 1_000, ..RunConfig::default() };
    let result = sim::run(ChoiceSource::Seed(0), &config, setup, &[] as &[Invariant<()>]);
    assert!(matches!(result.outcome, Outcome::NoProgress { step: 1_000, .. }), "{:?}", result.outcome);
}

/// Yields to the scheduler once.
async fn yield_once() {
    let mut yielded = false;
    std::future::poll_fn(|cx| {
        if yielded {
            return std::task::Poll::Ready(());
        }
        yielded = true;
        cx.waker().wake_by_ref();
        std::task::Poll::Pending
    })
    .await
}

#[test]
fn draws_made_while_a_run_shuts_down_are_on_its_tape() {
    struct DrawOnDrop(Sim);
    impl Drop for DrawOnDrop {
        fn drop(&mut self) {
            let v = self.0.workload(0, 1_000);
            self.0.note(sim::NodeId::SYSTEM, format!("dropped with {v}"));
        }
    }
    let setup = |sim: &Sim| {
        let guard = DrawOnDrop(sim.clone());
        let s = sim.clone();
        sim.spawn(NodeId::SYSTEM, "outlives the run", async move {
            let _guard = guard;
            s.sleep_ms(u64::MAX / 2).await;
        });
    };
    let config = RunConfig { fault_phase_ms: 10, liveness_deadline_ms: 10, ..RunConfig::default() };
    let first = sim::run(ChoiceSource::Seed(5), &config, setup, &[] as &[Invariant<()>]);
    let replay = sim::run(ChoiceSource::Tape(first.tape.clone()), &config, setup, &[] as &[Invariant<()>]);
    assert_eq!(first.tape.len(), 1, "the draw in the destructor is recorded");
    assert_eq!(first.trace_hash, replay.trace_hash);
}

#[test]
fn wakes_left_by_a_finished_run_do_not_pile_up() {
    // Destructors that notify at shutdown leave wakes behind; a long campaign must
    // not carry them from run to run (memory stays flat, runs stay fast).
    let setup = |sim: &Sim| {
        let notify = sim::Notify::new();
        for _ in 0..50 {
            let n = notify.clone();
            sim.spawn(NodeId::SYSTEM, "waiter", async move { n.notified().await });
        }
        struct NotifyOnDrop(sim::Notify);
        impl Drop for NotifyOnDrop {
            fn drop(&mut self) {
                self.0.notify_all();
            }
        }
        let guard = NotifyOnDrop(notify);
        let s = sim.clone();
        sim.spawn(NodeId::SYSTEM, "holder", async move {
            let _guard = guard;
            s.sleep_ms(u64::MAX / 2).await;
        });
    };
    let config = RunConfig { fault_phase_ms: 10, liveness_deadline_ms: 10, ..RunConfig::default() };
    for seed in 0..20 {
        sim::run(ChoiceSource::Seed(seed), &config, setup, &[] as &[Invariant<()>]);
    }
    assert_eq!(sim::pending_wakes_on_this_thread(), 0);
}

/// A run on a thread whose earlier runs left their buffers and their kernel behind
/// is the same run as on a fresh thread: the whole result alike (tape, trace, hash,
/// steps, time, goals, faults), after runs of every kind and trace mode.
#[test]
fn recycled_buffers_change_no_run() {
    use sim::fault::points::{CLOCK_JUMP, NODE_CRASH, NODE_PAUSE};
    /// `quiet`: no faults, and an idle nemesis that holds time open long after.
    fn run_from(source: ChoiceSource, trace: sim::TraceMode, quiet: bool) -> String {
        let setup = |sim: &Sim| {
            let points = [NODE_CRASH, NODE_PAUSE, CLOCK_JUMP];
            if quiet {
                sim.set_fault_profile(sim::FaultProfile::none(&points));
            } else {
                sim.swarm_faults(&points);
            }
            let counter = Rc::new(Cell::new(0));
            let mut workers = Vec::new();
            for i in 0..3 {
                let node = sim.add_node(format!("w{i}"));
                workers.push(node);
                let (s, c) = (sim.clone(), counter.clone());
                let work = move |sim: &Sim| {
                    let (s, c) = (s.clone(), c.clone());
                    sim.spawn(node, "worker", async move {
                        for _ in 0..3 {
                            let ms = s.between(sim::ChoiceKind::Delay, 1, 5_000);
                            s.sleep_ms(ms + i).await;
                            c.set(c.get() + 1);
                            s.sometimes_if(c.get() == 4, "four");
                        }
                    });
                };
                work(sim);
                sim.on_restart(node, work);
            }
            let tick_max_ms = if quiet { 500_000 } else { 2_000 };
            let short = sim::NemesisConfig { restart_max_ms: 1_000, pause_max_ms: 1_000, ..Default::default() };
            sim.spawn_nemesis(sim::NemesisConfig { targets: workers, tick_max_ms, ..short });
            counter
        };
        let config = RunConfig { trace, fault_phase_ms: 20_000, liveness_deadline_ms: 200_000, ..RunConfig::default() };
        // The liveness check only: a safety violation would end the runs early.
        format!("{:?}", sim::run(source, &config, setup, &counter_invariants()[1..]))
    }
    let run = |seed| run_from(ChoiceSource::Seed(seed), sim::TraceMode::Full, false);
    let fresh: Vec<_> = (0..8).map(|seed| std::thread::spawn(move || run(seed)).join().unwrap()).collect();
    // Each run after another: after a run from a seed, a branch (whose generator the
    // next run seeds again), a hash-only run, and a quiet run that held time open.
    let reused: Vec<_> = (0..8)
        .map(|seed| {
            let branch = ChoiceSource::Branch { prefix: sim::Tape::default(), seed: 99 };
            match seed % 4 {
                1 => drop(run_from(branch, sim::TraceMode::Full, false)),
                2 => drop(run_from(ChoiceSource::Seed(seed + 50), sim::TraceMode::HashOnly, false)),
                3 => drop(run_from(ChoiceSource::Seed(seed + 50), sim::TraceMode::Full, true)),
                _ => {}
            }
            run(seed)
        })
        .collect();
    assert_eq!(fresh, reused);
    assert!(fresh.windows(2).any(|w| w[0] != w[1]), "the seeds make different runs");
    let faults = fresh.iter().filter(|r| r.contains("fault_counts: {\"")).count();
    assert!(faults > 0, "some runs fired faults: {}", fresh[0]);
    assert!(fresh.iter().all(|r| !r.contains("trace: []")), "a full trace keeps its events");
}

/// Restart hooks hold the simulation (a model's hook captures a `Sim` to spawn with):
/// shutdown must drop every one, or each run's kernel would leak through its hooks.
#[test]
fn shutdown_drops_every_restart_hook_and_the_kernel_with_them() {
    struct Dropped(Rc<Cell<u32>>);
    impl Drop for Dropped {
        fn drop(&mut self) {
            self.0.set(self.0.get() + 1);
        }
    }
    let dropped = Rc::new(Cell::new(0));
    let d = dropped.clone();
    let setup = move |sim: &Sim| {
        for i in 0..3 {
            let node = sim.add_node(format!("n{i}"));
            let (s, guard) = (sim.clone(), Dropped(d.clone()));
            sim.on_restart(node, move |_| {
                let _keep = (&s, &guard);
            });
            assert!(sim.restartable(node));
        }
        assert!(!sim.restartable(NodeId::SYSTEM));
        assert!(!sim.restartable(NodeId(9)), "no such node");
    };
    sim::run(ChoiceSource::Seed(1), &RunConfig::default(), setup, &[] as &[Invariant<()>]);
    assert_eq!(dropped.get(), 3, "every hook dropped by the end of the run");
}
