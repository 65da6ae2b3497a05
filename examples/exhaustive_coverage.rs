//! Exhaustive coverage of `launcher/create-lock` (issue 15): the time and the size of
//! the space to cover the correct variant (`proposed`, both faults allowed) completely
//! at 2, 3 and 4 tabs, with state-hash pruning (`sim::exhaustive::cover`: every value
//! of every decision, each state's futures once); the gain of pruning on the bounded
//! search (`explore` vs `explore_pruned` at the same bound); and, as a check that
//! pruning loses nothing, `cover` on each bug's configuration must find the bug.
//!
//! Run: `cargo run --release --example exhaustive_coverage` (Markdown on stdout).
//! Options: `--tabs 2,3,4`, `--max-runs N` (per search, 2,000,000), `--bound K` (the
//! bounded searches run k = 1..=K, 2), `--param NAME=VALUE` (repeatable: a smaller time grid,
//! e.g. `--param open_max_s=60 --param create_max_s=120`), `--no-bugs` (skip the
//! bug rows).

use std::time::Instant;

use scenarios::create_lock::BUGS;
use scenarios::{find, Params, RunOptions, Scenario};
use sim::exhaustive::{cover, estimate, explore, explore_pruned, ExhaustiveConfig, Exploration};
use sim::{ChoiceSource, RunResult, Tape};

/// `--param NAME=VALUE` overrides (repeatable), with `tabs` set to `tabs`.
fn options_with_tabs(scenario: &dyn Scenario, tabs: u64) -> RunOptions {
    let argv: Vec<String> = std::env::args().collect();
    let pairs = argv.windows(2).filter(|w| w[0] == "--param").map(|w| w[1].as_str());
    let params = Params::parse(scenario.name(), scenario.params(), pairs).expect("known parameters");
    let param = scenario.params().iter().find(|p| p.name == "tabs").expect("a tabs parameter");
    RunOptions::default().with_params(params.with(param, tabs))
}

fn timed(search: impl FnOnce() -> Exploration) -> (Exploration, f64) {
    #[allow(clippy::disallowed_methods)] // Wall time, for the table only.
    let started = Instant::now();
    let found = search();
    (found, started.elapsed().as_secs_f64())
}

fn verdict(e: &Exploration) -> String {
    match &e.failure {
        Some((run, deviations)) => format!("FAILS: {:?} ({deviations} deviations)", run.outcome.key()),
        None if e.complete => "covered completely, no violation".to_string(),
        None => "stopped at the run budget".to_string(),
    }
}

fn main() {
    let argv: Vec<String> = std::env::args().collect();
    let value = |flag: &str| argv.iter().position(|a| a == flag).and_then(|i| argv.get(i + 1)).cloned();
    let tabs: Vec<u64> =
        value("--tabs").map_or(vec![2, 3, 4], |t| t.split(',').filter_map(|n| n.parse().ok()).collect());
    let max_runs: u64 = value("--max-runs").and_then(|v| v.parse().ok()).unwrap_or(2_000_000);
    let bound: u32 = value("--bound").and_then(|v| v.parse().ok()).unwrap_or(2);
    let (scenario, variant) = find("launcher/create-lock", Some("proposed")).expect("registered");

    println!("### `proposed` covered completely (state-hash pruning, every value of every decision)\n");
    println!("| tabs | runs | distinct states explored from | runs cut short by a known state | wall time | verdict |");
    println!("|---|---|---|---|---|---|");
    for &n in &tabs {
        let options = options_with_tabs(scenario, n);
        let one = |tape: &Tape| -> RunResult { scenario.run(variant, ChoiceSource::Tape(tape.clone()), &options) };
        let (e, secs) = timed(|| cover(max_runs, one));
        println!("| {n} | {} | {} | {} | {secs:.1} s | {} |", e.runs, e.states, e.pruned, verdict(&e));
    }

    println!("\n### Every run within k deviations (3 values per decision), without and with pruning\n");
    println!("| tabs | k | estimated runs | runs without pruning | time | runs with pruning | time | complete, no violation |");
    println!("|---|---|---|---|---|---|---|---|");
    for &n in &tabs {
        let options = options_with_tabs(scenario, n);
        let one = |tape: &Tape| -> RunResult { scenario.run(variant, ChoiceSource::Tape(tape.clone()), &options) };
        let default_run = one(&Tape::default());
        for k in 1..=bound {
            let config = ExhaustiveConfig { bound: k, values_per_draw: 3, max_runs };
            let (plain, plain_secs) = timed(|| explore(config, one));
            let (pruned, pruned_secs) = timed(|| explore_pruned(config, one));
            let clean = |e: &Exploration| e.complete && e.failure.is_none();
            println!(
                "| {n} | {k} | {} | {} | {plain_secs:.1} s | {} | {pruned_secs:.1} s | {} |",
                estimate(&default_run.tape, config),
                plain.runs,
                pruned.runs,
                clean(&plain) && clean(&pruned)
            );
        }
    }

    if argv.iter().any(|a| a == "--no-bugs") {
        return;
    }
    println!("\n### Pruning loses no bug: `cover` on each bug's configuration (2 tabs)\n");
    println!("| bug | runs to the violation | wall time | deviations | verdict |");
    println!("|---|---|---|---|---|");
    for bug in &BUGS {
        let (scenario, variant) = find("launcher/create-lock", Some(bug.variant)).expect("registered");
        let options = bug.options(2);
        let one = |tape: &Tape| -> RunResult { scenario.run(variant, ChoiceSource::Tape(tape.clone()), &options) };
        let (e, secs) = timed(|| cover(max_runs, one));
        let deviations = e.failure.as_ref().map_or("-".to_string(), |(_, d)| d.to_string());
        println!("| {} | {} | {secs:.2} s | {deviations} | {} |", bug.name, e.runs, verdict(&e));
    }
}
