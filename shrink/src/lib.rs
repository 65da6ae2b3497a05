//! Shrinking: from a failing run's tape to a small tape that fails the same invariant.
//!
//! Hypothesis-style, on the tape rather than on the model. Each round tries, from the
//! coarsest edit to the finest: zeroing every choice of one kind at once (all faults
//! off, every delay shortest, every schedule FIFO), deleting spans of choices, zeroing
//! spans, then lowering single values. A round that changes nothing ends the shrink,
//! as does the run budget.
//!
//! A candidate is an edit that makes the tape smaller in shortlex order; it is kept
//! only if it fails the same invariant and its run is smaller in [`order`]: fewer
//! model-level steps, then a shortlex-smaller replayed tape. So the result is never
//! larger than the input, never fails differently, and the same input always shrinks
//! to the same output. Candidates are evaluated in parallel batches, but the
//! first success in sequential order wins and only the runs a sequential shrinker
//! would have made are counted, so the result does not depend on the number of threads.

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
}

impl<F: Fn(&Tape, u64) -> RunResult + Sync> Shrinker<'_, F> {
    /// Whether to stop: the run budget is spent or a stop was asked for.
    fn done(&self) -> bool {
        self.runs >= self.max_runs || self.stop.load(Ordering::Relaxed)
    }

    fn improves(&self, result: &RunResult) -> bool {
        result.outcome.key() == Some(self.target) && order(result) < order(&self.best)
    }

    /// Tries `candidates` in order (evaluated in parallel batches); keeps the first that
    /// improves on the best. Returns its index.
    fn first_improvement(&mut self, candidates: Vec<Tape>) -> Option<usize> {
        // An edit that does not make the tape itself smaller is a loop, not a shrink.
        let key = self.best.tape.shortlex_key();
        let worth: Vec<(usize, Tape)> =
            candidates.into_iter().enumerate().filter(|(_, t)| t.shortlex_key() < key).collect();
        for batch in worth.chunks(BATCH) {
            let budget = (self.max_runs - self.runs.min(self.max_runs)) as usize;
            if budget == 0 || self.stop.load(Ordering::Relaxed) {
                return None;
            }
            let batch = &batch[..batch.len().min(budget)];
            let limit = self.step_limit();
            let results: Vec<RunResult> = batch.par_iter().map(|(_, tape)| (self.run)(tape, limit)).collect();
            match results.iter().position(|r| self.improves(r)) {
                Some(at) => {
                    self.runs += at as u64 + 1;
                    self.best = results.into_iter().nth(at).expect("the position is in range");
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
            while from < self.best.tape.len() && !self.done() {
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
        self.span_pass(&[64, 16, 8, 4, 2, 1], |tape, i, end| {
            let mut t = tape.clone();
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

    /// Lowers single values: to 0, to half, by one; and to 0 while deleting the next
    /// one or two choices, which were often drawn only because this one was not 0 (a
    /// crash's restart delay, a clock jump's magnitude), so zeroing alone misaligns them.
    fn lower_values(&mut self, only: Option<ChoiceKind>) -> bool {
        let mut progress = false;
        let mut i = 0;
        while i < self.best.tape.len() && !self.done() {
            let value = self.best.tape.choices[i].value;
            if only.is_some_and(|kind| kind != self.best.tape.choices[i].kind) || value == 0 {
                i += 1;
                continue;
            }
            let mut lowers = vec![0, value / 2, value.saturating_sub(1)];
            lowers.dedup();
            let tape = &self.best.tape;
            let mut candidates: Vec<Tape> = lowers
                .into_iter()
                .filter(|&v| v < value)
                .map(|v| {
                    let mut t = tape.clone();
                    t.choices[i].value = v;
                    t
                })
                .collect();
            if value > 0 {
                for dependents in 1..=2 {
                    let end = (i + 1 + dependents).min(tape.len());
                    let mut t = tape.clone();
                    t.choices[i].value = 0;
                    t.choices.drain(i + 1..end);
                    candidates.push(t);
                }
            }
            progress |= self.first_improvement(candidates).is_some();
            i += 1;
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
pub fn shrink_until(
    failing: RunResult,
    config: ShrinkConfig,
    stop: &AtomicBool,
    run: impl Fn(&Tape, u64) -> RunResult + Sync,
) -> Shrunk {
    let target = failing.outcome.key().expect("only a failing run can be shrunk");
    let mut s = Shrinker { run, stop, target, best: failing, runs: 0, max_runs: config.max_runs };
    loop {
        // Faults first: each one removed takes its consequences out of the run.
        let zeroed = s.zero_kinds();
        let unfaulted =
            s.lower_values(Some(ChoiceKind::Swarm)) | s.zero_fault_suffixes() | s.lower_values(Some(ChoiceKind::Fault));
        let deleted = s.delete_spans();
        let blanked = s.zero_spans();
        let lowered = s.lower_values(None);
        if !(zeroed || unfaulted || deleted || blanked || lowered) || s.done() {
            break;
        }
    }
    Shrunk { result: s.best, runs: s.runs }
}
