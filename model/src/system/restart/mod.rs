//! The restart coalescer (SYSTEMS.md S003): a Go workspace server whose `SetSecret`
//! and `SetModel` handlers commit to a durable database and then `go
//! RestartByID(ws)`, which stops the workspace's container, reloads its secrets and
//! provisions a new container through a Docker-like daemon.
//!
//! [`version`] names V0 (`TryLock`, asynchronous provision), V1 (pending flag,
//! synchronous provision; FINAL) and a `proposed` design; [`server`] is the process
//! and its handlers, [`coalescer`] the gate in front of each cycle, [`cycle`] the
//! cycle itself, [`client`] the canvases, [`history`] what the invariants see,
//! [`world`] the wiring and [`invariants`] the judges.

pub mod client;
pub mod coalescer;
pub mod cycle;
pub mod history;
pub mod invariants;
pub mod reads;
pub mod server;
pub mod version;
pub mod world;
