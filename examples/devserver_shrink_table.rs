//! The shrink table of S001's reported bugs: for each bug of SYSTEMS.md S001.C, the
//! first seed of V0 (default parameters, swarm faults) whose run violates the bug's
//! invariant *by the bug's mechanism* (a test on the violation's message), then that
//! case shrunk while keeping the mechanism, with model steps before and after and the
//! steps of the bug's schedule in SYSTEMS.md.
//!
//! Run: `cargo run --release --example devserver_shrink_table`. The shrunk cases are
//! saved in `target/shrink-table/devserver/`; the ones in
//! `tests/regressions/devserver/` were recorded this way.

use corpus::Case;
use scenarios::{find, RunOptions};
use shrink::{shrink, ShrinkConfig};
use sim::{ChoiceSource, Outcome, RunResult};

/// A hook's start launched a server over one started for another hook (S001-C03).
fn two_hooks(message: &str) -> bool {
    let id_after = |pat: &str| {
        message.find(pat).map(|i| message[i + pat.len()..].chars().take_while(char::is_ascii_digit).collect::<String>())
    };
    match (id_after(" for h"), id_after("(started for h")) {
        (Some(a), Some(b)) => !a.is_empty() && !b.is_empty() && a != b,
        _ => false,
    }
}

type Mechanism = fn(&str) -> bool;

/// Bug, invariant, mechanism, and the steps of its schedule in SYSTEMS.md.
const BUGS: &[(&str, &str, Mechanism, u64)] = &[
    ("C01", "single-dev-server", |m| m.contains("live web") || m.contains("live mobile"), 3),
    ("C02", "distinct-sessions", |m| m.contains("runs both"), 2),
    ("C03", "no-redundant-start", two_hooks, 5),
    ("C04", "one-poller-per-hook", |m| m.contains("pending auto-start timers"), 3),
    ("C05", "one-poller-per-hook", |m| m.contains("polling intervals"), 2),
    ("C06", "ui-status-latest", |m| m.contains("which a status check observed"), 3),
    ("C07", "dev-server-up", |m| m.contains("no "), 1),
];

const BUDGET: u64 = 2_000;

fn by_mechanism(result: RunResult, mechanism: Mechanism) -> RunResult {
    match &result.outcome {
        Outcome::Violation(v) if mechanism(&v.message) => result,
        _ => RunResult { outcome: Outcome::Pass, ..result },
    }
}

fn main() {
    let (scenario, variant) = find("devserver/redis-lock", Some("v0")).expect("registered");
    for &(bug, invariant, mechanism, schedule) in BUGS {
        let focus = scenario.invariants().into_iter().map(|i| i.name).find(|n| *n == invariant);
        let options = RunOptions { focus, ..RunOptions::default() };
        let found = (0..BUDGET).find_map(|seed| {
            let r = by_mechanism(scenario.run(variant, ChoiceSource::Seed(seed), &options), mechanism);
            (!r.outcome.is_pass()).then_some((seed, r))
        });
        let Some((seed, result)) = found else {
            println!("{bug}: not found in {BUDGET} runs");
            continue;
        };
        let before = result.model_steps;
        let shrunk = shrink(result, ShrinkConfig::default(), |tape, limit| {
            let o = options.clone().step_limit(limit);
            by_mechanism(scenario.run(variant, ChoiceSource::Tape(tape.clone()), &o), mechanism)
        });
        let case = Case::from_run(scenario, variant, seed, &shrunk.result);
        let saved = corpus::Corpus::new("target/shrink-table/devserver").save(&case).expect("target/ is writable");
        println!(
            "S001-{bug} v0 {invariant:<20} seed {seed:>4} ({} runs): {before:>4} -> {:>3} model steps (schedule {schedule})",
            seed + 1,
            case.model_steps
        );
        println!("    {}", saved.display());
        if let Outcome::Violation(v) = &shrunk.result.outcome {
            println!("    {}", v.message);
        }
    }
}
