//! Bounded exhaustive exploration: every run whose tape deviates from the default in
//! at most `bound` decisions, fewest deviations first (loom's and stateright's
//! shortest counterexamples, on lockstep's tape).
//!
//! The default run is the all-zero tape: the oldest ready work first, the shortest
//! delays, no fault. A deviation sets one decision to another value; every decision
//! after the last deviation keeps its default, so the tape is the path of a
//! depth-first search and a run is named by its deviations alone. Levels are
//! explored in order (iterative deepening), so when every level below `L` was covered
//! completely the first failure at level `L` is a shortest counterexample in
//! deviations.
//!
//! A decision with a large range (a delay of 0–60,000 ms) is not tried at every
//! value: `values_per_draw` values spread over its range, always including the
//! largest, stand for it. The space is what these values span; [`estimate`] says how
//! large it is before a search starts.
//!
//! **State-hash pruning** ([`explore_pruned`], [`cover`]): when a model offers a state
//! hash ([`crate::Sim::set_state_hasher`]), a run reports the hash of its state each time
//! time advanced, at the tape position it had reached. Deviations at or after that
//! position explore the futures of that state; if the same state was already reached
//! with the same number of deviations left, those futures were explored (or are being
//! explored) from there, and the search skips them. [`cover`] drops the bound: every
//! run, every value of every decision, each state's futures once, as a model checker
//! explores a state graph.

use std::collections::BTreeSet;

use crate::runner::RunResult;
use crate::tape::{Choice, ChoiceKind, Tape};

/// The bounds of a search.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExhaustiveConfig {
    /// The most decisions a run may change from the default.
    pub bound: u32,
    /// Non-default values tried per decision (all of them when the range is smaller).
    pub values_per_draw: u64,
    /// Runs after which the search stops, reporting that it is incomplete.
    pub max_runs: u64,
}

impl Default for ExhaustiveConfig {
    fn default() -> ExhaustiveConfig {
        ExhaustiveConfig { bound: 2, values_per_draw: 3, max_runs: 1_000_000 }
    }
}

/// What a search covered, and the first failure it met.
#[derive(Debug)]
pub struct Exploration {
    pub runs: u64,
    /// Every run within the bound was executed (no budget cut-off).
    pub complete: bool,
    /// The deepest level explored completely, if any.
    pub complete_levels: Option<u32>,
    /// The first failing run, and its number of deviations.
    pub failure: Option<(RunResult, u32)>,
    /// Runs whose later deviations were skipped because a state they reached had been
    /// explored already (0 without pruning).
    pub pruned: u64,
    /// Distinct (state, deviations left) pairs the search explored from (0 without
    /// pruning).
    pub states: u64,
}

/// The non-default values tried for a decision drawn below `bound`: all of them if
/// there are at most `per_draw`, else `per_draw` spread evenly and ending at the
/// largest.
pub fn alternatives(bound: u64, per_draw: u64) -> impl Iterator<Item = u64> {
    let choices = bound.saturating_sub(1);
    let n = choices.min(per_draw.max(1));
    (1..=n).map(move |i| if choices <= per_draw { i } else { (choices * i).div_ceil(n) })
}

/// How many runs a search of `config.bound` deviations spans, estimated from the
/// default run's tape (later draws depend on earlier deviations, so this is an
/// estimate): the number of ways to pick at most `bound` of its decisions and a
/// tried value for each. Saturates at `u128::MAX`.
pub fn estimate(default_run: &Tape, config: ExhaustiveConfig) -> u128 {
    // e[j]: ways to deviate exactly j of the decisions seen so far.
    let k = config.bound as usize;
    let mut e = vec![0u128; k + 1];
    e[0] = 1;
    for c in &default_run.choices {
        let a = alternatives(c.bound, config.values_per_draw).count() as u128;
        for j in (1..=k).rev() {
            e[j] = e[j].saturating_add(e[j - 1].saturating_mul(a));
        }
    }
    e.iter().fold(0u128, |sum, x| sum.saturating_add(*x))
}

struct Search<'a, F> {
    config: ExhaustiveConfig,
    run: &'a mut F,
    runs: u64,
    out_of_budget: bool,
    /// `(state hash, deviations left)` pairs whose futures are explored; `None`: no
    /// pruning.
    visited: Option<BTreeSet<(u64, u32)>>,
    pruned: u64,
}

impl<F: FnMut(&Tape) -> RunResult> Search<'_, F> {
    /// Explores the runs below `prefix` with exactly `level` deviations, `depth` of
    /// them already in `prefix`; the next deviation comes at `from` or later.
    fn level(&mut self, prefix: &Tape, from: usize, depth: u32, level: u32) -> Option<RunResult> {
        if self.runs >= self.config.max_runs {
            self.out_of_budget = true;
            return None;
        }
        self.runs += 1;
        let result = (self.run)(prefix);
        if depth == level || (self.unbounded() && !result.outcome.is_pass()) {
            return (!result.outcome.is_pass()).then_some(result);
        }
        // Positions are the path: the prefix replays by position, defaults after it.
        let recorded = result.tape.unlabelled();
        let left = if self.unbounded() { u32::MAX } else { level - depth };
        let end = self.explored_until(&result, from, left).min(recorded.len());
        for q in from..end {
            for value in self.alternatives(&recorded.choices[q]) {
                let mut child = Tape::new(recorded.choices[..q].to_vec(), Vec::new());
                child.choices.push(Choice { value, ..recorded.choices[q] });
                if let Some(found) = self.level(&child, q + 1, depth + 1, level) {
                    return Some(found);
                }
                if self.out_of_budget {
                    return None;
                }
            }
        }
        None
    }
}

