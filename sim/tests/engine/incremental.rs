//! Incremental safety checks: an invariant is checked only after a step that changed
//! a footprint part it reads, and that finds the same violation at the same step as
//! checking everything.

use std::cell::Cell;
use std::rc::Rc;

use sim::{ChoiceSource, Invariant, InvariantKind, NodeId, Outcome, Reads, RunConfig, Sim, Tracked};

/// A counter that a task bumps every 10 ms, and a task that only sleeps (steps that
/// change nothing); `checks` counts the invariant's checks.
struct World {
    counter: Tracked<u32>,
    checks: Cell<u32>,
}

fn footprint(w: &Rc<World>, _: &Sim, r: &mut Reads) {
    r.cell(&w.counter);
}

fn below(w: &Rc<World>, _: &Sim) -> Result<(), String> {
    w.checks.set(w.checks.get() + 1);
    let n = *w.counter.borrow();
    if n < 3 {
        Ok(())
    } else {
        Err(format!("counter is {n}"))
    }
}

const INVARIANTS: &[Invariant<Rc<World>>] =
    &[Invariant::new("below-three", InvariantKind::Safety, "the counter stays below 3", below).reading(1)];

fn run(increments: u32, check_everything: bool) -> (Outcome, u64, u32) {
    let world = Rc::new(World { counter: Tracked::new(0), checks: Cell::new(0) });
    let w = world.clone();
    let setup = move |sim: &Sim| {
        let (s, c) = (sim.clone(), w.clone());
        sim.spawn(NodeId::SYSTEM, "counter", async move {
            for _ in 0..increments {
                s.sleep_ms(10).await;
                *c.counter.borrow_mut() += 1;
            }
        });
        let s = sim.clone();
        sim.spawn(NodeId::SYSTEM, "idler", async move {
            for _ in 0..50 {
                s.sleep_ms(1).await;
            }
        });
        w
    };
    let config = RunConfig { check_everything, ..RunConfig::default() };
    let result = sim::run_with_footprint(ChoiceSource::Seed(0), &config, setup, INVARIANTS, Some(footprint));
    (result.outcome, result.steps, world.checks.get())
}

#[test]
fn checks_run_only_after_steps_that_wrote_what_they_read() {
    let (fast, fast_steps, fast_checks) = run(2, false);
    let (every, every_steps, every_checks) = run(2, true);
    assert_eq!((fast.clone(), fast_steps), (every, every_steps));
    assert!(fast.is_pass());
    // The first step, the two increments and the end of the run; the idler's steps
    // change nothing.
    assert_eq!(fast_checks, 4);
    assert_eq!(u64::from(every_checks), every_steps + 1);
}

#[test]
fn a_violation_is_found_at_the_same_step_either_way() {
    let (fast, fast_steps, _) = run(5, false);
    let (every, every_steps, _) = run(5, true);
    assert_eq!((&fast, fast_steps), (&every, every_steps));
    match fast {
        Outcome::Violation(v) => assert_eq!(v.time.as_ms(), 30),
        other => panic!("expected a violation, got {other:?}"),
    }
}

/// More than 64 words: no mask can name the parts past the 64th, so the footprint
/// counts as changed after every step and every invariant is checked, as before.
fn wide_footprint(w: &Rc<World>, _: &Sim, r: &mut Reads) {
    for _ in 0..70 {
        r.word(0);
    }
    r.cell(&w.counter);
}

#[test]
fn a_footprint_past_64_parts_checks_after_every_step() {
    let world = Rc::new(World { counter: Tracked::new(0), checks: Cell::new(0) });
    let w = world.clone();
    let setup = move |sim: &Sim| {
        let s = sim.clone();
        sim.spawn(NodeId::SYSTEM, "idler", async move {
            for _ in 0..20 {
                s.sleep_ms(1).await;
            }
        });
        w
    };
    let result =
        sim::run_with_footprint(ChoiceSource::Seed(0), &RunConfig::default(), setup, INVARIANTS, Some(wide_footprint));
    assert!(result.outcome.is_pass());
    assert_eq!(u64::from(world.checks.get()), result.steps + 1);
}
