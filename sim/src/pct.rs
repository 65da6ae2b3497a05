//! PCT, probabilistic concurrency testing (Burckhardt et al., ASPLOS 2010), as a way
//! of choosing the values of schedule decisions.
//!
//! Uniform random scheduling switches between actors at almost every step, so a bug
//! that needs one actor to run a long way ahead of another (a creator finishing its
//! whole create while a second tab sleeps on a stale read) is rare. PCT gives every
//! node a random priority, always runs the ready work of the highest-priority node,
//! and at `depth - 1` change points drawn over the run lowers the running node's
//! priority below every other. A bug of depth `d` (d ordering constraints) is found
//! with probability at least 1 / (n · k^(d-1)) per run for n nodes and k steps.
//!
//! Priorities are per node, not per task: in these models a node is an actor (a tab,
//! a backend instance), and the engine's node (message delivery, the nemesis) is one
//! more actor. The priorities and change points come from a ChaCha8 stream of the
//! run's seed, like the values of a random run; the picks they produce are recorded
//! on the tape as ordinary schedule draws, so a PCT run replays, shrinks and is saved
//! as a case exactly like any other run.

use std::collections::BTreeMap;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::node::NodeId;

/// How PCT is set up for one run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PctConfig {
    /// The bug depth searched for: `depth - 1` priority change points.
    pub depth: u32,
    /// The schedule decisions over which change points are spread (an estimate of a
    /// run's length; points past the run's end never fire).
    pub steps: u64,
}

impl Default for PctConfig {
    fn default() -> PctConfig {
        PctConfig { depth: 3, steps: 2_000 }
    }
}

/// The PCT state of one run.
pub(crate) struct Pct {
    pub rng: ChaCha8Rng,
    /// Each node's priority, assigned when it first has ready work; higher runs first.
    priorities: BTreeMap<NodeId, u64>,
    /// Schedule decisions (1-based) at which the running node drops, ascending.
    change_points: Vec<u64>,
    decisions: u64,
    /// The next lowered priority: below every initial one, decreasing.
    next_low: u64,
}

/// Initial priorities lie above this, so every lowered one is below all of them.
const LOW_BAND: u64 = 1 << 32;

impl Pct {
    pub fn new(seed: u64, config: PctConfig) -> Pct {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut change_points: Vec<u64> =
            (1..config.depth.max(1)).map(|_| rng.random_range(1..=config.steps.max(1))).collect();
        change_points.sort_unstable();
        Pct { rng, priorities: BTreeMap::new(), change_points, decisions: 0, next_low: LOW_BAND - 1 }
    }

    /// The index into `ready` (each entry the node of one ready runnable) to run now.
    pub fn pick(&mut self, ready: &[NodeId]) -> usize {
        self.decisions += 1;
        for node in ready {
            if !self.priorities.contains_key(node) {
                let p = self.rng.random_range(LOW_BAND..u64::MAX);
                self.priorities.insert(*node, p);
            }
        }
        let mut best = self.highest(ready);
        while self.change_points.first().is_some_and(|&c| c <= self.decisions) {
            self.change_points.remove(0);
            self.priorities.insert(ready[best], self.next_low);
            self.next_low -= 1;
            best = self.highest(ready);
        }
        best
    }

    /// The first ready entry of the highest-priority node (the oldest of its work).
    fn highest(&self, ready: &[NodeId]) -> usize {
        let mut best = 0;
        for (i, node) in ready.iter().enumerate() {
            if self.priorities[node] > self.priorities[&ready[best]] {
                best = i;
            }
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_highest_priority_node_runs_until_a_change_point_lowers_it() {
        let config = PctConfig { depth: 2, steps: 5 };
        let mut pct = Pct::new(1, config);
        let change = pct.change_points[0];
        let ready = [NodeId(1), NodeId(2), NodeId(3)];
        let first = pct.pick(&ready);
        for step in 2..change {
            assert_eq!(pct.pick(&ready), first, "the same node keeps running before the change point (step {step})");
        }
        if change > 1 {
            assert_ne!(pct.pick(&ready), first, "the change point lowers the running node below every other");
        }
    }

    #[test]
    fn the_oldest_work_of_the_chosen_node_runs_first() {
        let mut pct = Pct::new(7, PctConfig { depth: 1, steps: 10 });
        let ready = [NodeId(4), NodeId(5), NodeId(4)];
        let pick = pct.pick(&ready);
        assert!(pick < 2, "node 4's first entry or node 5, never node 4's second: {pick}");
    }

    #[test]
    fn the_same_seed_makes_the_same_choices() {
        let ready = [NodeId(1), NodeId(2), NodeId(3), NodeId(0)];
        let picks = |seed| {
            let mut pct = Pct::new(seed, PctConfig::default());
            (0..50).map(|_| pct.pick(&ready)).collect::<Vec<_>>()
        };
        assert_eq!(picks(9), picks(9));
    }
}
