//! The versions of the restart coalescer (SYSTEMS.md S003.B), and a proposed design.

/// Which `RestartByID` a server runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    /// Before f088090b27: a per-workspace mutex taken with `TryLock`; a request that
    /// finds it held is logged and dropped; `provisionWorkspace` runs in its own
    /// goroutine, so the mutex is released before the container is up.
    V0,
    /// f088090b27 (FINAL): the pending-flag coalescer; `provisionWorkspace` is
    /// synchronous, so the next cycle's Stop never races a provision.
    V1,
    /// A design meant to keep every invariant under the fault profile:
    ///
    /// - V1's coalescer, with the reset of `running` deferred, so a recovered panic
    ///   cannot wedge a workspace (it counts as a failed cycle);
    /// - every Docker call under a deadline ([`ProposedParams::call_timeout_ms`]), so a
    ///   hung pull fails the cycle instead of holding `running` forever;
    /// - containers named after their workspace, so Docker itself refuses a second
    ///   container (a create still landing from a crashed server's cycle conflicts
    ///   and is cleaned up by the next Stop instead of coexisting);
    /// - a reconciler, at start-up and then every
    ///   [`ProposedParams::reconcile_interval_ms`], that compares each workspace's
    ///   containers with the database version and requests a restart through the
    ///   coalescer when they differ. The database is the durable intent: a commit
    ///   whose `go RestartByID` died with the process, a failed or timed-out
    ///   provision, and a panic are all repaired by the next pass.
    ///
    /// It still assumes one server replica: coalescer state is per process, and two
    /// replicas would need a lease in the database per workspace.
    Proposed,
}

/// The numbers of the `proposed` design `[A]`, in milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProposedParams {
    /// Deadline of every Docker call (a context timeout in Go).
    pub call_timeout_ms: u64,
    /// Pause between two reconcile passes.
    pub reconcile_interval_ms: u64,
}

impl Default for ProposedParams {
    fn default() -> ProposedParams {
        ProposedParams { call_timeout_ms: 60_000, reconcile_interval_ms: 60_000 }
    }
}

impl Version {
    pub fn by_name(name: &str) -> Option<Version> {
        match name {
            "v0" => Some(Version::V0),
            "v1" => Some(Version::V1),
            "proposed" => Some(Version::Proposed),
            _ => None,
        }
    }

    /// Whether `provisionWorkspace` runs in its own goroutine.
    pub fn async_provision(self) -> bool {
        self == Version::V0
    }
}
