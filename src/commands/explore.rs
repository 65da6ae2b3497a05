//! `lockstep run --strategy exhaustive`: bounded exhaustive search over the tapes
//! within `--bound` deviations of the default run, fewest deviations first.
//!
//! It says how large the space is before it starts (estimated from the default run's
//! decisions), whether it covered the space completely, and, for a failure, the
//! deviations it took: a shortest counterexample when every lower level was covered.
//! A failure is saved as a case file like any other and replays with `repro --case`.

use corpus::{Case, Corpus};
use reports::timeline;
use scenarios::{RunOptions, Scenario};
use sim::exhaustive::{estimate, explore};
use sim::{ChoiceSource, Tape};

use crate::campaign::strategy::StrategyArgs;
use crate::commands::{replay_case_command, Exit};

/// Runs the search; `max_runs` bounds it (`--runs`).
pub fn run(
    scenario: &'static dyn Scenario,
    variant: &'static str,
    options: &RunOptions,
    strategy: &StrategyArgs,
    max_runs: u64,
    corpus: Option<&Corpus>,
) -> anyhow::Result<Exit> {
    let config = strategy.exhaustive(max_runs);
    let one = |tape: &Tape| scenario.run(variant, ChoiceSource::Tape(tape.clone()), options);
    let default_run = one(&Tape::default());
    let size = estimate(&default_run.tape, config);
    println!(
        "{} --variant {variant}: exhaustive, at most {} deviations, {} values per decision: about {size} runs \
         (estimated from the default run's {} decisions; budget {max_runs} runs)",
        scenario.name(),
        config.bound,
        config.values_per_draw,
        default_run.tape.len(),
    );
    if strategy.dry_run {
        return Ok(Exit::Pass);
    }
    let found = explore(config, one);
    let covered = match found.complete_levels {
        Some(level) => format!("every run within {level} deviations covered"),
        None => "no level covered completely".to_string(),
    };
    let Some((result, deviations)) = found.failure else {
        let verdict = if found.complete { "the space was covered completely" } else { "stopped at the run budget" };
        println!("{} runs, no violation; {covered}; {verdict}", found.runs);
        return Ok(if found.complete { Exit::Pass } else { Exit::Interrupted });
    };
    let shortest = if found.complete_levels.map_or(deviations == 0, |l| l + 1 == deviations) {
        "a shortest counterexample"
    } else {
        "not proven shortest (a lower level was cut short)"
    };
    println!("{} runs; {covered}", found.runs);
    let case = Case::from_run(scenario, variant, 0, &result);
    let replay = case.replay(scenario, true).result;
    println!(
        "\nFAIL {} --variant {variant}: {deviations} deviations from the default run, {shortest}",
        scenario.name()
    );
    println!("  {}", timeline::outcome_line(&replay.outcome));
    print!("{}", timeline::render_steps(&replay, None));
    if let Some(corpus) = corpus {
        match corpus.save(&case) {
            Ok(path) => println!("  replay: {}", replay_case_command(&path)),
            Err(e) => eprintln!("warning: cannot write case file into {}: {e}", corpus.dir.display()),
        }
    }
    Ok(Exit::Violation)
}
