//! The campaign report: what many seeded runs of one scenario variant found, as one
//! value that every output format (JSON, JUnit, Markdown, HTML) renders and that
//! `merge` combines across shards.
//!
//! Its content depends only on the seeds run and what they did, never on how many
//! jobs ran them or how fast: counts are sums, first seeds are minimums, failures are
//! sorted by seed. Wall time, runs per second and jobs live apart, in [`Timing`], the
//! one part that may differ between two campaigns over the same seeds.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sim::{Outcome, RunResult};

pub use crate::builder::{CampaignBuilder, CampaignMeta, DEFAULT_MAX_FAILURES_PER_INVARIANT};
use crate::sequence::Diagram;
use crate::timeline;

/// The version of the JSON layout. Readers refuse a newer one rather than guess.
pub const FORMAT_VERSION: u32 = 1;

/// This build's version, recorded in every report it writes.
pub const LOCKSTEP_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The outcome keys of runs that failed outside any invariant, tallied after the
/// scenario's own invariants (the same keys as [`Outcome::key`]).
pub const HARNESS_KEYS: [(&str, &str); 2] = [
    ("panic", "model code panicked: a bug in the model or the harness"),
    ("no-progress", "the step limit was reached: a livelock, or a workload too large for the limit"),
];

/// The kind [`InvariantTally::kind`] gives the [`HARNESS_KEYS`].
pub const HARNESS_KIND: &str = "harness";

/// Everything a campaign found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CampaignReport {
    pub format_version: u32,
    pub lockstep_version: String,
    pub scenario: String,
    pub variant: String,
    pub seeds: Seeds,
    /// What bounded the campaign, as the user gave it (`runs 1000`, `time 60s`).
    pub budget: String,
    pub runs: u64,
    /// Runs that violated any invariant (or panicked, or made no progress).
    pub violating_runs: u64,
    /// At most this many failures are kept per invariant, those of the lowest seeds,
    /// so the report stays small over a campaign of any length. Counts are exact.
    pub max_failures_per_invariant: u64,
    /// One entry per invariant of the scenario, in scenario order, then the
    /// [`HARNESS_KEYS`]; zero counts included.
    pub invariants: Vec<InvariantTally>,
    /// Every fault point of the scenario, by name; zero counts included, so a fault
    /// that never fired shows.
    pub faults: BTreeMap<String, FaultTally>,
    /// Sorted by seed, then invariant.
    pub failures: Vec<Failure>,
    /// The only part that depends on the machine, the number of jobs and timing.
    pub timing: Timing,
    /// Whether the campaign ran to its end. A report written while it runs (so that a
    /// killed job leaves one) and the report of an interrupted campaign say `false`.
    #[serde(default = "yes")]
    pub complete: bool,
    /// The one invariant checked (`run --invariant`); `None` checks every one.
    #[serde(default)]
    pub focus: Option<String>,
    /// The regression corpus replayed before the seeds.
    #[serde(default)]
    pub corpus: CorpusTally,
    /// Set when a seed's two runs differed (`--check-determinism`): what was seen.
    #[serde(default)]
    pub nondeterminism: Option<String>,
    /// Every `sometimes` goal of the scenario, in scenario order (then goals runs
    /// reached that the scenario does not declare, by name); zero counts included, so
    /// a goal never reached shows.
    #[serde(default)]
    pub goals: Vec<GoalTally>,
}

fn yes() -> bool {
    true
}

/// Corpus cases replayed before the campaign's seeds, and how many still fail. These
/// failures are not runs of the campaign's seeds, so they are counted apart, but they
/// fail the campaign like any violation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorpusTally {
    pub replayed: u64,
    pub still_failing: u64,
}

/// Where a campaign's seeds came from when the user did not list them: `--seed-base`
/// (a number, or derived from the date or the commit), so that nightly jobs run fresh
/// seeds and any night can be run again.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeedBase {
    pub value: u64,
    /// How the value was chosen: `given`, `date 2026-12-05`, `commit 1a2b3c4d5e6f`.
    pub source: String,
}

