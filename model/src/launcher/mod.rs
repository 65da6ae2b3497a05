//! The multi-tab sandbox launcher (SYSTEMS.md S000): browser tabs of one user launch
//! skills on a shared sandbox through a document store and a sandbox provider.
//!
//! So far: its protocol versions as data ([`version`]) and its server functions as pure
//! functions over the table ([`server`]). The tab, the cron task and
//! the invariants follow with the `launcher/multi-tab` scenario.

pub mod ghost;
pub mod invariants;
pub mod launch;
pub mod server;
pub mod tab;
pub mod version;
pub mod world;
