//! What a campaign found, tallied in seed order: runs, violating runs per invariant,
//! fault points enabled and fired, and each reported failure.

use std::collections::BTreeMap;
use std::path::PathBuf;

use sim::{Outcome, RunResult};

/// A failure as the campaign reports it.
#[derive(Clone, Debug)]
pub struct Failure {
    pub seed: u64,
    pub invariant: String,
    pub outcome: Outcome,
    /// The case file, if a corpus is kept.
    pub case_file: Option<PathBuf>,
    /// Model-level steps of the run as found, and after shrinking.
    pub model_steps_found: u64,
    pub model_steps_shrunk: Option<u64>,
    /// The (shrunk) counterexample's timeline for people.
    pub timeline: String,
    /// The command that replays it.
    pub replay: String,
    /// Whether it came from the corpus rather than a new seed.
    pub from_corpus: bool,
}

/// Per fault point: in how many runs it was enabled, and how often it fired in all.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FaultTally {
    pub runs_enabled: u64,
    pub fired: u64,
}

#[derive(Debug, Default)]
pub struct Findings {
    pub runs: u64,
    pub violating_runs: u64,
    /// Violating runs and the first violating seed, per invariant (or `panic`, `no-progress`).
    pub by_invariant: BTreeMap<String, (u64, u64)>,
    pub faults: BTreeMap<&'static str, FaultTally>,
    pub failures: Vec<Failure>,
}

impl Findings {
    /// Counts one run of seed `seed`.
    pub fn record(&mut self, seed: u64, result: &RunResult) {
        self.runs += 1;
        for (point, _) in &result.fault_profile {
            self.faults.entry(point).or_default().runs_enabled += 1;
        }
        for (point, fired) in &result.fault_counts {
            self.faults.entry(point).or_default().fired += fired;
        }
        if let Some(key) = result.outcome.key() {
            self.violating_runs += 1;
            let entry = self.by_invariant.entry(key.to_string()).or_insert((0, seed));
            entry.0 += 1;
            entry.1 = entry.1.min(seed);
        }
    }

    /// Whether `invariant` already has a reported (and so shrunk) failure.
    pub fn has_failure_of(&self, invariant: &str) -> bool {
        self.failures.iter().any(|f| f.invariant == invariant)
    }
}
