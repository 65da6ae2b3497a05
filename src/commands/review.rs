//! `lockstep review`: every variant of a scenario against every invariant. Each cell
//! counts the runs whose first violation is that invariant, with the first such seed,
//! so a protocol designer reads which versions break what, and how to see it.

use std::collections::BTreeMap;

use anyhow::bail;
use scenarios::{RunOptions, Scenario};
use serde_json::json;
use sim::ChoiceSource;

use crate::cli::ReviewArgs;
use crate::commands::{replay_command, tuned, tuning_flags, Exit};

/// One cell: how many runs failed this way, and the first seed that did.
#[derive(Clone, Copy, Default)]
struct Cell {
    runs: u64,
    first_seed: Option<u64>,
}

/// A scenario by its full name, or by a prefix naming exactly one (`launcher`).
fn scenario_named(name: &str) -> anyhow::Result<&'static dyn Scenario> {
    let all = scenarios::findable();
    if let Some(s) = all.iter().find(|s| s.name() == name) {
        return Ok(*s);
    }
    let matching: Vec<_> = all.iter().filter(|s| s.name().starts_with(name)).collect();
    match matching.as_slice() {
        [one] => Ok(**one),
        [] => {
            bail!("unknown scenario '{name}' (known: {})", all.iter().map(|s| s.name()).collect::<Vec<_>>().join(", "))
        }
        _ => bail!("'{name}' names several scenarios; give the full name"),
    }
}

pub fn run(args: &ReviewArgs) -> anyhow::Result<Exit> {
    let scenario = scenario_named(&args.scenario)?;
    let mut keys: Vec<&'static str> = scenario.invariants().iter().map(|i| i.name).collect();
    keys.extend(["panic", "no-progress"]);
    let options = tuned(scenario, &args.tuning, RunOptions::default())?;
    let mut matrix: BTreeMap<&'static str, BTreeMap<&'static str, Cell>> = BTreeMap::new();
    for v in scenario.variants() {
        let row = matrix.entry(v.name).or_default();
        for seed in 0..args.runs {
            let result = scenario.run(v.name, ChoiceSource::Seed(seed), &options);
            if let Some(key) = result.outcome.key() {
                let cell = row.entry(key).or_default();
                cell.runs += 1;
                cell.first_seed.get_or_insert(seed);
            }
        }
    }
    if args.json {
        print_json(scenario, &options, args.runs, &keys, &matrix);
    } else {
        print_table(scenario, &options, args.runs, &keys, &matrix);
    }
    let any = matrix.values().any(|row| !row.is_empty());
    Ok(if any { Exit::Violation } else { Exit::Pass })
}

fn print_table(
    scenario: &dyn Scenario,
    options: &RunOptions,
    runs: u64,
    keys: &[&'static str],
    matrix: &BTreeMap<&'static str, BTreeMap<&'static str, Cell>>,
) {
    println!(
        "{}: {runs} runs per variant; a cell counts runs whose first violation is that invariant",
        scenario.name()
    );
    let width = keys.iter().map(|k| k.len()).max().unwrap_or(10);
    print!("{:<width$}", "invariant");
    for v in scenario.variants() {
        print!(" {:>6}", v.name);
    }
    println!();
    for key in keys {
        print!("{key:<width$}");
        for v in scenario.variants() {
            let cell = matrix.get(v.name).and_then(|row| row.get(key)).copied().unwrap_or_default();
            if cell.runs == 0 {
                print!(" {:>6}", ".");
            } else {
                print!(" {:>6}", cell.runs);
            }
        }
        println!();
    }
    println!();
    println!("first violating seed of each cell:");
    for v in scenario.variants() {
        for key in keys {
            if let Some(seed) = matrix.get(v.name).and_then(|row| row.get(key)).and_then(|c| c.first_seed) {
                println!(
                    "  {:<6} {key:<width$}  {}",
                    v.name,
                    replay_command(scenario, v.name, seed) + &tuning_flags(scenario, options)
                );
            }
        }
    }
}

fn print_json(
    scenario: &dyn Scenario,
    options: &RunOptions,
    runs: u64,
    keys: &[&'static str],
    matrix: &BTreeMap<&'static str, BTreeMap<&'static str, Cell>>,
) {
    let cells: Vec<_> = scenario
        .variants()
        .iter()
        .flat_map(|v| {
            keys.iter().map(move |key| {
                let cell = matrix.get(v.name).and_then(|row| row.get(key)).copied().unwrap_or_default();
                json!({
                    "variant": v.name,
                    "invariant": key,
                    "violating_runs": cell.runs,
                    "first_seed": cell.first_seed,
                    "replay": cell.first_seed.map(|s| replay_command(scenario, v.name, s) + &tuning_flags(scenario, options)),
                })
            })
        })
        .collect();
    let report = json!({ "format_version": 1, "scenario": scenario.name(), "runs_per_variant": runs, "cells": cells });
    println!("{report:#}");
}