impl<F> Search<'_, F> {
    /// [`cover`]'s search: no bound on deviations, every run checked.
    fn unbounded(&self) -> bool {
        self.config.bound == u32::MAX
    }

    /// The values tried for `choice` besides its default. [`cover`] tries one value of
    /// each outcome, not every value: a fault draw fires or not (its largest value
    /// always fires), and a swarm draw matters only in turning a point on (bound 2); a
    /// swarm rate changes how often a fault fires, never whether it can.
    fn alternatives(&self, choice: &Choice) -> Vec<u64> {
        if self.unbounded() {
            match choice.kind {
                ChoiceKind::Fault => return (choice.bound > 1).then_some(choice.bound - 1).into_iter().collect(),
                ChoiceKind::Swarm => return (choice.bound == 2).then_some(1).into_iter().collect(),
                _ => {}
            }
        }
        alternatives(choice.bound, self.config.values_per_draw).collect()
    }

    /// Where the deviations of `result` past `from` stop being new: the tape position
    /// of the first state (with `left` deviations to spend) already explored, or the
    /// end. Marks the states it passes as explored from here.
    fn explored_until(&mut self, result: &RunResult, from: usize, left: u32) -> usize {
        let Some(visited) = self.visited.as_mut() else { return usize::MAX };
        for &(position, hash) in &result.state_hashes {
            let position = position as usize;
            if position >= from && !visited.insert((hash, left)) {
                self.pruned += 1;
                return position;
            }
        }
        usize::MAX
    }

    fn exploration(
        &self,
        complete: bool,
        complete_levels: Option<u32>,
        failure: Option<(RunResult, u32)>,
    ) -> Exploration {
        let states = self.visited.as_ref().map_or(0, |v| v.len() as u64);
        Exploration { runs: self.runs, complete, complete_levels, failure, pruned: self.pruned, states }
    }
}

/// Runs the search: `run` executes one tape (a replay, defaults after its end).
pub fn explore(config: ExhaustiveConfig, run: impl FnMut(&Tape) -> RunResult) -> Exploration {
    search(config, false, run)
}

/// [`explore`], skipping the futures of states already explored (the model must offer
/// a state hash; without one this is [`explore`]).
pub fn explore_pruned(config: ExhaustiveConfig, run: impl FnMut(&Tape) -> RunResult) -> Exploration {
    search(config, true, run)
}

fn search(config: ExhaustiveConfig, prune: bool, mut run: impl FnMut(&Tape) -> RunResult) -> Exploration {
    let visited = prune.then(BTreeSet::new);
    let mut search = Search { config, run: &mut run, runs: 0, out_of_budget: false, visited, pruned: 0 };
    let mut complete_levels = None;
    for level in 0..=config.bound {
        if let Some(found) = search.level(&Tape::default(), 0, 0, level) {
            return search.exploration(false, complete_levels, Some((found, level)));
        }
        if search.out_of_budget {
            return search.exploration(false, complete_levels, None);
        }
        complete_levels = Some(level);
    }
    search.exploration(true, complete_levels, None)
}

/// Every run, with every value of every decision, each state's futures explored once
/// (state-hash pruning, no bound on deviations): complete coverage of a model that
/// offers a state hash, or `max_runs` runs. A failure is the first met depth-first,
/// not a shortest one.
pub fn cover(max_runs: u64, mut run: impl FnMut(&Tape) -> RunResult) -> Exploration {
    let config = ExhaustiveConfig { bound: u32::MAX, values_per_draw: u64::MAX, max_runs };
    let mut search =
        Search { config, run: &mut run, runs: 0, out_of_budget: false, visited: Some(BTreeSet::new()), pruned: 0 };
    let found = search.level(&Tape::default(), 0, 0, u32::MAX);
    let complete = found.is_none() && !search.out_of_budget;
    // Every decision before the last deviation keeps its default, 0.
    let deviations = |f: &RunResult| f.tape.choices.iter().filter(|c| c.value != 0).count() as u32;
    search.exploration(complete, None, found.map(|f| (deviations(&f), f)).map(|(d, f)| (f, d)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_ranges_are_tried_whole_and_large_ones_spread_to_their_end() {
        assert_eq!(alternatives(3, 3).collect::<Vec<_>>(), vec![1, 2]);
        assert_eq!(alternatives(101, 3).collect::<Vec<_>>(), vec![34, 67, 100]);
        assert_eq!(alternatives(1, 3).count(), 0);
    }

    #[test]
    fn the_estimate_counts_subsets_of_decisions_and_their_values() {
        let c = |bound| Choice::unlabelled(crate::ChoiceKind::Schedule, bound, 0);
        let tape = Tape::new(vec![c(2), c(3), c(2)], Vec::new());
        let config = ExhaustiveConfig { bound: 2, ..ExhaustiveConfig::default() };
        // 1 default + (1 + 2 + 1) single deviations + (1*2 + 1*1 + 2*1) pairs.
        assert_eq!(estimate(&tape, config), 1 + 4 + 5);
    }
}
