//! The command-line grammar (clap derive). Every option says what it does and its
//! default; the ones CI sets can also come from `LOCKSTEP_*` environment variables.

use clap::{Args, Parser, Subcommand};
use corpus::ShrinkConfig;

use crate::campaign::plan::Shard;
use crate::campaign::strategy::StrategyArgs;
use crate::seeds::SeedRange;

/// Deterministic simulation testing for lock and coordination protocols.
///
/// lockstep runs a model of a whole system (clients, servers, crons, browser tabs)
/// under seeded simulated time and network, injects faults, checks named invariants
/// after every step, and prints the exact command that replays any failure.
///
/// Exit codes: 0 no violation, 1 violation found, 2 bad usage or input (or output
/// that could not be written, when nothing failed), 3 nondeterminism detected,
/// 130 interrupted (Ctrl-C, SIGTERM, SIGHUP) before any violation.
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
  lockstep repro --case lockstep-regressions/demo-lock.check-then-set.mutual-exclusion.seed-0.json
  lockstep shrink --case FILE --out small.json
  lockstep run launcher/multi-tab --variant v8 --time 10m --shard 1/4 --report out/1
  lockstep merge out/1 out/2 out/3 out/4 --report out/all
  lockstep review launcher --runs 500
  lockstep bench --runs 2000";

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List scenarios with their variants, invariants and fault points.
    List,
    /// Run many seeds of one scenario variant and report the first violation.
    Run(RunArgs),
    /// Replay one seed or case file and print its full timeline (the same bytes every time).
    Repro(ReproArgs),
    /// Shrink a case file to the fewest steps that still fail the same invariant.
    Shrink(ShrinkArgs),
    /// Combine the JSON reports of `run --shard K/N` jobs into one report.
    Merge(MergeArgs),
    /// Every variant against every invariant: a matrix of violating runs and seeds.
    Review(ReviewArgs),
    /// Measure runs and simulated events per second against a hand-written event loop.
    Bench(BenchArgs),
}

/// Parameter overrides and the fault swarm's focus, for every command that runs.
#[derive(Debug, Args, Default)]
pub struct Tuning {
    /// Override a scenario parameter, e.g. `--param lease_ttl_ms=300000` (repeatable;
    /// `lockstep list` shows every parameter with its default and unit).
    #[arg(long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    /// Narrow the fault swarm: `node.pause,net.delay.long` keeps only those points,
    /// `-net.reply.lost` takes one out. Recorded in case files and reports.
    #[arg(long, value_name = "POINTS", allow_hyphen_values = true)]
    pub faults: Option<String>,
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
    /// Offset the seeds `--runs` or `--time` choose by this base: a number, `date`
    /// (today's UTC date as YYYYMMDD * 10^8) or `commit` ($GITHUB_SHA or git HEAD)
    /// [default: `date` for `--time` alone, else 0]. Printed and recorded in the report.
    #[arg(long, env = "LOCKSTEP_SEED_BASE")]
    pub seed_base: Option<crate::seed_base::BaseSpec>,
    /// Run until this much wall time is spent (e.g. 90s, 10m, 1h); with `--runs`,
    /// whichever ends first.
    #[arg(long, env = "LOCKSTEP_TIME", value_parser = humantime::parse_duration)]
    pub time: Option<std::time::Duration>,
    /// Run only shard K of N (1-based): every Nth seed from the Kth, so the shards of
    /// a CI matrix never overlap. Combine their reports with `lockstep merge`.
    #[arg(long, env = "LOCKSTEP_SHARD")]
    pub shard: Option<Shard>,
    /// Parallel jobs [default: the number of CPUs]. Findings do not depend on it.
    #[arg(long, short = 'j', env = "LOCKSTEP_JOBS", value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub jobs: Option<u64>,
    /// Check only this invariant (others may fail first and hide it).
    #[arg(long)]
    pub invariant: Option<String>,
    #[command(flatten)]
    pub tuning: Tuning,
    /// Count every violating seed instead of stopping at the first. The first failure
    /// of each invariant is shrunk and saved; the others are listed with their seeds.
    #[arg(long)]
    pub keep_going: bool,
    /// Replay every 8th seed and every failing one, and compare trace hashes; exit 3
    /// if any differ.
    #[arg(long)]
    pub check_determinism: bool,
    /// Check every safety invariant after every step, not only those whose state the
    /// step changed (the reference the incremental checks must agree with; slower).
    /// For a model whose footprint masks are in doubt.
    #[arg(long)]
    pub check_everything: bool,
    /// Report failures as found, without shrinking them.
    #[arg(long)]
    pub no_shrink: bool,
    /// Candidate runs the shrinker may spend per failure.
    #[arg(long, default_value_t = ShrinkConfig::default().max_runs)]
    pub shrink_runs: u64,
    /// The regression corpus: its cases for this variant replay before any new seed,
    /// and every failure found is saved there as a case file.
    #[arg(long, env = "LOCKSTEP_CORPUS", default_value = "lockstep-regressions")]
    pub corpus: std::path::PathBuf,
    /// Neither replay nor write a corpus.
    #[arg(long)]
    pub no_corpus: bool,
    /// How many model steps of the shrunk timeline to print per failure (the replay
    /// shows every event).
    #[arg(long, default_value_t = 25)]
    pub tail: usize,
    #[command(flatten)]
    pub strategy: StrategyArgs,
    #[command(flatten)]
    pub report: ReportArgs,
}

