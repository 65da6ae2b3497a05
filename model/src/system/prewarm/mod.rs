//! S002: the `mkdir` sandbox-template prewarm lock with pid-liveness reclaim
//! (vercel/eve PR #441; SYSTEMS.md S002), every version and a proposed design.
//!
//! - [`version`]: V0, v0.5 (never shipped), V1 (FINAL) and `proposed` as data.
//! - [`world`]: hosts (pid namespace, hostname, clock), the lock file system, slots.
//! - [`actor`]: an eve process: launch, prewarm, use, kill, relaunch.
//! - [`lock`]: V0/v0.5/V1's `withLock` and `waitForLock`.
//! - [`owner`]: `owner.json` and V1's dead/alive/unknown classification.
//! - [`generational`]: the proposed lock.
//! - [`chaos`]: kills, container restarts, file server crashes, pid churn, clocks.
//! - [`ghost`] and [`invariants`]: what the observer knows, and the checks.
//! - [`note`]: the notes' text, laid out without `format!`.

pub mod actor;
pub mod chaos;
pub mod faults;
pub mod generational;
pub mod ghost;
pub mod invariants;
pub mod lock;
pub mod owner;
pub mod reads;
pub mod version;
pub mod world;
