//! Shrinking: from a failing run's tape to a small tape that fails the same invariant.
//!
//! Hypothesis-style, on the tape rather than on the model: delete spans of choices,
//! set values to zero (the simplest value of every kind: the oldest ready task, the
//! shortest delay, no fault), then lower the remaining values, and repeat until a
//! whole round changes nothing or the run budget is spent. A candidate is kept only
//! if it fails the same invariant and its replayed tape is smaller in shortlex order,
//! so the result is never larger than the input, never fails differently, and the
//! same input always shrinks to the same output.

use sim::{RunResult, Tape};

/// Limits of one shrink.
#[derive(Clone, Copy, Debug)]
pub struct ShrinkConfig {
    /// Runs the shrinker may spend on candidates.
    pub max_runs: u64,
}

impl Default for ShrinkConfig {
    fn default() -> ShrinkConfig {
        ShrinkConfig { max_runs: 20_000 }
    }
}

/// The smallest failing run found.
#[derive(Debug)]
pub struct Shrunk {
    pub result: RunResult,
    /// Candidate runs spent.
    pub runs: u64,
}

struct Shrinker<F> {
    run: F,
    target: &'static str,
    best: RunResult,
    runs: u64,
    max_runs: u64,
}

impl<F: FnMut(&Tape) -> RunResult> Shrinker<F> {
    /// Runs `candidate`; keeps it if it fails the same way with a smaller tape.
    fn try_tape(&mut self, candidate: Tape) -> bool {
        if self.runs >= self.max_runs || candidate.shortlex_key() >= self.best.tape.shortlex_key() {
            return false;
        }
        self.runs += 1;
        let result = (self.run)(&candidate);
        let better =
            result.outcome.key() == Some(self.target) && result.tape.shortlex_key() < self.best.tape.shortlex_key();
        if better {
            self.best = result;
        }
        better
    }

    fn delete_spans(&mut self) -> bool {
        let mut progress = false;
        for size in [64, 16, 8, 4, 2, 1] {
            let mut i = 0;
            while i < self.best.tape.len() {
                let mut candidate = self.best.tape.clone();
                let end = (i + size).min(candidate.len());
                candidate.choices.drain(i..end);
                if self.try_tape(candidate) {
                    progress = true;
                } else {
                    i += size;
                }
            }
        }
        progress
    }

    fn lower_values(&mut self) -> bool {
        let mut progress = false;
        let mut i = 0;
        while i < self.best.tape.len() {
            let value = self.best.tape.choices[i].value;
            for lower in [0, value / 2, value.saturating_sub(1)] {
                if lower < self.best.tape.choices.get(i).map_or(0, |c| c.value) {
                    let mut candidate = self.best.tape.clone();
                    candidate.choices[i].value = lower;
                    if self.try_tape(candidate) {
                        progress = true;
                        break;
                    }
                }
            }
            i += 1;
        }
        progress
    }
}

/// Shrinks `failing`, whose outcome must be a failure. `run` replays a tape of the
/// same scenario and variant.
pub fn shrink(failing: RunResult, config: ShrinkConfig, run: impl FnMut(&Tape) -> RunResult) -> Shrunk {
    let target = failing.outcome.key().expect("only a failing run can be shrunk");
    let mut s = Shrinker { run, target, best: failing, runs: 0, max_runs: config.max_runs };
    loop {
        let deleted = s.delete_spans();
        let lowered = s.lower_values();
        if !(deleted || lowered) || s.runs >= s.max_runs {
            break;
        }
    }
    Shrunk { result: s.best, runs: s.runs }
}
