//! `lockstep repro`: replays one seed or one case file and prints everything that
//! happened. The output depends on nothing but the scenario, variant and choices, so
//! it is byte-identical on every machine and every run.

use anyhow::Context;
use corpus::Case;
use reports::timeline;
use scenarios::RunOptions;
use sim::RunResult;

use crate::cli::{ReproArgs, Target};
use crate::commands::{focus_named, resolve, tuned, tuning_flags, Exit};

pub fn run(args: &ReproArgs) -> anyhow::Result<Exit> {
    let result = match &args.case {
        Some(path) => {
            let case = Case::load(path)?;
            let (scenario, variant) = case.target(path)?;
            println!("{} --variant {variant} --case {} (seed {})", scenario.name(), path.display(), case.seed);
            println!("checks: {}", case.invariant);
            if !case.params.is_empty() || case.faults.is_some() {
                println!("with:{}", tuning_flags(scenario, &case.options(scenario)));
            }
            let replay = case.replay(scenario, true);
            if !replay.same_trace {
                println!(
                    "note: the trace hash is {:016x}, the case recorded {}: the model changed since it was recorded",
                    replay.result.trace_hash, case.trace_hash
                );
            }
            if let Some(note) = replay.fit_note() {
                println!("{note}");
            }
            if !replay.still_fails {
                println!("note: the case no longer fails {}", case.invariant);
            }
            replay.result
        }
        None => {
            let target = Target {
                scenario: args.scenario.clone().context("a scenario or --case is required")?,
                variant: args.variant.clone(),
            };
            let (scenario, variant) = resolve(&target)?;
            let seed = args.seed.context("--seed or --case is required")?;
            let focus = focus_named(scenario, args.invariant.as_deref())?;
            let options = tuned(scenario, &args.tuning, RunOptions { focus, ..RunOptions::default() }.full_trace())?;
            println!(
                "{} --variant {variant} --seed {seed}{}{}",
                scenario.name(),
                tuning_flags(scenario, &options),
                args.strategy.replay_flags()
            );
            if let Some(f) = focus {
                println!("checks: {f}");
            }
            scenario.run(variant, args.strategy.source(seed), &options)
        }
    };
    print_run(&result);
    Ok(if result.outcome.is_pass() { Exit::Pass } else { Exit::Violation })
}

fn print_run(result: &RunResult) {
    let enabled: Vec<String> = result.fault_profile.iter().map(|(n, r)| format!("{n} {r}")).collect();
    println!("faults enabled: {}", if enabled.is_empty() { "none".to_string() } else { enabled.join(", ") });
    let fired: Vec<String> = result.fault_counts.iter().map(|(n, c)| format!("{n} x{c}")).collect();
    println!("faults fired: {}", if fired.is_empty() { "none".to_string() } else { fired.join(", ") });
    for line in &result.workload {
        println!("workload: {line}");
    }
    print!("{}", timeline::render(result, None));
    println!("outcome: {}", timeline::outcome_line(&result.outcome));
    println!(
        "steps {}, model steps {}, events {}, choices {}, trace hash {:016x}",
        result.steps,
        result.model_steps,
        result.events,
        result.tape.len(),
        result.trace_hash
    );
}
