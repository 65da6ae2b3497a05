//! The multi-tab sandbox launcher (SYSTEMS.md S000): browser tabs of one user launch
//! skills on a shared sandbox through a document store and a sandbox provider.
//!
//! So far: its protocol versions as data ([`version`]). The tab, the cleanup cron and
//! the invariants follow with the `launcher/multi-tab` scenario.

pub mod version;
