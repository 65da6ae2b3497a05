//! Shrinking: from a failing run's tape to a small tape that fails the same invariant.
//!
//! Hypothesis-style, on the tape rather than on the model. Each round is a descent
//! that tries, from the coarsest edit to the finest: zeroing every choice of one kind
//! at once (all faults off, every delay shortest, every schedule FIFO); the passes by
//! label ([`by_label`]: drop all faults of a point, one fault, an actor); deleting
//! spans of choices, zeroing spans, then lowering single values. No pass may spend
//! more than [`PASS_STALL_RUNS`] runs without taking a model step out, so one slow
//! pass over a long tape leaves the budget to the passes after it (a positional span
//! deletion took launcher C01 from 46 model steps to 6 only once the value passes
//! before it stopped eating the stall budget).
//!
//! When a descent takes no model step out, or the shrink has gone [`STALL_RUNS`] runs
//! without one, the escapes run: moves that raise or change a value (another skill
//! for a tab, a message or an actor postponed past the violation, with or without
//! every fault) and win only by taking model steps out. They are kept out of the
//! descent because, taken early, they lead it away from a smaller run it was about
//! to reach. The shrink ends when a round changes nothing, when the stall's escapes
//! gain nothing, or at the run budget.
//!
//! Edits that zero values keep the tape's labels, so the candidate replays by label:
//! every decision but the edited ones keeps its value, however the edit changes the
//! run (a crash dropped takes its restart delay with it, and the decisions after it
//! stay where they were). Span deletions replay by position, which shifts the values
//! after the span onto other decisions: a different move, kept because it sometimes
//! reaches runs that zeroing cannot.
//!
//! A candidate is an edit that makes the tape smaller in shortlex order; it is kept
//! only if it fails the same invariant and its run is smaller in [`order`]: fewer
//! model-level steps, then a shortlex-smaller replayed tape. So the result is never
//! larger than the input, never fails differently, and the same input always shrinks
//! to the same output. Candidates are evaluated in parallel batches, but the
//! first success in sequential order wins and only the runs a sequential shrinker
//! would have made are counted, so the result does not depend on the number of threads.

mod by_label;
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;
use sim::{ChoiceKind, RunResult, Tape};

/// Limits of one shrink.
#[derive(Clone, Copy, Debug)]
pub struct ShrinkConfig {
    /// Runs the shrinker may spend on candidates.
    pub max_runs: u64,
}

impl Default for ShrinkConfig {
    fn default() -> ShrinkConfig {
        ShrinkConfig { max_runs: 5_000 }
    }
}

/// The smallest failing run found.
#[derive(Debug)]
pub struct Shrunk {
    pub result: RunResult,
    /// Candidate runs spent.
    pub runs: u64,
}

/// Polls a candidate may take beyond twice the best run's.
const STEP_SLACK: u64 = 10_000;

/// Runs spent without removing a model step after which the shrinker stops: what is
/// left to gain then is a simpler tape for the same steps, and on the long tapes of
/// liveness runs (thousands of decisions) that polish would cost minutes.
const STALL_RUNS: u64 = 1000;

/// Runs one pass may spend in a round without taking a model step out: a pass over
/// every value of a long tape must not eat the budget of the passes after it.
const PASS_STALL_RUNS: u64 = 200;

/// Candidates evaluated together: enough to keep the threads of a pool busy.
const BATCH: usize = 8;

/// Kinds zeroed wholesale, in this order: the edits that simplify the most first.
const KINDS: [ChoiceKind; 5] =
    [ChoiceKind::Swarm, ChoiceKind::Fault, ChoiceKind::Workload, ChoiceKind::Delay, ChoiceKind::Schedule];

struct Shrinker<'s, F> {
    run: F,
    /// Raised (by Ctrl-C) to stop between candidate batches, keeping the best so far.
    stop: &'s AtomicBool,
    target: &'static str,
    best: RunResult,
    runs: u64,
    max_runs: u64,
    /// The run count when the best run last lost a model step.
    last_gain: u64,
    /// The run count when the pass running started or last took a model step out.
    pass_mark: u64,
    /// The escapes are running: only the run budget and the pass stall stop them.
    escaping: bool,
}

