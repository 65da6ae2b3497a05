//! The full exactness campaign of the incremental invariant checks: every variant of
//! every scenario, seeds `0..N` (default 1,000), run with the incremental checks and
//! with every invariant checked after every step; any difference in outcome, steps or
//! trace hash is printed and makes the exit code 1. Prints, per scenario, the runs and
//! the time each mode took (the speed-up of the incremental checks).
//!
//! `cargo run --release --example check_everything -- [SEEDS]`

use std::time::Instant;

use scenarios::{all, RunOptions};
use sim::ChoiceSource;

#[allow(clippy::disallowed_methods)] // Wall time for the speed columns only, never for runs.
fn main() {
    let seeds: u64 = std::env::args().nth(1).map_or(1000, |s| s.parse().expect("SEEDS is a number"));
    let mut differ = 0;
    println!("| scenario | runs | violating | incremental s | everything s |");
    println!("|---|---|---|---|---|");
    for scenario in all() {
        let (mut runs, mut violating, mut fast_s, mut every_s) = (0, 0, 0.0, 0.0);
        for v in scenario.variants() {
            for seed in 0..seeds {
                let t = Instant::now();
                let fast = scenario.run(v.name, ChoiceSource::Seed(seed), &RunOptions::default());
                fast_s += t.elapsed().as_secs_f64();
                let t = Instant::now();
                let every = scenario.run(v.name, ChoiceSource::Seed(seed), &RunOptions::default().check_everything());
                every_s += t.elapsed().as_secs_f64();
                if (&fast.outcome, fast.steps, fast.trace_hash) != (&every.outcome, every.steps, every.trace_hash) {
                    differ += 1;
                    println!("DIFFERS: {} --variant {} --seed {seed}", scenario.name(), v.name);
                }
                runs += 1;
                violating += usize::from(!fast.outcome.is_pass());
            }
        }
        println!("| {} | {runs} | {violating} | {fast_s:.1} | {every_s:.1} |", scenario.name());
    }
    if differ > 0 {
        println!("{differ} runs differ");
        std::process::exit(1);
    }
}
