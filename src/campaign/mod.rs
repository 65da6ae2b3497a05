//! A campaign: many seeds of one variant, run in parallel and read back in seed order.
//!
//! Seeds run in fixed-size chunks on a rayon pool. The chunk size does not depend on
//! the number of jobs and each chunk's results are handled in seed order, so which
//! violations a campaign finds, which one is "first", and what it writes are the
//! same for `--jobs 1` and `--jobs 8`; only the wall time differs.
//!
//! The workers tally runs themselves ([`RunTally`]) and drop their results where they
//! were made; the campaign's thread only merges one tally per stretch of runs and
//! looks at the few runs it must see one by one: per slice of a chunk, the first run
//! to fail each invariant not yet reported and the first to reach each goal, and any
//! run that ran two ways. Tallying every run on the campaign's thread kept `--jobs 2` no faster than
//! `--jobs 1`; handing it every failing run made a variant whose runs mostly fail
//! (launcher v8) pay for moving, recording and dropping each one there.
//!
//! What the campaign's thread sees is enough for the same reports: it reports (saves,
//! shrinks, prints) only the first failure of each invariant, and a tally keeps the
//! counts and the lowest seed of the others. A failure of an invariant already
//! reported by an earlier chunk, or after an earlier one in its slice, is never that
//! first failure nor the campaign's first violation; and without `--keep-going` the
//! campaign stops at the earlier one, before a tally that holds it is read. Which runs
//! are looked at depends only on the seeds and the chunks before, never on `--jobs`.

pub mod plan;
pub mod progress;
pub mod strategy;

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;
use reports::builder::RunTally;
use scenarios::{RunOptions, Scenario};
use sim::cover::{CoverPlan, CoverRun};
use sim::{ChoiceSource, RunResult};

use self::plan::SeedPlan;
use self::strategy::StrategyArgs;

/// Runs per chunk: large enough to keep every job busy, small enough that a time
/// budget or Ctrl-C is honoured within a fraction of a second.
pub const CHUNK: u64 = 256;

/// Runs a worker takes at a time within a chunk: a few per job keep the jobs evenly
/// busy; any grouping gives the same tallies.
const SLICE: usize = 16;

/// `--check-determinism` replays every `DETERMINISM_SAMPLE`-th run (and every
/// failing one) and compares trace hashes.
pub const DETERMINISM_SAMPLE: u64 = 8;

/// Runs per batch of a `cover` campaign: the plan learns from each batch before it
/// hands out the next. Fixed, so that the runs do not depend on `--jobs`.
pub const COVER_BATCH: u64 = 32;

/// One run of a campaign.
pub struct SeedRun {
    /// The seed; for a `cover` branch run, the seed of its suffix stream.
    pub seed: u64,
    /// The cover plan's run, when the campaign runs `--strategy cover`.
    pub cover: Option<CoverRun>,
    pub result: RunResult,
    /// The trace hash of a second run of the same seed, when it was replayed.
    pub replayed_hash: Option<u64>,
}

impl SeedRun {
    pub fn nondeterministic(&self) -> bool {
        self.replayed_hash.is_some_and(|h| h != self.result.trace_hash)
    }
}

/// Consecutive runs of a chunk, in seed order: the tally of those the campaign need
/// not look at one by one, then the run that ended the stretch if it must.
#[derive(Default)]
pub struct Stretch {
    pub tallied: RunTally,
    /// The seed of the last run in the stretch (`None`: no run, e.g. after a stop).
    pub last_seed: Option<u64>,
    pub notable: Option<SeedRun>,
}

impl Stretch {
    /// A stretch of one run the campaign looks at (`cover` runs: the plan observes
    /// every one). A branch run has no plain seed to resume from.
    pub fn of(run: SeedRun) -> Stretch {
        let last_seed = run.cover.as_ref().map_or(Some(run.seed), |c| c.seed());
        Stretch { tallied: RunTally::default(), last_seed, notable: Some(run) }
    }
}

