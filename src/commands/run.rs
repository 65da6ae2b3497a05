//! `lockstep run`: many seeds of one variant. Each failing seed is replayed with a
//! full trace and reported with its timeline and the command that replays it.

use std::time::Instant;

use reports::timeline;
use scenarios::{RunOptions, Scenario};
use sim::{ChoiceSource, RunResult};

use crate::cli::RunArgs;
use crate::commands::{replay_command, resolve, Exit};

/// How often a long run prints a progress line, in wall-clock seconds.
const PROGRESS_EVERY_SECS: u64 = 5;

/// Seeds run when neither `--runs`, `--seeds` nor `--seed` says otherwise.
const DEFAULT_RUNS: u64 = 1000;

pub fn run(args: &RunArgs) -> anyhow::Result<Exit> {
    let (scenario, variant) = resolve(&args.target)?;
    // Flags on the command line and `LOCKSTEP_*` variables from CI may both be set:
    // the most specific wins rather than a conflict.
    let seeds = match (args.seed, args.seeds) {
        (Some(seed), _) => seed..=seed,
        (None, Some(range)) => range.start..=range.end - 1,
        (None, None) => 0..=args.runs.unwrap_or(DEFAULT_RUNS) - 1,
    };
    let total = seeds.end() - seeds.start() + 1;
    println!("{} --variant {variant}: seeds {}..={} ({total} runs)", scenario.name(), seeds.start(), seeds.end());
    #[allow(clippy::disallowed_methods)] // Wall time for progress lines only; never reaches a run.
    let started = Instant::now();
    let mut last_progress = 0;
    let (mut runs, mut violations) = (0u64, 0u64);
    for seed in seeds {
        let result = scenario.run(variant, ChoiceSource::Seed(seed), &RunOptions::default());
        runs += 1;
        if args.check_determinism {
            let again = scenario.run(variant, ChoiceSource::Seed(seed), &RunOptions::default());
            if again.trace_hash != result.trace_hash {
                eprintln!(
                    "NONDETERMINISM at seed {seed}: trace hash {:016x} then {:016x}\n  replay: {}",
                    result.trace_hash,
                    again.trace_hash,
                    replay_command(scenario, variant, seed)
                );
                return Ok(Exit::Nondeterminism);
            }
        }
        if !result.outcome.is_pass() {
            violations += 1;
            report_failure(scenario, variant, seed, args.tail);
            if !args.keep_going {
                break;
            }
        }
        let elapsed = started.elapsed().as_secs();
        if elapsed >= last_progress + PROGRESS_EVERY_SECS {
            last_progress = elapsed;
            eprintln!(
                "progress: {runs}/{total} runs, {violations} violations, {:.0} runs/s",
                runs as f64 / started.elapsed().as_secs_f64()
            );
        }
    }
    let secs = started.elapsed().as_secs_f64();
    println!("{runs} runs, {violations} with violations, {:.0} runs/s", runs as f64 / secs.max(1e-9));
    Ok(if violations == 0 { Exit::Pass } else { Exit::Violation })
}

fn report_failure(scenario: &dyn Scenario, variant: &str, seed: u64, tail: usize) {
    let full: RunResult = scenario.run(variant, ChoiceSource::Seed(seed), &RunOptions::default().full_trace());
    println!();
    println!("FAIL {} --variant {variant} seed {seed}", scenario.name());
    println!("  {}", timeline::outcome_line(&full.outcome));
    print!("{}", timeline::render(&full, Some(tail)));
    println!("  replay: {}", replay_command(scenario, variant, seed));
    println!();
}
