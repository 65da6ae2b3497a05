//! `lockstep repro`: replays one seed and prints everything that happened. The output
//! depends on nothing but the scenario, variant and seed, so it is byte-identical on
//! every machine and every run.

use reports::timeline;
use scenarios::RunOptions;
use sim::ChoiceSource;

use crate::cli::ReproArgs;
use crate::commands::{resolve, Exit};

pub fn run(args: &ReproArgs) -> anyhow::Result<Exit> {
    let (scenario, variant) = resolve(&args.target)?;
    let result = scenario.run(variant, ChoiceSource::Seed(args.seed), &RunOptions::default().full_trace());
    println!("{} --variant {variant} --seed {}", scenario.name(), args.seed);
    let enabled: Vec<String> = result.fault_profile.iter().map(|(n, r)| format!("{n} {r}")).collect();
    println!("faults enabled: {}", if enabled.is_empty() { "none".to_string() } else { enabled.join(", ") });
    let fired: Vec<String> = result.fault_counts.iter().map(|(n, c)| format!("{n} x{c}")).collect();
    println!("faults fired: {}", if fired.is_empty() { "none".to_string() } else { fired.join(", ") });
    print!("{}", timeline::render(&result, None));
    println!("outcome: {}", timeline::outcome_line(&result.outcome));
    println!(
        "steps {}, events {}, choices {}, trace hash {:016x}",
        result.steps,
        result.events,
        result.tape.len(),
        result.trace_hash
    );
    Ok(if result.outcome.is_pass() { Exit::Pass } else { Exit::Violation })
}