type Pass<S> = (&'static str, fn(&mut S) -> bool);

impl<F: Fn(&Tape, u64) -> RunResult + Sync> Shrinker<'_, F> {
    /// One round of descent, in order. Faults first: each one removed takes its
    /// consequences out of the run.
    const DESCENT: [Pass<Self>; 10] = [
        ("zero kinds", Self::zero_kinds),
        ("drop fault points", Self::drop_fault_points),
        ("drop faults", Self::drop_faults),
        ("drop actors", Self::drop_actors),
        ("lower swarm", |s| s.lower_values(Some(ChoiceKind::Swarm))),
        ("zero fault suffixes", Self::zero_fault_suffixes),
        ("lower faults", |s| s.lower_values(Some(ChoiceKind::Fault))),
        ("delete spans", Self::delete_spans),
        ("zero spans", Self::zero_spans),
        ("lower values", |s| s.lower_values(None)),
    ];

    /// Moves that raise or change values, tried only in a round whose descent took no
    /// model step out: each starts the next round from a different run, and taken
    /// early they lead the descent away from a smaller run it was about to reach.
    const ESCAPES: [Pass<Self>; 2] = [("vary workload", Self::vary_workload), ("postpone", Self::postpone)];

    /// Runs `passes` in order; whether any of them made progress.
    fn passes(&mut self, passes: &[Pass<Self>]) -> bool {
        let mut progress = false;
        for &(_, pass) in passes {
            self.pass_mark = self.runs;
            progress |= pass(self);
        }
        progress
    }

    /// Runs left: within the budget, and within [`STALL_RUNS`] of the last run that
    /// took a model step out. Both count runs, so the stop is deterministic.
    fn shrink_budget(&self) -> u64 {
        if self.stop.load(Ordering::Relaxed) {
            return 0;
        }
        let end = if self.escaping { self.max_runs } else { self.max_runs.min(self.last_gain + STALL_RUNS) };
        end.saturating_sub(self.runs)
    }

    /// The descent has gone [`STALL_RUNS`] runs without taking a model step out.
    fn stalled(&self) -> bool {
        self.runs >= self.last_gain + STALL_RUNS
    }

    /// Runs left to the pass running: the shrink's, and within [`PASS_STALL_RUNS`] of
    /// the pass's start or its last gain of a model step.
    fn budget(&self) -> u64 {
        self.shrink_budget().min((self.pass_mark + PASS_STALL_RUNS).saturating_sub(self.runs))
    }

    fn improves(&self, result: &RunResult) -> bool {
        result.outcome.key() == Some(self.target) && order(result) < order(&self.best)
    }

    /// Tries `candidates` in order (evaluated in parallel batches); keeps the first that
    /// improves on the best. Returns its index.
    fn first_improvement(&mut self, candidates: Vec<Tape>) -> Option<usize> {
        self.first_improvement_of(candidates, true)
    }

    /// [`Shrinker::first_improvement`]; with `smaller_tapes`, only candidates whose tape
    /// is smaller are run (an edit that does not make the tape smaller can still win by
    /// taking model steps out, but seldom does, so only the passes aimed at that say so).
    fn first_improvement_of(&mut self, candidates: Vec<Tape>, smaller_tapes: bool) -> Option<usize> {
        let key = self.best.tape.shortlex_key();
        let worth: Vec<(usize, Tape)> =
            candidates.into_iter().enumerate().filter(|(_, t)| !smaller_tapes || t.shortlex_key() < key).collect();
        for batch in worth.chunks(BATCH) {
            let budget = self.budget() as usize;
            if budget == 0 {
                return None;
            }
            let batch = &batch[..batch.len().min(budget)];
            let limit = self.step_limit();
            let results: Vec<RunResult> = batch.par_iter().map(|(_, tape)| (self.run)(tape, limit)).collect();
            match results.iter().position(|r| self.improves(r)) {
                Some(at) => {
                    self.runs += at as u64 + 1;
                    let best = results.into_iter().nth(at).expect("the position is in range");
                    if best.model_steps < self.best.model_steps {
                        self.last_gain = self.runs;
                        self.pass_mark = self.runs;
                    }
                    self.best = best;
                    return Some(batch[at].0);
                }
                None => self.runs += batch.len() as u64,
            }
        }
        None
    }

    /// Polls a candidate may take: a candidate that runs much longer than the best
    /// (a livelock the focused invariant does not see) is cut short and rejected.
    fn step_limit(&self) -> u64 {
        self.best.steps.saturating_mul(2).saturating_add(STEP_SLACK)
    }

    /// Switches off every fault from some point of the run on, trying the earliest
    /// point first: a run that needs one crash keeps it and loses the dozens after it.
    fn zero_fault_suffixes(&mut self) -> bool {
        let tape = &self.best.tape;
        let firing: Vec<usize> = (0..tape.len())
            .filter(|&i| tape.choices[i].kind == ChoiceKind::Fault && tape.choices[i].value > 0)
            .collect();
        let candidates = firing
            .iter()
            .map(|&from| {
                let mut t = tape.clone();
                t.choices[from..].iter_mut().filter(|c| c.kind == ChoiceKind::Fault).for_each(|c| c.value = 0);
                t
            })
            .collect();
        self.first_improvement(candidates).is_some()
    }

    fn zero_kinds(&mut self) -> bool {
        let mut progress = false;
        for kind in KINDS {
            let mut candidate = self.best.tape.clone();
            candidate.choices.iter_mut().filter(|c| c.kind == kind).for_each(|c| c.value = 0);
            progress |= self.first_improvement(vec![candidate]).is_some();
        }
        progress
    }

    /// For each span size, from the largest: edit spans of that size at every offset,
    /// restarting from the offset of each success.
    fn span_pass(&mut self, sizes: &[usize], edit: impl Fn(&Tape, usize, usize) -> Tape) -> bool {
        let mut progress = false;
        for &size in sizes {
            let mut from = 0;
            while from < self.best.tape.len() && self.budget() > 0 {
                let len = self.best.tape.len();
                let candidates: Vec<Tape> =
                    (from..len).step_by(size).map(|i| edit(&self.best.tape, i, (i + size).min(len))).collect();
                match self.first_improvement(candidates) {
                    Some(k) => {
                        progress = true;
                        from += k * size;
                    }
                    None => break,
                }
            }
        }
        progress
    }

    fn delete_spans(&mut self) -> bool {
        self.span_pass(&[64, 16, 4], |tape, i, end| {
            let mut t = tape.unlabelled();
            t.choices.drain(i..end);
            t
        })
    }

    fn zero_spans(&mut self) -> bool {
        self.span_pass(&[64, 16, 4], |tape, i, end| {
            let mut t = tape.clone();
            t.choices[i..end].iter_mut().for_each(|c| c.value = 0);
            t
        })
    }

    /// Lowers single values: to 0, to half, by one, and then by bisection between the
    /// highest value known to lose the failure and the lowest known to keep it, so a
    /// delay that must exceed a timeout reaches its threshold in a few dozen runs. Also,
    /// by position, to 0 while deleting the next one or two choices (for tapes whose
    /// later values should move onto other decisions).
    fn lower_values(&mut self, only: Option<ChoiceKind>) -> bool {
        let mut progress = false;
        let mut i = 0;
        while i < self.best.tape.len() && self.budget() > 0 {
            let kind = self.best.tape.choices[i].kind;
            // Schedule decisions, most of a tape, are zeroed by the span passes.
            if !only.map_or(kind == ChoiceKind::Schedule, |only| kind != only) {
                progress |= self.lower_one(i);
            }
            i += 1;
        }
        progress
    }

    /// Lowers the value at `i` as far as it goes; whether it went down at all.
    fn lower_one(&mut self, i: usize) -> bool {
        const PROBES_MAX: u32 = 64;
        let mut progress = false;
        // The highest value known to lose the failure.
        let mut floor: Option<u64> = None;
        for _ in 0..PROBES_MAX {
            let value = self.best.tape.choices.get(i).map_or(0, |c| c.value);
            if value == 0 || self.budget() == 0 {
                break;
            }
            let lowers: Vec<u64> = match floor {
                None => {
                    let mut l = vec![0, value / 2, value - 1];
                    l.dedup();
                    l
                }
                Some(f) if f + 1 < value => vec![f + (value - f) / 2],
                Some(_) => break,
            };
            let tape = &self.best.tape;
            let mut candidates: Vec<Tape> = lowers
                .iter()
                .map(|&v| {
                    let mut t = tape.clone();
                    t.choices[i].value = v;
                    t
                })
                .collect();
            if floor.is_none() {
                for dependents in 1..=2 {
                    let end = (i + 1 + dependents).min(tape.len());
                    let mut t = tape.unlabelled();
                    t.choices[i].value = 0;
                    t.choices.drain(i + 1..end);
                    candidates.push(t);
                }
            }
            match self.first_improvement(candidates) {
                Some(k) => {
                    progress = true;
                    // Kept by one less but not by half: the threshold lies between.
                    if floor.is_none() && k + 1 == lowers.len() && lowers.len() == 3 {
                        floor = Some(lowers[1]);
                    }
                }
                None => match floor {
                    Some(_) => floor = lowers.first().copied(),
                    None => break,
                },
            }
        }
        progress
    }
}

