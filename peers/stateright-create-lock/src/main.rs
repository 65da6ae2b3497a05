//! stateright's breadth-first search over `launcher/create-lock` (issue 15's peer):
//! per bug, the states explored and the wall time to the first (hence shortest)
//! counterexample and its length; per tab count, the time and states to cover the
//! correct configuration completely.
//!
//! ```text
//! stateright-create-lock rows  [--tabs N] [--repeat R]       the detection rows (Markdown)
//! stateright-create-lock cover [--tabs 2,3,4] [--repeat R]   the correct configuration, covered
//!                              (BFS, and DFS with symmetry reduction over the tabs)
//! stateright-create-lock check --variant v4|v5|proposed [--tabs N] [--ttl SECONDS]
//!                              [--faults none|insert|crash|one] [--invariant NAME]
//!                                                            one search; prints the counterexample
//! ```
//!
//! One checker thread, so the search is plain FIFO breadth-first and its numbers are
//! the same on every run (only the wall time varies: the tables give the median).

mod model;
mod search;
mod symmetry;

use std::process::ExitCode;

use create_lock_abstraction::args::{self, Args};
use create_lock_abstraction::spec::{correct, Config, ROWS};
use search::{bfs, search, Outcome, Search};

fn main() -> ExitCode {
    args::dispatch("stateright-create-lock", &[("rows", rows), ("cover", cover), ("check", check)])
}

fn rows(args: &mut Args) -> Result<ExitCode, String> {
    let tabs = args.number("tabs", 2, 2..=4)?;
    let repeat = args.number("repeat", 5, 1..=100)?;
    args.done()?;
    println!("| bug | variant | TTL | faults | invariant | stateright BFS: states to detection | wall time (median of {repeat}) | counterexample length |");
    println!("|---|---|---|---|---|---|---|---|");
    for row in ROWS {
        let cfg = Config::new(row.variant, tabs as u8, row.ttl_s, row.faults);
        let out = bfs(cfg, Some(row.invariant), repeat);
        let length = out.counterexample.as_ref().map_or("not found".to_string(), |p| format!("{} actions", p.len()));
        println!("{} {} unique ({} generated) | {} | {} |", row.cells(), out.unique, out.generated, ms(&out), length);
    }
    Ok(ExitCode::SUCCESS)
}

fn cover(args: &mut Args) -> Result<ExitCode, String> {
    let tabs = args.list("tabs", &[2, 3, 4], 2..=4)?;
    let repeat = args.number("repeat", 1, 1..=100)?;
    args.done()?;
    println!("| configuration | tabs | search | unique states | generated | max depth | wall time | result |");
    println!("|---|---|---|---|---|---|---|---|");
    let mut clean = true;
    for n in tabs {
        let cfg = correct(n as u8);
        for how in [Search::Bfs, Search::DfsSymmetry] {
            let out = search(how, cfg, None, repeat);
            clean &= out.broken.is_none();
            let result = match out.broken {
                None => "covered, every invariant holds".to_string(),
                Some(name) => format!("broken: `{name}`"),
            };
            println!(
                "| {} {} s, faults {} | {n} | {} | {} | {} | {} | {} | {result} |",
                cfg.variant.name(),
                u32::from(cfg.ttl) * 30,
                cfg.faults.name(),
                match how {
                    Search::Bfs => "BFS",
                    Search::DfsSymmetry => "DFS + symmetry",
                },
                out.unique,
                out.generated,
                out.max_depth,
                ms(&out),
            );
        }
    }
    Ok(if clean { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn check(args: &mut Args) -> Result<ExitCode, String> {
    let (cfg, only) = args.config()?;
    args.done()?;
    let out = bfs(cfg, only, 1);
    println!("{} unique states ({} generated), max depth {}, {}", out.unique, out.generated, out.max_depth, ms(&out));
    match (&out.counterexample, out.broken) {
        (Some(path), Some(name)) => {
            println!("violation of {name} after {} actions:", path.len());
            for action in path {
                println!("  {action:?}");
            }
            Ok(ExitCode::from(1))
        }
        _ => {
            println!("covered: every checked invariant holds");
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn ms(out: &Outcome) -> String {
    format!("{:.1} ms", out.wall.as_secs_f64() * 1e3)
}
