//! The multi-tab sandbox launcher (SYSTEMS.md S000): browser tabs of one user launch
//! skills on a shared sandbox through a document store and a sandbox provider.
//!
//! The protocol versions are data ([`version`]); the server functions are pure
//! functions over the table ([`server`], and [`lease`] for the `proposed` design); a
//! tab ([`tab`]) runs `handleLaunch` ([`launch`]; `proposed`: [`fenced_create`],
//! [`leased_install`], [`retry`]); [`sandbox_records`] is the `sandboxes` table;
//! [`world`] builds the whole system and [`invariants`] judges it with the help of
//! [`ghost`] state.

pub mod fenced_create;
pub mod ghost;
pub mod invariants;
pub mod launch;
pub mod lease;
pub mod lease_keeper;
pub mod leased_install;
pub mod reads;
pub mod retry;
pub mod sandbox_records;
pub mod server;
pub mod tab;
pub mod version;
pub mod world;
