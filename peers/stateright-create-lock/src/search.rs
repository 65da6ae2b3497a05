//! One breadth-first search with stateright, timed: stop at the first counterexample
//! of any checked invariant, or cover the whole space.

use std::time::{Duration, Instant};

use create_lock_abstraction::spec::Config;
use stateright::{Checker, HasDiscoveries, Model};

use create_lock_abstraction::actions::Action;

use crate::model::CreateLock;

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

/// BFS on one thread, `repeat` times (the counts are identical every time; the wall
/// time is the median).
pub fn bfs(cfg: Config, only: Option<&'static str>, repeat: u32) -> Outcome {
    let mut walls = Vec::new();
    let mut last = None;
    for _ in 0..repeat {
        #[allow(clippy::disallowed_methods)] // The peer's wall time is what this measures.
        let start = Instant::now();
        let checker =
            CreateLock { cfg, only }.checker().threads(1).finish_when(HasDiscoveries::AnyFailures).spawn_bfs().join();
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
