//! A container as the daemon keeps it: its workspace, its optional name, the
//! environment snapshot it was created with, and whether it runs.

use crate::substrate::workspace_db::Snapshot;

/// The daemon's id of a container (never reused within a run).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ContainerId(pub u32);

impl std::fmt::Display for ContainerId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "c{}", self.0)
    }
}

/// Created and not started, or running.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContainerState {
    Created,
    Running,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Container {
    pub id: ContainerId,
    pub ws: u32,
    pub name: Option<String>,
    /// The environment at create, with the database version it reflects.
    pub snapshot: Snapshot,
    pub state: ContainerState,
    /// Notifications received (restart context), in arrival order.
    pub notes: Vec<String>,
}