/// Where reports go and in which formats.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Write reports into this folder (created if missing). With `$GITHUB_STEP_SUMMARY`
    /// set, the Markdown summary is also appended there.
    #[arg(long, env = "LOCKSTEP_REPORT")]
    pub report: Option<std::path::PathBuf>,
    /// Report formats, comma-separated: json, junit, markdown, html, or all.
    #[arg(long, default_value = "all")]
    pub format: String,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Shard reports (`lockstep-report.json` files, or the folders holding them).
    #[arg(required = true)]
    pub reports: Vec<std::path::PathBuf>,
    #[command(flatten)]
    pub report: ReportArgs,
}

#[derive(Debug, Args)]
pub struct ReproArgs {
    /// The scenario, as `lockstep list` names it; not needed with `--case`.
    #[arg(required_unless_present = "case")]
    pub scenario: Option<String>,
    /// The protocol variant; required when the scenario has more than one.
    #[arg(long, short = 'v', conflicts_with = "case")]
    pub variant: Option<String>,
    /// The seed to replay (decimal or 0x-prefixed hex).
    #[arg(long, value_parser = crate::seeds::parse_seed, required_unless_present = "case", conflicts_with = "case")]
    pub seed: Option<u64>,
    /// Check only this invariant, as the campaign that printed the command did (a
    /// case file always checks its own).
    #[arg(long, conflicts_with = "case")]
    pub invariant: Option<String>,
    /// Replay a case file (as `run` writes into the corpus, or `shrink` produces).
    #[arg(long, conflicts_with = "scenario")]
    pub case: Option<std::path::PathBuf>,
    /// With `--seed`: the parameters and faults the run used. A case file records its own.
    #[command(flatten)]
    pub tuning: Tuning,
    /// The strategy the seed ran under (a `run --strategy pct` failure prints these).
    #[command(flatten)]
    pub strategy: StrategyArgs,
}

#[derive(Debug, Args)]
pub struct ShrinkArgs {
    /// The case file to shrink.
    #[arg(long)]
    pub case: std::path::PathBuf,
    /// Where to write the shrunk case [default: over the input file].
    #[arg(long)]
    pub out: Option<std::path::PathBuf>,
    /// Candidate runs the shrinker may spend.
    #[arg(long, default_value_t = ShrinkConfig::default().max_runs)]
    pub runs: u64,
    /// Override the case's recorded parameters or fault filter.
    #[command(flatten)]
    pub tuning: Tuning,
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
    #[command(flatten)]
    pub tuning: Tuning,
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Runs per measurement.
    #[arg(long, default_value_t = 2000)]
    pub runs: u64,
    /// The madsim peer's binary (`scripts/bench-madsim.sh` builds it): runs the same
    /// demo/lock workload on madsim 0.2 and prints both engines side by side.
    #[arg(long, value_name = "BINARY")]
    pub madsim: Option<std::path::PathBuf>,
    /// Measure only this scenario (and `--variant`): its variants with and without
    /// faults, then the jobs table and the memory lines on its first variant.
    #[arg(long, value_name = "NAME")]
    pub scenario: Option<String>,
    /// With `--scenario`: only this variant.
    #[arg(long, requires = "scenario")]
    pub variant: Option<String>,
    /// Also run campaigns of `--runs` runs at 1..=N jobs and print runs/s and the
    /// parallel efficiency of each (demo/lock compare-and-set unless `--scenario`).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub jobs: Option<u32>,
}
