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

use sim::{ChoiceKind, ChoiceSource, FaultPoint, Invariant, InvariantKind, RunConfig, RunResult, Sim};

use crate::scenario::{InvariantInfo, RunOptions, Scenario, VariantInfo};

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
                    "nondeterministic" => s.note(node, format!("step {step}: value {value}, run {hidden}")),
                    _ => {
                        s.note(node, format!("step {step}: value {value}"));
                        assert!(step < 2 || value < 6, "{name} drew {value} at step {step}: index out of range");
                    }
                }
            }
        });
    }
}

impl Scenario for Harness {
    fn name(&self) -> &'static str {
        "fixture/harness"
    }

    fn doc(&self) -> &'static str {
        "test-only models that break the harness's promises on purpose"
    }

    fn variants(&self) -> &'static [VariantInfo] {
        VARIANTS
    }

    fn invariants(&self) -> Vec<InvariantInfo> {
        INVARIANTS.iter().map(InvariantInfo::from).collect()
    }

    fn fault_points(&self) -> &'static [FaultPoint] {
        &[]
    }

    fn run(&self, variant: &str, source: ChoiceSource, options: &RunOptions) -> RunResult {
        let variant = VARIANTS.iter().find(|v| v.name == variant).map_or("panics", |v| v.name);
        sim::run(source, &run_config(options), |sim: &Sim| build(sim, variant), INVARIANTS)
    }
}
