//! `sometimes` goals: named situations a run may reach (a lock taken over after its
//! TTL, a pending restart coalesced), the coverage targets of Antithesis' and
//! moonpool's "sometimes" assertions.
//!
//! Model code marks a goal with [`crate::Sim::sometimes`]; the engine keeps the first
//! time each goal was reached in a run: the step, the simulated time and the tape
//! position (how many decisions had been drawn), so the prefix of the tape up to that
//! position replays the run to the same point. Goals are no part of the trace hash:
//! marking one changes nothing a replay checks.

use serde::Serialize;

use crate::time::SimTime;

/// The first time a run reached one goal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GoalHit {
    pub goal: &'static str,
    /// Steps (polls) completed before the step that reached it.
    pub step: u64,
    pub time: SimTime,
    /// Decisions drawn before it was reached: `tape.choices[..tape_pos]` replays the
    /// run up to this point.
    pub tape_pos: usize,
}

/// The goals of one run, in the order they were first reached.
#[derive(Clone, Debug, Default)]
pub(crate) struct Goals {
    hits: Vec<GoalHit>,
}

impl Goals {
    /// Whether `goal` was reached before in this run; few goals per run, so a scan.
    #[inline]
    pub fn reached(&self, goal: &'static str) -> bool {
        // The same goal is nearly always the same literal: its address answers first.
        self.hits.iter().any(|h| std::ptr::eq(h.goal, goal) || h.goal == goal)
    }

    /// Records `goal` unless it was reached before.
    pub fn reach(&mut self, goal: &'static str, step: u64, time: SimTime, tape_pos: usize) {
        if !self.reached(goal) {
            self.hits.push(GoalHit { goal, step, time, tape_pos });
        }
    }

    pub fn take(&mut self) -> Vec<GoalHit> {
        std::mem::take(&mut self.hits)
    }
}
