//! The `cover` strategy: branch from the first run that reached a rare `sometimes`
//! goal (Antithesis and moonpool), so the harness explores from where the interesting
//! thing happened instead of waiting for random runs to get there again.
//!
//! A [`CoverPlan`] hands out runs one at a time ([`CoverPlan::next`]) and learns from
//! each result ([`CoverPlan::observe`]). Most runs are fresh random runs of plain
//! seeds. When a goal is rare (reached by at most one in [`CoverConfig::rare_per`] of
//! the random runs so far) and a run has reached it, the tape prefix of the first such
//! run, up to the moment the goal was reached ([`crate::GoalHit::tape_pos`]), becomes
//! the goal's witness; the plan then spends [`CoverConfig::budget`] runs replaying
//! that prefix and drawing everything after it from a fresh stream
//! ([`ChoiceSource::Branch`]). A goal first reached by a branch run gets a witness of
//! its own, so exploration goes on from there.
//!
//! The plan is deterministic: the same config and the same results observed in the
//! same order give the same runs. Runs may be taken in batches (several `next` calls
//! before their `observe` calls, results observed in `next` order) as long as the
//! batch size is fixed; a campaign run on many jobs does this.
//!
//! ```
//! use sim::cover::{CoverConfig, CoverPlan};
//! # fn run(source: sim::ChoiceSource) -> sim::RunResult {
//! #     sim::run(source, &sim::RunConfig::default(), |_| (), &[])
//! # }
//! let mut plan = CoverPlan::new(CoverConfig { first_seed: 0, ..CoverConfig::default() });
//! for _ in 0..10 {
//!     let next = plan.next();
//!     let result = run(next.source.clone());
//!     plan.observe(&next, &result);
//! }
//! ```

use std::collections::BTreeMap;

use crate::choices::ChoiceSource;
use crate::runner::RunResult;
use crate::tape::Tape;

/// How a cover campaign spends its runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CoverConfig {
    /// The seed of the first random run; random run `k` uses `first_seed + k * stride`.
    pub first_seed: u64,
    /// The distance between random seeds (a shard's stride, else 1).
    pub stride: u64,
    /// Branch runs spent on each goal's witness.
    pub budget: u64,
    /// A goal is rare while at most one in `rare_per` random runs reached it.
    pub rare_per: u64,
    /// Every `random_every`-th run is a fresh random run even while a rare goal still
    /// has budget, so that new goals keep being found.
    pub random_every: u64,
}

impl Default for CoverConfig {
    fn default() -> CoverConfig {
        CoverConfig { first_seed: 0, stride: 1, budget: 100, rare_per: 10, random_every: 4 }
    }
}

/// Where one run of the plan comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A plain seed: it replays with `repro --seed`.
    Seed(u64),
    /// A branch from the witness of `goal`: its first `prefix_len` decisions, then
    /// the stream of `stream`. It replays from its recorded tape (a case file).
    Branch { goal: String, prefix_len: usize, stream: u64 },
}

/// One run the plan asks for.
#[derive(Clone, Debug)]
pub struct CoverRun {
    /// Its position in the plan, from 0.
    pub index: u64,
    pub origin: Origin,
    pub source: ChoiceSource,
}

impl CoverRun {
    /// The plain seed of a random run; `None` for a branch.
    pub fn seed(&self) -> Option<u64> {
        match self.origin {
            Origin::Seed(seed) => Some(seed),
            Origin::Branch { .. } => None,
        }
    }
}

/// What the plan knows of one goal.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GoalState {
    /// Random runs that reached it.
    pub reached_random: u64,
    /// Branch runs that reached it.
    pub reached_branch: u64,
    /// The tape prefix of the first run that reached it, up to that moment.
    pub witness: Option<Tape>,
    /// Branch runs handed out from the witness.
    pub spent: u64,
    /// The order goals were first met in, for ties.
    order: usize,
}

/// The `cover` strategy's state over one campaign. See the module docs.
#[derive(Clone, Debug)]
pub struct CoverPlan {
    config: CoverConfig,
    issued: u64,
    random_issued: u64,
    random_observed: u64,
    goals: BTreeMap<String, GoalState>,
}

impl CoverPlan {
    pub fn new(config: CoverConfig) -> CoverPlan {
        CoverPlan { config, issued: 0, random_issued: 0, random_observed: 0, goals: BTreeMap::new() }
    }

    /// Starts with `prefix` as the witness of `goal` (a witness tape saved by an
    /// earlier campaign), unless the goal has one already.
    pub fn add_witness(&mut self, goal: &str, prefix: Tape) {
        let order = self.goals.len();
        let state = self.goals.entry(goal.to_string()).or_insert_with(|| GoalState { order, ..GoalState::default() });
        state.witness.get_or_insert(prefix);
    }

    /// The next run.
    // Not an `Iterator`: what comes next depends on the results observed in between.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> CoverRun {
        let index = self.issued;
        self.issued += 1;
        let explore = self.config.random_every > 0 && index.is_multiple_of(self.config.random_every);
        let target = if explore { None } else { self.target() };
        let Some(goal) = target else {
            let seed = self.config.first_seed.wrapping_add(self.random_issued.wrapping_mul(self.config.stride));
            self.random_issued += 1;
            return CoverRun { index, origin: Origin::Seed(seed), source: ChoiceSource::Seed(seed) };
        };
        let state = self.goals.get_mut(&goal).expect("a target is a known goal");
        state.spent += 1;
        let prefix = state.witness.clone().expect("a target has a witness");
        let stream = splitmix64(self.config.first_seed ^ index.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        CoverRun {
            index,
            origin: Origin::Branch { goal, prefix_len: prefix.len(), stream },
            source: ChoiceSource::Branch { prefix, seed: stream },
        }
    }

