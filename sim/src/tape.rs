//! The choice tape: the record of every decision a run made.
//!
//! A run is a pure function of its tape. Replaying a tape reproduces the run bit for
//! bit; shrinking edits the tape; exhaustive exploration enumerates tapes. Each entry
//! keeps its bound so an edited value can be clamped back into range on replay.

use serde::{Deserialize, Serialize};

/// What a decision was for. Reports group draws by kind, and the shrinker treats
/// kinds differently (a schedule choice of 0 means "run the oldest ready task").
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChoiceKind {
    /// Which ready task runs next.
    Schedule,
    /// A message or operation delay.
    Delay,
    /// Whether an enabled fault point fires.
    Fault,
    /// Which fault points a run enables and at what rate (swarm testing).
    Swarm,
    /// A parameter of the workload: how many clients, which skill, which config.
    Workload,
}

/// One decision: a value drawn uniformly from `0..bound`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Choice {
    pub kind: ChoiceKind,
    pub bound: u64,
    pub value: u64,
}

/// Every decision of one run, in the order it was drawn.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Tape {
    pub choices: Vec<Choice>,
}

impl Tape {
    pub fn len(&self) -> usize {
        self.choices.len()
    }

    pub fn is_empty(&self) -> bool {
        self.choices.is_empty()
    }

    /// A total order on tapes for shrinking: shorter is simpler, then smaller values.
    /// The shrinker only ever accepts a tape that is smaller in this order.
    pub fn shortlex_key(&self) -> (usize, Vec<u64>) {
        (self.len(), self.choices.iter().map(|c| c.value).collect())
    }
}
