//! Nodes: the unit of failure. A browser tab, a server process and a cron are nodes;
//! crashing one drops all of its tasks at their current await point.

use serde::{Deserialize, Serialize};

use crate::time::SimTime;

/// A node of the simulated system. Node 0 is the engine's own node, which carries
/// message delivery and fault injection and never crashes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct NodeId(pub u32);

impl NodeId {
    /// The engine's node: the network and the nemesis run here.
    pub const SYSTEM: NodeId = NodeId(0);
}

impl std::fmt::Display for NodeId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "n{}", self.0)
    }
}

/// What the engine knows about a node.
pub(crate) struct NodeState {
    pub name: String,
    pub up: bool,
    /// Bumped on every crash, so a reply addressed to an earlier life is dropped.
    pub incarnation: u32,
    /// This node's clock reading minus true simulated time, in milliseconds, as of
    /// `drift_since` (jumps and ended drifts are folded in here).
    pub clock_offset_ms: i64,
    /// How fast the clock runs against true time, in parts per million (0: exact;
    /// 1000: one millisecond fast per second).
    pub drift_ppm: i64,
    pub drift_since: SimTime,
    /// What restarting the node does ([`crate::Sim::on_restart`]); dropped at shutdown.
    pub restart: Option<crate::executor::RestartHook>,
}

impl NodeState {
    pub fn new(name: String) -> NodeState {
        NodeState {
            name,
            up: true,
            incarnation: 0,
            clock_offset_ms: 0,
            drift_ppm: 0,
            drift_since: SimTime::ZERO,
            restart: None,
        }
    }

    /// The clock's offset from true time at true time `now`, drift included. Integer
    /// arithmetic, rounded toward zero, so every platform reads the same clock.
    pub fn clock_offset_at(&self, now: SimTime) -> i64 {
        if self.drift_ppm == 0 {
            return self.clock_offset_ms;
        }
        let elapsed = i128::from(now.ms_since(self.drift_since));
        let drifted = elapsed * i128::from(self.drift_ppm) / 1_000_000;
        self.clock_offset_ms + drifted as i64
    }

    /// Sets a new drift rate from `now` on, folding the drift so far into the offset.
    /// Counts a write ([`crate::tracked::count_untracked_write`]): the clock reads the
    /// same now but runs at another rate, so a tracked footprint that read it (and
    /// said until when its words hold) is computed again.
    pub fn set_drift(&mut self, now: SimTime, ppm: i64) {
        crate::tracked::count_untracked_write();
        self.clock_offset_ms = self.clock_offset_at(now);
        self.drift_since = now;
        self.drift_ppm = ppm;
    }
}
