//! Nodes: the unit of failure. A browser tab, a server process and a cron are nodes;
//! crashing one drops all of its tasks at their current await point.

use serde::{Deserialize, Serialize};

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
    /// This node's clock reading minus true simulated time, in milliseconds.
    pub clock_offset_ms: i64,
}
