//! The shrink table of the launcher's reported bugs: for each bug of SYSTEMS.md
//! S000.C, the first seed whose run violates the bug's invariant, then its case
//! shrunk, with model-level steps before and after, the steps of the bug's minimal
//! schedule in SYSTEMS.md, and the shrink's time.
//!
//! Run: `cargo run --release --example shrink_table` (add `-- --markdown` for a table,
//! `-- --only C04,C11` for some rows).
//! The shrunk cases are saved in `target/shrink-table/` for `lockstep repro --case`.

use std::time::Instant;

use corpus::{minimize, Case, ShrinkConfig};
use scenarios::{find, RunOptions};
use sim::ChoiceSource;

/// Bug, variant, invariant, and the actions (actor steps and faults) of its minimal
/// schedule as SYSTEMS.md lists them.
const BUGS: &[(&str, &str, &str, u64)] = &[
    ("C01", "v0", "parallel-progress", 4),
    ("C02", "v0", "one-creator-per-user", 6),
    ("C03/C05", "v1", "waiting-tabs-progress", 7),
    ("C04", "v1", "no-spin", 4),
    ("C06 configs", "v1", "session-runs-tab-config", 4),
    ("C06 uploads", "v8", "no-session-on-partial-skill", 4),
    ("C07", "v2", "waiting-tabs-progress", 5),
    ("C08", "v3", "no-lost-skill", 6),
    ("C10", "v4", "no-premature-reclaim", 5),
    ("C11", "v1", "no-orphan", 7),
    ("C12", "v6", "config-hash-truthful", 6),
    ("C13", "v6", "ui-truthful", 5),
    ("C14", "v7", "ui-truthful", 6),
];

const BUDGET: u64 = 20_000;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let markdown = args.iter().any(|a| a == "--markdown");
    // `--only C04,C11` runs those rows alone.
    let only: Option<Vec<String>> = args
        .iter()
        .position(|a| a == "--only")
        .and_then(|i| args.get(i + 1))
        .map(|s| s.split(',').map(str::to_string).collect());
    if markdown {
        println!("| bug | variant | invariant | seed | steps before | steps after | schedule | ratio | shrink runs | shrink time |");
        println!("|---|---|---|---|---|---|---|---|---|---|");
    }
    for &(bug, variant, invariant, schedule) in BUGS {
        if only.as_ref().is_some_and(|only| !only.iter().any(|o| bug.starts_with(o.as_str()))) {
            continue;
        }
        let (scenario, variant) = find("launcher/multi-tab", Some(variant)).expect("registered");
        // The bug's invariant alone: another that fails first must not hide it.
        let focus = scenario.invariants().into_iter().map(|i| i.name).find(|n| *n == invariant);
        let options = RunOptions { focus, ..RunOptions::default() };
        let found = (0..BUDGET).find_map(|seed| {
            let r = scenario.run(variant, ChoiceSource::Seed(seed), &options);
            (r.outcome.key() == Some(invariant)).then_some((seed, r))
        });
        let Some((seed, result)) = found else {
            println!("{bug}: not found in {BUDGET} runs");
            continue;
        };
        let case = Case::from_run(scenario, variant, seed, &result);
        #[allow(clippy::disallowed_methods)] // Wall time of the shrink, for the table only.
        let started = Instant::now();
        let m = minimize(scenario, &case, ShrinkConfig::default()).expect("the case fails");
        let secs = started.elapsed().as_secs_f64();
        let saved = corpus::Corpus::new("target/shrink-table").save(&m.case).expect("target/ is writable");
        let after = m.case.model_steps;
        let ratio = after as f64 / schedule as f64;
        if markdown {
            println!(
                "| {bug} | {variant} | {invariant} | {seed} | {} | {after} | {schedule} | {ratio:.1} | {} | {secs:.1} s |",
                case.model_steps, m.runs
            );
        } else {
            println!(
                "{bug:<12} {variant} {invariant:<28} seed {seed:>5}: {:>4} -> {after:>3} model steps (schedule {schedule}, {ratio:.1}x), {} runs, {secs:.1}s",
                case.model_steps, m.runs
            );
            println!("             {}", saved.display());
        }
    }
}