/// The seeds a campaign covered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seeds {
    pub start: u64,
    /// Inclusive.
    pub end: u64,
    /// Which slice of the seed space this run covered, as given to `--shard`.
    pub shard: Option<Shard>,
    /// The first seed of the range a shard is a slice of: shard K of N takes the seeds
    /// `split_start + K - 1 + i * N`. `merge` uses it to prove shards disjoint.
    #[serde(default)]
    pub split_start: Option<u64>,
    /// The seed base the range was offset by, if any.
    #[serde(default)]
    pub base: Option<SeedBase>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl std::fmt::Display for Seeds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}..={}", self.start, self.end)?;
        if let Some(s) = self.shard {
            write!(f, " (shard {}/{})", s.index, s.count)?;
        }
        Ok(())
    }
}

/// How many runs broke one invariant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvariantTally {
    pub name: String,
    /// `safety`, `liveness`, or `harness` for the [`HARNESS_KEYS`].
    pub kind: String,
    pub doc: String,
    /// Runs whose first violation was this invariant.
    pub violating_runs: u64,
    /// The lowest such seed.
    pub first_seed: Option<u64>,
    /// Whether runs checked it: `run --invariant X` checks only X.
    #[serde(default = "yes")]
    pub checked: bool,
    /// Corpus cases of this invariant that still fail (not counted in the runs).
    #[serde(default)]
    pub corpus_failures: u64,
}

impl InvariantTally {
    /// Whether this invariant failed, in the seeds run or in the corpus.
    pub fn failed(&self) -> bool {
        self.violating_runs > 0 || self.corpus_failures > 0
    }
}

/// How often one fault point was on and fired.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultTally {
    /// Runs whose swarm profile enabled it.
    pub runs_enabled: u64,
    /// Runs in which it fired at least once.
    pub runs_fired: u64,
    /// Times it fired, over all runs.
    pub fired: u64,
}

/// How many runs reached one `sometimes` goal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoalTally {
    pub name: String,
    pub doc: String,
    /// Runs that reached it.
    pub runs_reached: u64,
    /// The lowest plain seed that reached it (a `cover` branch run has no seed).
    pub first_seed: Option<u64>,
}

impl GoalTally {
    /// How every format words the tally: `12 runs, first seed 3`, `never reached`.
    pub fn summary(&self) -> String {
        match (self.runs_reached, self.first_seed) {
            (0, _) => "never reached".to_string(),
            (n, Some(seed)) => format!("{n} runs, first seed {seed}"),
            (n, None) => format!("{n} runs (branch runs only)"),
        }
    }
}

/// One failing seed: what broke, how to replay it, and its (shrunk) counterexample.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    pub seed: u64,
    /// The invariant's name, or one of the [`HARNESS_KEYS`].
    pub invariant: String,
    pub kind: String,
    pub message: String,
    /// The step and simulated time of the violation in the counterexample shown (the
    /// shrunk run, if any): message, step, time, timeline and diagram tell one story.
    pub step: u64,
    pub time_ms: u64,
    /// The command that replays this seed.
    pub replay: String,
    /// Where its case file was saved, if it was.
    pub case_file: Option<String>,
    /// Model-level steps (`sim::EventKind::is_model_step`) of the seed's run and of
    /// the shrunk run, when it was shrunk.
    pub steps_before_shrink: Option<u64>,
    pub steps_after_shrink: Option<u64>,
    /// The text timeline of the counterexample (the shrunk run, if any).
    pub timeline: String,
    /// The counterexample as a sequence diagram; `None` without a full trace.
    pub diagram: Option<Diagram>,
}

