//! The command-line grammar (clap derive). Every option says what it does and its
//! default; the ones CI sets can also come from `LOCKSTEP_*` environment variables.

use clap::{Args, Parser, Subcommand};

use crate::seeds::SeedRange;

/// Deterministic simulation testing for lock and coordination protocols.
///
/// lockstep runs a model of a whole system (clients, servers, crons, browser tabs)
/// under seeded simulated time and network, injects faults, checks named invariants
/// after every step, and prints the exact command that replays any failure.
///
/// Exit codes: 0 no violation, 1 violation found, 2 bad usage or input,
/// 3 nondeterminism detected.
#[derive(Debug, Parser)]
#[command(name = "lockstep", version, after_help = EXAMPLES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

const EXAMPLES: &str = "Examples:
  lockstep list
  lockstep run demo/lock --variant check-then-set --runs 1000
  lockstep repro demo/lock --variant check-then-set --seed 17
  lockstep review launcher --runs 500
  lockstep bench --runs 2000";

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List scenarios with their variants, invariants and fault points.
    List,
    /// Run many seeds of one scenario variant and report the first violation.
    Run(RunArgs),
    /// Replay one seed and print its full timeline (the same bytes every time).
    Repro(ReproArgs),
    /// Every variant against every invariant: a matrix of violating runs and seeds.
    Review(ReviewArgs),
    /// Measure runs and simulated events per second against a hand-written event loop.
    Bench(BenchArgs),
}

/// Which scenario variant to run.
#[derive(Debug, Args)]
pub struct Target {
    /// The scenario, as `lockstep list` names it (e.g. demo/lock).
    pub scenario: String,
    /// The protocol variant; required when the scenario has more than one.
    #[arg(long, short = 'v')]
    pub variant: Option<String>,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub target: Target,
    /// Run seeds 0..N [default: 1000]. `--seed` and `--seeds` take precedence.
    #[arg(long, env = "LOCKSTEP_RUNS", value_parser = clap::value_parser!(u64).range(1..))]
    pub runs: Option<u64>,
    /// Run the seeds A..B (B excluded), e.g. 5000..6000. `--seed` takes precedence.
    #[arg(long, env = "LOCKSTEP_SEEDS")]
    pub seeds: Option<SeedRange>,
    /// Run this one seed (decimal or 0x-prefixed hex).
    #[arg(long, value_parser = crate::seeds::parse_seed)]
    pub seed: Option<u64>,
    /// Collect every violation instead of stopping at the first.
    #[arg(long)]
    pub keep_going: bool,
    /// Run every seed twice and compare trace hashes; exit 3 if any differ.
    #[arg(long)]
    pub check_determinism: bool,
    /// How many timeline events to print per failure (the replay shows them all).
    #[arg(long, default_value_t = 25)]
    pub tail: usize,
}

#[derive(Debug, Args)]
pub struct ReproArgs {
    #[command(flatten)]
    pub target: Target,
    /// The seed to replay (decimal or 0x-prefixed hex).
    #[arg(long, value_parser = crate::seeds::parse_seed)]
    pub seed: u64,
}

#[derive(Debug, Args)]
pub struct ReviewArgs {
    /// The scenario, or a prefix naming one (e.g. launcher).
    pub scenario: String,
    /// Seeds 0..N per variant.
    #[arg(long, default_value_t = 1000)]
    pub runs: u64,
    /// Print the matrix as JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Runs per measurement.
    #[arg(long, default_value_t = 2000)]
    pub runs: u64,
}