    /// Learns from the result of `run` (in the order the runs were handed out).
    pub fn observe(&mut self, run: &CoverRun, result: &RunResult) {
        let random = matches!(run.origin, Origin::Seed(_));
        if random {
            self.random_observed += 1;
        }
        for hit in &result.goals {
            let order = self.goals.len();
            let state =
                self.goals.entry(hit.goal.to_string()).or_insert_with(|| GoalState { order, ..Default::default() });
            if random {
                state.reached_random += 1;
            } else {
                state.reached_branch += 1;
            }
            if state.witness.is_none() {
                let mut prefix = result.tape.clone();
                prefix.choices.truncate(hit.tape_pos);
                state.witness = Some(prefix);
            }
        }
    }

    /// Every goal met so far (or given a witness), by name.
    pub fn goals(&self) -> &BTreeMap<String, GoalState> {
        &self.goals
    }

    /// Whether `state` is reached by few enough random runs to branch from.
    fn rare(&self, state: &GoalState) -> bool {
        state.reached_random.saturating_mul(self.config.rare_per.max(1)) <= self.random_observed
    }

    /// The goal to branch from: a rare goal with a witness and budget left, the
    /// rarest first, then the least spent, then the first met.
    fn target(&self) -> Option<String> {
        self.goals
            .iter()
            .filter(|(_, s)| s.witness.is_some() && s.spent < self.config.budget && self.rare(s))
            .min_by_key(|(_, s)| (s.reached_random, s.spent, s.order))
            .map(|(name, _)| name.clone())
    }
}

/// SplitMix64: spreads the index of a branch run into an unrelated stream seed.
fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::{run, RunConfig};
    use crate::ChoiceKind;

    /// A door opens in one run in 64; behind it, a treasure is found one time in 4.
    fn door(source: ChoiceSource) -> RunResult {
        run(
            source,
            &RunConfig::default(),
            |sim| {
                for _ in 0..3 {
                    sim.draw(ChoiceKind::Workload, 10);
                }
                if sim.draw(ChoiceKind::Workload, 64) == 0 {
                    sim.sometimes("door-open");
                    sim.sometimes_if(sim.draw(ChoiceKind::Workload, 4) == 0, "treasure");
                }
            },
            &[],
        )
    }

    /// Runs `n` runs of `plan` on the door model; how many found the treasure.
    fn treasures(plan: &mut CoverPlan, n: u64) -> (u64, Vec<Origin>) {
        let mut found = 0;
        let mut origins = Vec::new();
        for _ in 0..n {
            let next = plan.next();
            let result = door(next.source.clone());
            found += u64::from(result.goals.iter().any(|g| g.goal == "treasure"));
            origins.push(next.origin.clone());
            plan.observe(&next, &result);
        }
        (found, origins)
    }

    #[test]
    fn the_first_hit_records_its_tape_position() {
        let result = (0..500).map(|s| door(ChoiceSource::Seed(s))).find(|r| !r.goals.is_empty()).expect("a door");
        assert_eq!(result.goals[0].goal, "door-open");
        assert_eq!(result.goals[0].tape_pos, 4, "three workload draws and the door");
    }

    #[test]
    fn cover_finds_what_lies_behind_a_rare_goal_more_often_than_random() {
        let config = CoverConfig { first_seed: 1000, ..CoverConfig::default() };
        let (cover, _) = treasures(&mut CoverPlan::new(config), 400);
        let random = (1000..1400).filter(|&s| door(ChoiceSource::Seed(s)).goals.iter().any(|g| g.goal == "treasure"));
        let random = random.count() as u64;
        assert!(cover >= 3 * random.max(2), "cover {cover} treasures, random {random}");
    }

    #[test]
    fn a_branch_run_replays_from_its_recorded_tape() {
        let mut plan = CoverPlan::new(CoverConfig::default());
        let (_, origins) = treasures(&mut plan, 300);
        let index = origins.iter().position(|o| matches!(o, Origin::Branch { .. })).expect("a branch run");
        let Origin::Branch { ref goal, prefix_len, stream } = origins[index] else { unreachable!() };
        let prefix = plan.goals()[goal].witness.clone().expect("the witness it branched from");
        assert_eq!(prefix.len(), prefix_len);
        let branch = door(ChoiceSource::Branch { prefix, seed: stream });
        let replay = door(ChoiceSource::Tape(branch.tape.clone()));
        assert_eq!(replay.trace_hash, branch.trace_hash);
        assert_eq!(replay.goals, branch.goals);
    }

    #[test]
    fn the_same_plan_gives_the_same_runs() {
        let config = CoverConfig { first_seed: 7, ..CoverConfig::default() };
        let (a, first) = treasures(&mut CoverPlan::new(config), 200);
        let (b, second) = treasures(&mut CoverPlan::new(config), 200);
        assert_eq!((a, &first), (b, &second));
        assert!(first.iter().any(|o| matches!(o, Origin::Branch { .. })), "some runs branched");
    }

    #[test]
    fn a_witness_from_an_earlier_campaign_is_branched_from_at_once() {
        let witness = (0..500).map(|s| door(ChoiceSource::Seed(s))).find(|r| !r.goals.is_empty()).expect("a door");
        let mut prefix = witness.tape.clone();
        prefix.choices.truncate(witness.goals[0].tape_pos);
        let mut plan = CoverPlan::new(CoverConfig::default());
        plan.add_witness("door-open", prefix);
        plan.next();
        let second = plan.next();
        assert!(matches!(second.origin, Origin::Branch { ref goal, prefix_len: 4, .. } if goal == "door-open"));
        assert!(door(second.source).goals.iter().any(|g| g.goal == "door-open"), "the branch reaches the goal again");
    }
}
