//! How a campaign chooses the values of a run's decisions (`--strategy`).
//!
//! Every strategy is a way of choosing values on the same tape (DESIGN.md,
//! Exploration): `random` draws each decision uniformly from the seed's stream; `pct`
//! draws schedule decisions from PCT priorities ([`sim::PctConfig`]); `exhaustive`
//! enumerates tapes by their number of deviations from the default run
//! ([`sim::exhaustive`]); `cover` runs plain seeds and branches from the first run
//! that reached a rare `sometimes` goal ([`sim::cover`]). Their runs replay, shrink and are saved the same way; a
//! seed's replay command carries the strategy's flags.

use clap::{Args, ValueEnum};
use sim::cover::CoverConfig;
use sim::exhaustive::ExhaustiveConfig;
use sim::{ChoiceSource, PctConfig};

/// Which exploration strategy a campaign uses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum StrategyName {
    /// Every decision uniform from the seed's stream, faults swarmed (the default).
    #[default]
    Random,
    /// PCT: random node priorities with `--depth - 1` change points; finds bugs that
    /// need one actor to run far ahead of another.
    Pct,
    /// Every run within `--bound` deviations from the default, fewest first; the
    /// first failure is a shortest counterexample. `--dry-run` estimates the size.
    Exhaustive,
    /// Plain seeds, and runs that replay the tape of the first run that reached a rare
    /// `sometimes` goal up to that moment and draw the rest afresh (`--cover-budget`).
    Cover,
}

/// The strategy flags of `run` and `repro`.
#[derive(Clone, Debug, Args)]
pub struct StrategyArgs {
    /// How to choose each run's decisions: random, pct, exhaustive or cover.
    #[arg(long, value_enum, default_value_t = StrategyName::Random)]
    pub strategy: StrategyName,
    /// PCT: the bug depth searched for (depth - 1 priority change points).
    #[arg(long, default_value_t = PctConfig::default().depth, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub depth: u32,
    /// PCT: the schedule decisions over which change points are spread (about a run's
    /// length in schedule decisions; `repro` prints a run's `choices`).
    #[arg(long, default_value_t = PctConfig::default().steps, value_parser = clap::value_parser!(u64).range(1..))]
    pub pct_steps: u64,
    /// Exhaustive: the most decisions a run may change from the default run.
    #[arg(long, default_value_t = ExhaustiveConfig::default().bound)]
    pub bound: u32,
    /// Exhaustive: values tried per decision besides its default (spread over its range).
    #[arg(long, default_value_t = ExhaustiveConfig::default().values_per_draw, value_parser = clap::value_parser!(u64).range(1..))]
    pub values_per_draw: u64,
    /// Exhaustive: print the estimated size of the search and stop.
    #[arg(long)]
    pub dry_run: bool,
    /// Cover: runs branched from each rare goal's first witness.
    #[arg(long, default_value_t = CoverConfig::default().budget, value_parser = clap::value_parser!(u64).range(1..))]
    pub cover_budget: u64,
}

impl Default for StrategyArgs {
    /// `--strategy random` with every other flag at its default.
    fn default() -> StrategyArgs {
        StrategyArgs {
            strategy: StrategyName::Random,
            depth: PctConfig::default().depth,
            pct_steps: PctConfig::default().steps,
            bound: ExhaustiveConfig::default().bound,
            values_per_draw: ExhaustiveConfig::default().values_per_draw,
            dry_run: false,
            cover_budget: CoverConfig::default().budget,
        }
    }
}

impl StrategyArgs {
    /// Where the run of `seed` draws its decisions from.
    pub fn source(&self, seed: u64) -> ChoiceSource {
        match self.strategy {
            StrategyName::Pct => ChoiceSource::Pct { seed, config: self.pct() },
            StrategyName::Random | StrategyName::Exhaustive | StrategyName::Cover => ChoiceSource::Seed(seed),
        }
    }

    pub fn pct(&self) -> PctConfig {
        PctConfig { depth: self.depth, steps: self.pct_steps }
    }

    pub fn exhaustive(&self, max_runs: u64) -> ExhaustiveConfig {
        ExhaustiveConfig { bound: self.bound, values_per_draw: self.values_per_draw, max_runs }
    }

    /// The cover plan's configuration: random runs take the seeds of run indices
    /// `0, 1, 2, …` of a plan starting at `first_seed` with `stride` between seeds.
    pub fn cover(&self, first_seed: u64, stride: u64) -> CoverConfig {
        CoverConfig { first_seed, stride, budget: self.cover_budget, ..CoverConfig::default() }
    }

    /// The flags a seed's replay command needs to make the same run (none for random,
    /// nor for cover, whose seeds are plain; its branch runs replay from case files).
    pub fn replay_flags(&self) -> String {
        match self.strategy {
            StrategyName::Pct => format!(" --strategy pct --depth {} --pct-steps {}", self.depth, self.pct_steps),
            StrategyName::Random | StrategyName::Exhaustive | StrategyName::Cover => String::new(),
        }
    }
}