/// What a campaign runs and how.
pub struct Runner<'a> {
    pub scenario: &'a dyn Scenario,
    pub variant: &'a str,
    pub options: RunOptions,
    pub plan: SeedPlan,
    pub check_determinism: bool,
    pub pool: rayon::ThreadPool,
    /// How each seed's decisions are chosen (random or PCT).
    pub strategy: StrategyArgs,
}

impl Runner<'_> {
    /// Runs `CHUNK` runs from run index `first` on, in parallel; returns them in seed
    /// order as stretches of tallied runs, each ended by a run the campaign must look
    /// at. Failures of the invariants in `reported` (reported already) are only
    /// tallied. Runs not started when `stop` is raised are skipped.
    pub fn chunk(&self, first: u64, stop: &AtomicBool, reported: &BTreeSet<String>) -> Vec<Stretch> {
        let indices: Vec<u64> = (first..first + CHUNK).take_while(|&i| self.plan.seed(i).is_some()).collect();
        let slices: Vec<Vec<Stretch>> = self.pool.install(|| {
            indices
                .par_chunks(SLICE)
                .map(|slice| {
                    let mut stretches = vec![Stretch::default()];
                    // The first run of the slice to fail each invariant, and the first to
                    // reach each goal, are looked at: the campaign reports the earliest
                    // failure and keeps the earliest goal witness and seed.
                    let mut keys_seen = BTreeSet::new();
                    let mut goals_seen = BTreeSet::new();
                    for &i in slice {
                        if stop.load(Ordering::Relaxed) {
                            break;
                        }
                        let Some(seed) = self.plan.seed(i) else { break };
                        let run = self.one(i, seed);
                        let open = stretches.last_mut().expect("never empty");
                        open.last_seed = Some(seed);
                        let new_goals = run.result.goals.iter().filter(|hit| goals_seen.insert(hit.goal)).count();
                        let new_key = run
                            .result
                            .outcome
                            .key()
                            .is_some_and(|key| !reported.contains(key) && keys_seen.insert(key));
                        if run.nondeterministic() || new_key || new_goals > 0 {
                            open.notable = Some(run);
                            stretches.push(Stretch::default());
                        } else {
                            open.tallied.add_run(Some(seed), &run.result);
                        }
                    }
                    stretches
                })
                .collect()
        });
        slices.into_iter().flatten().filter(|s| s.last_seed.is_some()).collect()
    }

    /// The next `COVER_BATCH` runs of `plan` (fewer at the end of the seed plan, run
    /// indices from `first`), in parallel; returned in plan order, for the caller to
    /// observe. Runs not started when `stop` is raised are skipped.
    pub fn cover_chunk(&self, plan: &mut CoverPlan, first: u64, stop: &AtomicBool) -> Vec<SeedRun> {
        let runs: Vec<(u64, CoverRun)> = (first..first + COVER_BATCH)
            .take_while(|&i| self.plan.seed(i).is_some())
            .map(|i| (i, plan.next()))
            .collect();
        self.pool.install(|| {
            runs.into_par_iter()
                .filter_map(|(i, run)| {
                    if stop.load(Ordering::Relaxed) {
                        return None;
                    }
                    let seed = match &run.source {
                        ChoiceSource::Branch { seed, .. } => *seed,
                        _ => run.seed().unwrap_or_default(),
                    };
                    let mut one = self.one_from(i, seed, run.source.clone());
                    one.cover = Some(run);
                    Some(one)
                })
                .collect()
        })
    }

    fn one(&self, index: u64, seed: u64) -> SeedRun {
        self.one_from(index, seed, self.strategy.source(seed))
    }

    fn one_from(&self, index: u64, seed: u64, source: ChoiceSource) -> SeedRun {
        let result = self.scenario.run(self.variant, source.clone(), &self.options);
        let sample = index % DETERMINISM_SAMPLE == 0 || !result.outcome.is_pass();
        let replayed_hash = (self.check_determinism && sample)
            .then(|| self.scenario.run(self.variant, source, &self.options).trace_hash);
        SeedRun { seed, cover: None, result, replayed_hash }
    }

    /// Whether run index `i` is past the end of the plan.
    pub fn exhausted(&self, i: u64) -> bool {
        self.plan.seed(i).is_none()
    }
}
