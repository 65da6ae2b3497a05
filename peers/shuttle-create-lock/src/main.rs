//! shuttle's randomized and PCT schedulers on `launcher/create-lock` (issue 15's peer):
//! per bug, the iterations and wall time to the first failing execution, median over
//! campaign seeds, for `check_random` and `check_pct` at depth 2 and 3.
//!
//! ```text
//! shuttle-create-lock rows  [--tabs N] [--seeds 10] [--budget 100000]   the detection rows (Markdown)
//! shuttle-create-lock check --variant v4|v5|proposed [--tabs N] [--ttl SECONDS]
//!                           [--faults none|insert|crash|one] [--invariant NAME]
//!                           [--strategy random|pct2|pct3] [--seed S] [--budget N]
//!                                                                       one campaign
//! ```
//!
//! A campaign is a shuttle `Runner` whose scheduler is seeded with the campaign seed
//! (`RandomScheduler::new_from_seed`, `PctScheduler::new_from_seed`: what
//! `check_random` and `check_pct` build with a fresh seed), so every number here is
//! reproducible but the wall time.

mod clock;
mod run;
mod swarm;
mod tab;
mod world;

use std::process::ExitCode;
use std::time::Duration;

use create_lock_abstraction::args::{self, Args};
use create_lock_abstraction::spec::{Config, ROWS};
use run::{campaign, Detection, Strategy};

fn main() -> ExitCode {
    // Each failing execution panics by design; shuttle reports it, the campaign counts it.
    std::panic::set_hook(Box::new(|_| {}));
    args::dispatch("shuttle-create-lock", &[("rows", rows), ("check", check)])
}

const STRATEGIES: [Strategy; 3] = [Strategy::Random, Strategy::Pct(2), Strategy::Pct(3)];

fn rows(args: &mut Args) -> Result<ExitCode, String> {
    let tabs = args.number("tabs", 2, 2..=4)?;
    let seeds = args.number("seeds", 10, 1..=1000)?;
    let budget = args.number("budget", 100_000, 1..=100_000_000)? as usize;
    args.done()?;
    println!("| bug | variant | TTL | faults | invariant | shuttle strategy | iterations to detection (median of {seeds} seeds) | wall time (median) | found |");
    println!("|---|---|---|---|---|---|---|---|---|");
    let mut sound = true;
    for row in ROWS {
        let cfg = Config::new(row.variant, tabs as u8, row.ttl_s, row.faults);
        for strategy in STRATEGIES {
            let runs: Vec<Detection> =
                (0..u64::from(seeds)).map(|seed| campaign(cfg, Some(row.invariant), strategy, seed, budget)).collect();
            sound &= runs
                .iter()
                .all(|d| d.message.as_ref().is_none_or(|m| m.starts_with(&format!("violation of {}", row.invariant))));
            let found = runs.iter().filter(|d| d.iterations.is_some()).count();
            println!(
                "{} {} | {} | {} | {found}/{seeds} |",
                row.cells(),
                strategy.name(),
                median_iterations(&runs, budget),
                ms(median(runs.iter().map(|d| d.wall).collect())),
            );
        }
    }
    if !sound {
        eprintln!(
            "shuttle-create-lock: a campaign failed on something other than its row's invariant (run `check` on it)"
        );
        return Ok(ExitCode::from(3));
    }
    Ok(ExitCode::SUCCESS)
}

/// The median of the iterations, a campaign that found nothing counting as more than
/// the budget.
fn median_iterations(runs: &[Detection], budget: usize) -> String {
    let mut its: Vec<usize> = runs.iter().map(|d| d.iterations.unwrap_or(usize::MAX)).collect();
    its.sort();
    match its[its.len() / 2] {
        usize::MAX => format!("> {budget}"),
        n => n.to_string(),
    }
}

fn median(mut walls: Vec<Duration>) -> Duration {
    walls.sort();
    walls[walls.len() / 2]
}

fn check(args: &mut Args) -> Result<ExitCode, String> {
    let (cfg, only) = args.config()?;
    let strategy = match args.text("strategy")?.as_deref() {
        None | Some("random") => Strategy::Random,
        Some("pct2") => Strategy::Pct(2),
        Some("pct3") => Strategy::Pct(3),
        Some(other) => return Err(format!("unknown strategy {other:?}: random, pct2 or pct3")),
    };
    let seed = u64::from(args.number("seed", 0, 0..=u32::MAX)?);
    let budget = args.number("budget", 100_000, 1..=100_000_000)? as usize;
    args.done()?;
    let d = campaign(cfg, only, strategy, seed, budget);
    match (d.iterations, d.message) {
        (Some(n), Some(message)) => {
            println!("{} seed {seed}: failed at iteration {n} after {}: {message}", strategy.name(), ms(d.wall));
            Ok(ExitCode::from(1))
        }
        _ => {
            println!("{} seed {seed}: {budget} iterations passed in {}", strategy.name(), ms(d.wall));
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}
