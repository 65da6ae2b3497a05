//! One breadth-first search with stateright, timed: stop at the first counterexample
//! of any checked invariant, or cover the whole space.

use std::time::{Duration, Instant};

use create_lock_abstraction::spec::Config;
use stateright::{Checker, HasDiscoveries, Model};

use create_lock_abstraction::actions::Action;

use crate::model::CreateLock;
use crate::symmetry::representative;

/// What a search found and what it cost.
pub struct Outcome {
    pub unique: usize,
    pub generated: usize,
    pub max_depth: usize,
    /// The median wall time of the repeats.
    pub wall: Duration,
    /// The broken invariant and its shortest counterexample (actions, `Tick` included).
    pub broken: Option<&'static str>,
    pub counterexample: Option<Vec<Action>>,
}

/// How the state space is searched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Search {
    /// Breadth-first: shortest counterexamples.
    Bfs,
    /// Depth-first with symmetry reduction over the tabs ([`crate::symmetry`]):
    /// coverage only (stateright 0.31 reduces in its DFS alone).
    DfsSymmetry,
}

/// BFS on one thread, `repeat` times (the counts are identical every time; the wall
/// time is the median).
pub fn bfs(cfg: Config, only: Option<&'static str>, repeat: u32) -> Outcome {
    search(Search::Bfs, cfg, only, repeat)
}

/// `how`, on one thread, `repeat` times (the counts are identical every time; the
/// wall time is the median).
pub fn search(how: Search, cfg: Config, only: Option<&'static str>, repeat: u32) -> Outcome {
    let mut walls = Vec::new();
    let mut last = None;
    for _ in 0..repeat {
        #[allow(clippy::disallowed_methods)] // The peer's wall time is what this measures.
        let start = Instant::now();
        let builder = CreateLock { cfg, only }.checker().threads(1).finish_when(HasDiscoveries::AnyFailures);
        let checker = match how {
            Search::Bfs => Box::new(builder.spawn_bfs().join()) as Box<dyn Checker<CreateLock>>,
            Search::DfsSymmetry => Box::new(builder.symmetry_fn(representative).spawn_dfs().join()),
        };
        walls.push(start.elapsed());
        last = Some(checker);
    }
    walls.sort();
    let checker = last.expect("at least one repeat");
    let found = checker.discoveries().into_iter().min_by_key(|(name, _)| *name);
    let (broken, counterexample) = match found {
        Some((name, path)) => (Some(name), Some(path.into_actions())),
        None => (None, None),
    };
    Outcome {
        unique: checker.unique_state_count(),
        generated: checker.state_count(),
        max_depth: checker.max_depth(),
        wall: walls[walls.len() / 2],
        broken,
        counterexample,
    }
}

#[cfg(test)]
mod tests {
    use create_lock_abstraction::actions::Action::{self, *};
    use create_lock_abstraction::spec::{correct, Faults, Variant, EVERY_TAB_RUNS, INVARIANTS, NO_ORPHAN, ROWS};

    use super::*;

    /// Each row's shortest counterexample at two tabs (spec section 7's schedules, or
    /// shorter ones the spec allows).
    #[test]
    fn every_row_is_found_with_its_shortest_counterexample() {
        let c09 = vec![Open(0), Acquire(0), StartCreate(0, 1), Tick, CreateDone(0), Delete(0), Open(1), Acquire(1)];
        let c11 = vec![
            Open(0),
            Acquire(0),
            StartCreate(0, 1),
            Tick,
            CreateDone(0),
            Insert { tab: 0, fails: true },
            Delete(0),
        ];
        let orphan: Vec<Action> = vec![Open(0), Acquire(0), StartCreate(0, 1), Crash(0), Open(1), Tick];
        let lengths = [8, 9, 15, 7, 6];
        for (row, length) in ROWS.iter().zip(lengths) {
            let out = bfs(Config::new(row.variant, 2, row.ttl_s, row.faults), Some(row.invariant), 1);
            assert_eq!(out.broken, Some(row.invariant), "{}", row.bug);
            let path = out.counterexample.expect("a counterexample");
            assert_eq!(path.len(), length, "{}: {path:?}", row.bug);
        }
        for (row, path) in [(0, c09), (3, c11), (4, orphan)] {
            let r = ROWS[row];
            let out = bfs(Config::new(r.variant, 2, r.ttl_s, r.faults), Some(r.invariant), 1);
            assert_eq!(out.counterexample, Some(path), "{}", r.bug);
        }
    }

    /// `proposed` at 450 s keeps every invariant (the spec's five and
    /// `every-tab-runs`) under at most one fault, and the text's V5 order does too at
    /// 450 s without faults, but not with a crash: the orphan, and the waiting tab
    /// parked forever on the crashed creator's placeholder.
    #[test]
    fn the_correct_configurations_are_covered() {
        let out = bfs(correct(2), None, 1);
        assert_eq!((out.broken, out.unique), (None, 48_446));
        let v5 = |faults, only| bfs(Config::new(Variant::V5, 2, 450, faults), only, 1).broken;
        assert_eq!(v5(Faults::None, None), None);
        assert_eq!(v5(Faults::Crash, Some(NO_ORPHAN)), Some(NO_ORPHAN));
        assert_eq!(v5(Faults::Crash, None), Some(EVERY_TAB_RUNS));
    }

    /// Symmetry reduction keeps every bug (it only merges relabelled states) and cuts
    /// the correct configuration's space by at most N! (2 at two tabs).
    #[test]
    fn symmetry_reduction_is_sound_and_reduces() {
        for row in ROWS {
            let cfg = Config::new(row.variant, 3, row.ttl_s, row.faults);
            assert_eq!(search(Search::DfsSymmetry, cfg, Some(row.invariant), 1).broken, Some(row.invariant));
        }
        let reduced = search(Search::DfsSymmetry, correct(2), None, 1);
        assert_eq!(reduced.broken, None);
        assert!(reduced.unique * 2 >= 48_446 && reduced.unique < 48_446, "{}", reduced.unique);
    }

    /// With and without symmetry, every configuration breaks the same invariants.
    #[test]
    fn symmetry_reduction_breaks_the_same_invariants() {
        for variant in [Variant::V4, Variant::V5, Variant::Proposed] {
            for ttl_s in [120, 300, 450] {
                for faults in [Faults::None, Faults::Insert, Faults::Crash, Faults::One] {
                    let cfg = Config::new(variant, 2, ttl_s, faults);
                    for name in INVARIANTS {
                        let plain = search(Search::Bfs, cfg, Some(name), 1).broken;
                        let reduced = search(Search::DfsSymmetry, cfg, Some(name), 1).broken;
                        assert_eq!(plain, reduced, "{cfg:?} {name}");
                    }
                }
            }
        }
    }

    /// A design that never creates keeps the spec's five invariants; `every-tab-runs`
    /// is what catches it (`proposed` with a lease too short for the longest create
    /// gives every lease back).
    #[test]
    fn a_design_that_never_creates_is_caught_only_by_every_tab_runs() {
        let cfg = Config::new(Variant::Proposed, 2, 300, Faults::None);
        for name in INVARIANTS {
            let broken = bfs(cfg, Some(name), 1).broken;
            assert_eq!(broken.is_some(), name == EVERY_TAB_RUNS, "{name}");
        }
    }
}
