//! Builds a [`CampaignReport`] one run at a time. Runs may arrive in any order (from
//! any number of jobs): every tally is a sum or a minimum and failures are kept by
//! lowest seed, so [`CampaignBuilder::finish`] gives the same report for the same
//! seeds, whatever the order.

use std::collections::BTreeMap;

use scenarios::{GoalInfo, InvariantInfo};
use sim::{FaultPoint, RunResult};

use crate::campaign::{
    keep_lowest, CampaignReport, CorpusTally, Failure, FaultTally, GoalTally, InvariantTally, Seeds, Timing,
    FORMAT_VERSION, HARNESS_KEYS, HARNESS_KIND, LOCKSTEP_VERSION,
};

/// Failures kept per invariant unless [`CampaignBuilder::max_failures_per_invariant`]
/// says otherwise.
pub const DEFAULT_MAX_FAILURES_PER_INVARIANT: u64 = 20;

/// What a campaign was asked to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CampaignMeta {
    pub scenario: String,
    pub variant: String,
    pub seeds: Seeds,
    /// What bounds the campaign, as the user said it (`runs 1000`, `time 60s`).
    pub budget: String,
}

/// Tallies runs and collects failures into a [`CampaignReport`].
#[derive(Clone, Debug)]
pub struct CampaignBuilder {
    meta: CampaignMeta,
    max_failures: u64,
    runs: u64,
    violating_runs: u64,
    invariants: Vec<InvariantTally>,
    /// How many of `invariants` the scenario listed (with the harness keys); any
    /// after them were met in runs.
    listed: usize,
    faults: BTreeMap<String, FaultTally>,
    failures: Vec<Failure>,
    focus: Option<String>,
    corpus: CorpusTally,
    nondeterminism: Option<String>,
    goals: Vec<GoalTally>,
    /// How many of `goals` the scenario declared; any after them were met in runs.
    goals_listed: usize,
}

impl CampaignBuilder {
    /// A builder for a campaign over a scenario with these invariants (in the
    /// scenario's order) and fault points.
    pub fn new(meta: CampaignMeta, invariants: &[InvariantInfo], fault_points: &[FaultPoint]) -> CampaignBuilder {
        let mut tallies: Vec<InvariantTally> =
            invariants.iter().map(|i| tally(i.name, &i.kind.to_string(), i.doc)).collect();
        tallies.extend(HARNESS_KEYS.iter().map(|(name, doc)| tally(name, HARNESS_KIND, doc)));
        let faults = fault_points.iter().map(|p| (p.name.to_string(), FaultTally::default())).collect();
        CampaignBuilder {
            listed: tallies.len(),
            meta,
            max_failures: DEFAULT_MAX_FAILURES_PER_INVARIANT,
            runs: 0,
            violating_runs: 0,
            invariants: tallies,
            faults,
            failures: Vec::new(),
            focus: None,
            corpus: CorpusTally::default(),
            nondeterminism: None,
            goals: Vec::new(),
            goals_listed: 0,
        }
    }

    /// The scenario's `sometimes` goals, listed (in this order) even if no run
    /// reaches them.
    pub fn goals(&mut self, goals: &[GoalInfo]) -> &mut Self {
        for g in goals {
            if !self.goals.iter().any(|t| t.name == g.name) {
                self.goals.insert(self.goals_listed, goal_tally(g.name, g.doc));
                self.goals_listed += 1;
            }
        }
        self
    }

    /// Runs check only `invariant` (`run --invariant`): the scenario's other invariants
    /// show as not checked. The harness keys (panic, no-progress) are always checked.
    pub fn focus(&mut self, invariant: &str) -> &mut Self {
        self.focus = Some(invariant.to_string());
        for t in &mut self.invariants {
            t.checked = t.name == invariant || t.kind == HARNESS_KIND;
        }
        self
    }

    /// Counts one replayed corpus case of `invariant`, which still fails or not. Its
    /// failure, if it still fails, is added with [`CampaignBuilder::add_failure`].
    pub fn record_corpus_case(&mut self, invariant: &str, still_fails: bool) {
        self.corpus.replayed += 1;
        if !still_fails {
            return;
        }
        self.corpus.still_failing += 1;
        let t = match self.invariants.iter_mut().position(|t| t.name == invariant) {
            Some(i) => &mut self.invariants[i],
            None => {
                self.invariants.push(tally(invariant, HARNESS_KIND, ""));
                self.invariants.last_mut().expect("just pushed")
            }
        };
        t.corpus_failures += 1;
    }