/// The order shrinking descends: fewer model-level steps first (what a reader of the
/// counterexample pays for), then the shortlex order of the tape. Well-founded, so
/// shrinking terminates even when an edit makes the replayed tape longer.
fn order(result: &RunResult) -> (u64, (usize, Vec<u64>)) {
    (result.model_steps, result.tape.shortlex_key())
}

/// Shrinks `failing`, whose outcome must be a failure. `run` replays a tape of the
/// same scenario and variant within a step limit (it may be called from several
/// threads at once).
pub fn shrink(failing: RunResult, config: ShrinkConfig, run: impl Fn(&Tape, u64) -> RunResult + Sync) -> Shrunk {
    shrink_until(failing, config, &AtomicBool::new(false), run)
}

/// [`shrink`], stopping between candidate batches once `stop` is raised (Ctrl-C): the
/// result is then the smallest failing run found so far.
pub fn shrink_until<F: Fn(&Tape, u64) -> RunResult + Sync>(
    failing: RunResult,
    config: ShrinkConfig,
    stop: &AtomicBool,
    run: F,
) -> Shrunk {
    let target = failing.outcome.key().expect("only a failing run can be shrunk");
    // A run from a seed leaves its labels to be counted (see `sim::Tape`), and the
    // shrinker's edits go by label.
    let mut failing = failing;
    failing.tape.ensure_labels();
    let mut s = Shrinker {
        run,
        target,
        best: failing,
        runs: 0,
        max_runs: config.max_runs,
        last_gain: 0,
        stop,
        pass_mark: 0,
        escaping: false,
    };
    loop {
        let steps = s.best.model_steps;
        let mut progress = s.passes(&Shrinker::<F>::DESCENT);
        if s.best.model_steps == steps || s.stalled() {
            let before = s.best.model_steps;
            s.escaping = true;
            progress |= s.passes(&Shrinker::<F>::ESCAPES);
            s.escaping = false;
            if s.best.model_steps == before && s.stalled() {
                break;
            }
        }
        if !progress || s.shrink_budget() == 0 {
            break;
        }
    }
    Shrunk { result: s.best, runs: s.runs }
}