impl Failure {
    /// The failure of `seed`, whose run `original` failed; `shrunk` is its shrunk
    /// counterexample, if it was shrunk. The timeline and diagram come from the run
    /// that has the full trace to show: the shrunk one, else the original, and so do
    /// the message, step and time, so that all of them tell one story. `None` when
    /// `original` passed.
    pub fn from_runs(seed: u64, original: &RunResult, shrunk: Option<&RunResult>, replay: String) -> Option<Failure> {
        original.outcome.key()?;
        // A shrunk run fails the same invariant by construction; anything else is not it.
        let shrunk = shrunk.filter(|s| s.outcome.key() == original.outcome.key());
        let shown = shrunk.unwrap_or(original);
        let (invariant, kind, message, step, time) = match &shown.outcome {
            Outcome::Pass => return None,
            Outcome::Violation(v) => (v.invariant, v.kind.to_string(), v.message.clone(), v.step, v.time),
            Outcome::Panic { message, step, time } => {
                ("panic", HARNESS_KIND.to_string(), message.clone(), *step, *time)
            }
            Outcome::NoProgress { reason, step, time } => {
                ("no-progress", HARNESS_KIND.to_string(), reason.clone(), *step, *time)
            }
        };
        let has_trace = !shown.trace.is_empty();
        Some(Failure {
            seed,
            invariant: invariant.to_string(),
            kind,
            message,
            step,
            time_ms: time.as_ms(),
            replay,
            case_file: None,
            steps_before_shrink: shrunk.map(|_| original.model_steps),
            steps_after_shrink: shrunk.map(|s| s.model_steps),
            timeline: if has_trace {
                format!(
                    "{}{}\n",
                    timeline::render(shown, Some(crate::sequence::MAX_ROWS)),
                    timeline::outcome_line(&shown.outcome)
                )
            } else {
                String::new()
            },
            diagram: has_trace.then(|| Diagram::from_run(shown)),
        })
    }
}

/// Wall-clock facts about how the campaign ran: never compare these.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Timing {
    pub jobs: u32,
    pub wall_secs: f64,
    pub runs_per_sec: f64,
}

impl Timing {
    /// The timing of `runs` runs done by `jobs` jobs in `wall_secs`.
    pub fn new(jobs: u32, wall_secs: f64, runs: u64) -> Timing {
        let runs_per_sec = if wall_secs > 0.0 { runs as f64 / wall_secs } else { 0.0 };
        Timing { jobs, wall_secs, runs_per_sec }
    }
}

impl CampaignReport {
    /// The report with its timing cleared: what two campaigns over the same seeds must
    /// agree on, whatever their jobs and speed.
    pub fn without_timing(&self) -> CampaignReport {
        CampaignReport { timing: Timing::default(), ..self.clone() }
    }

    /// Whether the campaign failed: a run violated an invariant, a corpus case still
    /// fails, or a seed ran two different ways.
    pub fn failed(&self) -> bool {
        self.violating_runs > 0 || self.corpus.still_failing > 0 || self.nondeterminism.is_some()
    }

    /// The verdict in one word, as every format shows it.
    pub fn verdict(&self) -> &'static str {
        match (self.nondeterminism.is_some(), self.failed(), self.complete) {
            (true, ..) => "NONDETERMINISM",
            (false, true, _) => "FAIL",
            (false, false, true) => "PASS",
            (false, false, false) => "INCOMPLETE",
        }
    }

    /// The failure of the lowest seed that broke `invariant`, if one was kept.
    pub fn first_failure(&self, invariant: &str) -> Option<&Failure> {
        self.failures.iter().find(|f| f.invariant == invariant)
    }
}

/// Failures sorted by seed then invariant, without duplicates, keeping only the `cap`
/// lowest seeds of each invariant: the same set whatever order they came in.
pub(crate) fn keep_lowest(mut failures: Vec<Failure>, cap: u64) -> Vec<Failure> {
    failures.sort_by(|a, b| (a.seed, &a.invariant).cmp(&(b.seed, &b.invariant)));
    failures.dedup_by(|a, b| a.seed == b.seed && a.invariant == b.invariant);
    let mut kept: BTreeMap<String, u64> = BTreeMap::new();
    failures.retain(|f| {
        let n = kept.entry(f.invariant.clone()).or_default();
        *n += 1;
        *n <= cap
    });
    failures
}