    /// Records that a seed ran two different ways: the campaign's results mean nothing.
    pub fn nondeterminism(&mut self, what: String) {
        self.nondeterminism.get_or_insert(what);
    }

    /// Keeps at most `n` failures per invariant, those of the lowest seeds (default
    /// [`DEFAULT_MAX_FAILURES_PER_INVARIANT`]). Counts stay exact.
    pub fn max_failures_per_invariant(&mut self, n: u64) -> &mut Self {
        self.max_failures = n;
        self
    }

    /// Counts runs that a worker tallied ([`RunTally`]): their fault points, goals and
    /// violations. The first seed of a goal comes only from [`CampaignBuilder::record_run`].
    pub fn record_tally(&mut self, runs: &RunTally) {
        self.runs += runs.runs;
        for (name, t) in &runs.faults {
            // Looked up before inserting: no name is allocated for a point already met.
            match self.faults.get_mut(*name) {
                Some(mine) => add_fault_tally(mine, t),
                None => add_fault_tally(self.faults.entry((*name).to_string()).or_default(), t),
            }
        }
        for (name, reached) in &runs.goals {
            self.goal(name).runs_reached += reached;
        }
        for (key, v) in &runs.violations {
            self.violating_runs += v.runs;
            let t = match self.invariants.iter_mut().position(|t| t.name == *key) {
                Some(i) => &mut self.invariants[i],
                None => {
                    // An invariant the scenario did not list: tallied all the same.
                    self.invariants.push(tally(key, &v.kind, ""));
                    self.invariants.last_mut().expect("just pushed")
                }
            };
            t.violating_runs += v.runs;
            t.first_seed = lowest(t.first_seed, v.first_seed);
        }
    }

    /// Counts one run: its outcome, which fault points it enabled and fired, and
    /// which goals it reached.
    pub fn record_run(&mut self, seed: u64, result: &RunResult) {
        self.record(Some(seed), result);
    }

    /// [`CampaignBuilder::record_run`] for a run with no plain seed (a `cover` branch
    /// run): counted everywhere, but never anyone's first seed.
    pub fn record_unseeded_run(&mut self, result: &RunResult) {
        self.record(None, result);
    }

    /// The tally of goal `name`, added after the declared ones if a run met it first.
    fn goal(&mut self, name: &str) -> &mut GoalTally {
        match self.goals.iter().position(|t| t.name == name) {
            Some(i) => &mut self.goals[i],
            None => {
                self.goals.push(goal_tally(name, ""));
                self.goals.last_mut().expect("just pushed")
            }
        }
    }

    fn record(&mut self, seed: Option<u64>, result: &RunResult) {
        let mut one = RunTally::default();
        one.add_run(seed, result);
        self.record_tally(&one);
        for hit in &result.goals {
            let t = self.goal(hit.goal);
            t.first_seed = lowest(t.first_seed, seed);
        }
    }

    /// Whether a failure of `invariant` at `seed` would be kept: callers can skip
    /// replaying and shrinking the ones that would not. Order-dependent by nature
    /// (a lower seed may still come), so it may say yes to a failure that `finish`
    /// later drops, never the reverse.
    pub fn wants_failure(&self, invariant: &str, seed: u64) -> bool {
        let mut seeds: Vec<u64> = self.failures.iter().filter(|f| f.invariant == invariant).map(|f| f.seed).collect();
        if (seeds.len() as u64) < self.max_failures {
            return true;
        }
        seeds.sort_unstable();
        seeds.get(self.max_failures.saturating_sub(1) as usize).is_some_and(|worst| seed < *worst)
    }

    /// Adds the details of one failing run (its run must also be recorded).
    pub fn add_failure(&mut self, failure: Failure) {
        self.failures.push(failure);
        if self.failures.len() as u64 > 2 * self.max_failures.max(1) * self.invariants.len() as u64 {
            self.failures = keep_lowest(std::mem::take(&mut self.failures), self.max_failures);
        }
    }

