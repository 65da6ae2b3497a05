//! Test-only scenarios (cargo feature `fixtures`, enabled for this workspace's tests
//! and never in a release build): models that break the harness's own promises on
//! purpose, so the command line's handling of them can be tested end to end. They
//! are found by name but never listed (`lockstep list`, `scenarios::all`), so the
//! determinism test over every listed scenario does not meet them.
//!
//! `fixture/harness --variant nondeterministic` reads a counter shared by every run
//! of the process, outside the choice tape: the same seed runs two ways.
//! `--variant panics` is model code with a bug: it panics when a worker draws a
//! large enough value, after a few steps, on about half of all seeds.

use std::sync::atomic::{AtomicU64, Ordering};

use sim::{ChoiceKind, ChoiceSource, Invariant, InvariantKind, RunConfig, RunResult, Sim};

use crate::scenario::{describe_scenario, RunOptions, Scenario, VariantInfo};

pub struct Harness;

const VARIANTS: &[VariantInfo] = &[
    VariantInfo { name: "nondeterministic", doc: "reads a process-wide counter: the same seed runs two ways" },
    VariantInfo { name: "panics", doc: "model code panics when a worker draws a value of 6 or more" },
];

/// The invariant that never fails: the fixtures fail in the harness, not in the model.
const INVARIANTS: &[Invariant<()>] = &[Invariant {
    name: "always-true",
    kind: InvariantKind::Safety,
    doc: "holds in every state",
    check: |_, _| Ok(()),
    reads: 0,
}];

/// Every run of this process so far: the nondeterministic variant's hidden input.
static RUNS: AtomicU64 = AtomicU64::new(0);

fn run_config(options: &RunOptions) -> RunConfig {
    options.run_config(1_000, 2_000, 10_000)
}

/// Two workers take a few steps each; the variant decides what goes wrong.
fn build(sim: &Sim, variant: &'static str) {
    let hidden = RUNS.fetch_add(1, Ordering::Relaxed);
    for name in ["w1", "w2"] {
        let node = sim.add_node(name);
        let s = sim.clone();
        sim.spawn(node, "worker", async move {
            for step in 0..4 {
                let value = s.between(ChoiceKind::Workload, 0, 9);
                s.sleep_ms(s.between(ChoiceKind::Delay, 1, 20)).await;
                match variant {
                    "nondeterministic" => sim::note!(s, node, "step {step}: value {value}, run {hidden}"),
                    _ => {
                        sim::note!(s, node, "step {step}: value {value}");
                        assert!(step < 2 || value < 6, "{name} drew {value} at step {step}: index out of range");
                    }
                }
            }
        });
    }
}

impl Scenario for Harness {
    describe_scenario! {
        name: "fixture/harness",
        doc: "test-only models that break the harness's promises on purpose",
        variants: VARIANTS,
        invariants: INVARIANTS,
        faults: &[],
    }

    fn run(&self, variant: &str, source: ChoiceSource, options: &RunOptions) -> RunResult {
        let variant = VARIANTS.iter().find(|v| v.name == variant).map_or("panics", |v| v.name);
        sim::run(source, &run_config(options), |sim: &Sim| build(sim, variant), INVARIANTS)
    }
}

/// `fixture/slow-shrink --variant slow`: a failure whose shrink runs for seconds, so a
/// test can interrupt it (shrinks of the real scenarios now end in under a second).
/// Four workers draw values and add them to a shared sum; the run fails once the sum
/// passes [`SUM_LIMIT`]. Every candidate the shrinker tries is a whole run, and each
/// step burns [`BURN_PER_STEP`] rounds of arithmetic: the work is deterministic and
/// touches nothing outside the run, it only takes time.
pub struct SlowShrink;

const SLOW_VARIANTS: &[VariantInfo] =
    &[VariantInfo { name: "slow", doc: "every run burns CPU; the shrinker needs thousands of them" }];

const SUM_LIMIT: u64 = 4_000;
const BURN_PER_STEP: u64 = 200_000;

type Sum = std::rc::Rc<std::cell::Cell<u64>>;

const SLOW_INVARIANTS: &[Invariant<Sum>] = &[Invariant::new(
    "sum-below-limit",
    InvariantKind::Safety,
    "the workers' values add up to at most 4000",
    |sum, _| if sum.get() > SUM_LIMIT { Err(format!("the sum is {}", sum.get())) } else { Ok(()) },
)];

/// Arithmetic the optimizer cannot drop: the time a real model's step might take.
fn burn(seed: u64) -> u64 {
    (0..BURN_PER_STEP)
        .fold(seed, |x, i| std::hint::black_box(x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(i)))
}

fn build_slow(sim: &Sim) -> Sum {
    let sum = Sum::default();
    for name in ["w1", "w2", "w3", "w4"] {
        let node = sim.add_node(name);
        let (s, sum) = (sim.clone(), sum.clone());
        sim.spawn(node, "worker", async move {
            for _ in 0..100 {
                let value = s.between(ChoiceKind::Workload, 0, 99);
                std::hint::black_box(burn(value));
                sim::note!(s, node, "adds {value}");
                sum.set(sum.get() + value);
                s.sleep_ms(s.between(ChoiceKind::Delay, 1, 20)).await;
            }
        });
    }
    sum
}

impl Scenario for SlowShrink {
    describe_scenario! {
        name: "fixture/slow-shrink",
        doc: "a test-only failure whose shrink takes seconds",
        variants: SLOW_VARIANTS,
        invariants: SLOW_INVARIANTS,
        faults: &[],
    }

    fn run(&self, _variant: &str, source: ChoiceSource, options: &RunOptions) -> RunResult {
        sim::run(source, &options.run_config(10_000, 0, 100_000), build_slow, SLOW_INVARIANTS)
    }
}
