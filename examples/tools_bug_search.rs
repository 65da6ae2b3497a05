//! The search table of S004's reported bugs: for each bug and each version that has
//! it, the first seed whose run (checking only the bug's invariant) violates it the
//! way the bug does, then that case shrunk with the bug's shape kept, with model steps
//! before and after beside the steps of its schedule in SYSTEMS.md; and, for each
//! version that fixes it, how many of the first `--silent N` seeds show it (0).
//!
//! Run: `cargo run --release --example tools_bug_search [-- --silent 2000]`. The shrunk
//! cases are saved in `target/tools-cases/` (copy them to `tests/regressions/tools/`).

use corpus::{Case, Corpus};
use scenarios::tools::bugs::{Bug, BUGS};
use scenarios::{find, RunOptions, Scenario};
use shrink::{shrink, ShrinkConfig};
use sim::{ChoiceSource, Outcome, RunResult};

const BUDGET: u64 = 200_000;

fn is_bug(bug: &Bug, r: &RunResult) -> bool {
    matches!(&r.outcome, Outcome::Violation(v) if v.invariant == bug.invariant && (bug.matches)(&v.message))
}

fn options(scenario: &dyn Scenario, bug: &Bug) -> RunOptions {
    let focus = scenario.invariants().into_iter().map(|i| i.name).find(|n| *n == bug.invariant);
    RunOptions { focus, ..RunOptions::default() }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let silent: u64 =
        args.iter().position(|a| a == "--silent").and_then(|i| args.get(i + 1)?.parse().ok()).unwrap_or(0);
    for bug in BUGS {
        for variant in bug.found_in {
            let (scenario, variant) = find("tools/siblings", Some(variant)).expect("registered");
            let options = options(scenario, bug);
            let found = (0..BUDGET).find_map(|seed| {
                let r = scenario.run(variant, ChoiceSource::Seed(seed), &options);
                is_bug(bug, &r).then_some((seed, r))
            });
            let Some((seed, result)) = found else {
                println!("{} {variant}: not found in {BUDGET} runs", bug.id);
                continue;
            };
            let before = result.model_steps;
            // Shrink with the bug's shape kept: a candidate that fails another way passes.
            let shrunk = shrink(result, ShrinkConfig::default(), |tape, limit| {
                let mut r = scenario.run(variant, ChoiceSource::Tape(tape.clone()), &options.clone().step_limit(limit));
                if !is_bug(bug, &r) && r.outcome.key() == Some(bug.invariant) {
                    r.outcome = Outcome::Pass;
                }
                r
            });
            let mut case = Case::from_run(scenario, variant, seed, &shrunk.result);
            case.shrunk_from_model_steps = Some(before);
            let saved = Corpus::new("target/tools-cases").save(&case).expect("target/ is writable");
            println!(
                "{} {variant:<4} {:<20} seed {seed:>6} ({} runs): {before:>3} -> {:>3} model steps (schedule {}), {} shrink runs; {}",
                bug.id,
                bug.invariant,
                seed + 1,
                case.model_steps,
                bug.schedule_steps,
                shrunk.runs,
                saved.display()
            );
        }
        if silent > 0 {
            for variant in bug.fixed_in {
                let (scenario, variant) = find("tools/siblings", Some(variant)).expect("registered");
                let options = options(scenario, bug);
                let hits = (0..silent)
                    .filter(|&s| is_bug(bug, &scenario.run(variant, ChoiceSource::Seed(s), &options)))
                    .count();
                println!("{} {variant:<8} fixed: {hits} of {silent} runs show it", bug.id);
            }
        }
    }
}