    /// The report, with `timing` measured by the caller.
    pub fn finish(self, timing: Timing) -> CampaignReport {
        let mut invariants = self.invariants;
        // Invariants the scenario did not list arrive in run order: sort them by name.
        invariants[self.listed..].sort_by(|a, b| a.name.cmp(&b.name));
        let mut goals = self.goals;
        goals[self.goals_listed..].sort_by(|a, b| a.name.cmp(&b.name));
        CampaignReport {
            format_version: FORMAT_VERSION,
            lockstep_version: LOCKSTEP_VERSION.to_string(),
            scenario: self.meta.scenario,
            variant: self.meta.variant,
            seeds: self.meta.seeds,
            budget: self.meta.budget,
            runs: self.runs,
            violating_runs: self.violating_runs,
            max_failures_per_invariant: self.max_failures,
            invariants,
            faults: self.faults,
            failures: keep_lowest(self.failures, self.max_failures),
            timing,
            complete: true,
            focus: self.focus,
            corpus: self.corpus,
            nondeterminism: self.nondeterminism,
            goals,
        }
    }
}

/// The counts of many runs that [`CampaignBuilder::record_tally`] adds at once: how
/// many, which fault points they enabled and fired, which goals they reached and which
/// invariants they violated. Sums and minimums only, so a worker thread tallies its
/// runs and the campaign merges the tallies in any grouping.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunTally {
    pub runs: u64,
    pub faults: BTreeMap<&'static str, FaultTally>,
    /// Per `sometimes` goal, the runs that reached it.
    pub goals: BTreeMap<&'static str, u64>,
    /// Per outcome key (an invariant, `panic`, `no-progress`), the runs that failed it.
    pub violations: BTreeMap<&'static str, ViolationTally>,
}

/// The runs of a [`RunTally`] that failed one invariant.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ViolationTally {
    pub runs: u64,
    /// The lowest seed among them (`None` if only `cover` branch runs failed it).
    pub first_seed: Option<u64>,
    /// The invariant's kind, for a report that must list an invariant the scenario
    /// did not declare.
    pub kind: String,
}

impl RunTally {
    /// Counts one run's fault points and goals (not its outcome: a passing run's).
    pub fn add(&mut self, result: &RunResult) {
        self.runs += 1;
        for (name, _) in &result.fault_profile {
            self.faults.entry(name).or_default().runs_enabled += 1;
        }
        for (name, fired) in result.fault_counts.iter().filter(|(_, n)| **n > 0) {
            let t = self.faults.entry(name).or_default();
            t.runs_fired += 1;
            t.fired += fired;
        }
        for hit in &result.goals {
            *self.goals.entry(hit.goal).or_default() += 1;
        }
    }

    /// Counts one run of `seed` (`None`: a `cover` branch run) with its outcome.
    pub fn add_run(&mut self, seed: Option<u64>, result: &RunResult) {
        self.add(result);
        let Some(key) = result.outcome.key() else { return };
        let v = self.violations.entry(key).or_insert_with(|| ViolationTally {
            kind: match &result.outcome {
                sim::Outcome::Violation(v) => v.kind.to_string(),
                _ => HARNESS_KIND.to_string(),
            },
            ..ViolationTally::default()
        });
        v.runs += 1;
        v.first_seed = lowest(v.first_seed, seed);
    }

    /// The runs counted that violated an invariant.
    pub fn violating_runs(&self) -> u64 {
        self.violations.values().map(|v| v.runs).sum()
    }

    /// Adds `other`'s counts to these.
    pub fn merge(&mut self, other: &RunTally) {
        self.runs += other.runs;
        for (name, t) in &other.faults {
            add_fault_tally(self.faults.entry(name).or_default(), t);
        }
        for (name, reached) in &other.goals {
            *self.goals.entry(name).or_default() += reached;
        }
        for (key, v) in &other.violations {
            let mine = self
                .violations
                .entry(key)
                .or_insert_with(|| ViolationTally { kind: v.kind.clone(), ..Default::default() });
            mine.runs += v.runs;
            mine.first_seed = lowest(mine.first_seed, v.first_seed);
        }
    }
}

/// The lower of two optional seeds; a seed beats none.
fn lowest(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        _ => a.or(b),
    }
}

fn add_fault_tally(mine: &mut FaultTally, t: &FaultTally) {
    mine.runs_enabled += t.runs_enabled;
    mine.runs_fired += t.runs_fired;
    mine.fired += t.fired;
}

fn tally(name: &str, kind: &str, doc: &str) -> InvariantTally {
    InvariantTally {
        name: name.to_string(),
        kind: kind.to_string(),
        doc: doc.to_string(),
        violating_runs: 0,
        first_seed: None,
        checked: true,
        corpus_failures: 0,
    }
}

fn goal_tally(name: &str, doc: &str) -> GoalTally {
    GoalTally { name: name.to_string(), doc: doc.to_string(), runs_reached: 0, first_seed: None }
}
