//! S001: dev-server starts (Next.js, Expo) behind a Redis `SET NX EX` lock, and the
//! React hook that polls and auto-starts them (SYSTEMS.md S001, seed
//! `001_05f85edfa8ec40a5.txt`).
//!
//! - [`params`]: versions, stated numbers and every `[A]` assumption.
//! - [`sandbox`]: sessions, dev-server processes, ports.
//! - [`backend`]: the start paths of V0, V1 and `proposed`; the pool's auto-start.
//! - [`hook`]: `use-dev-server.ts` on the React substrate.
//! - [`world`]: the workload and the wiring of one run.
//! - [`invariants`]: I2, I3, I5, I8, I10, I15, L6, L7 as SYSTEMS.md E defines them.

pub mod backend;
pub mod hook;
pub mod invariants;
pub mod params;
pub mod reads;
pub mod sandbox;
pub mod world;
