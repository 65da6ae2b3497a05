//! `launcher/create-lock`: the create path of the multi-tab launcher (SYSTEMS.md S000)
//! at the abstraction its peers use (issue 15; the contract is
//! `/work/notes/create-lock-spec.md`, summarised in [`world`]): one user, 2–4 tabs,
//! only the placeholder create lock with its TTL, creates in 30 s ticks up to 420 s, at
//! most one failed record insert or one tab crash, queries re-run on writes only.
//!
//! It is built from the launcher's own pieces, not copies: the document store and the
//! sandbox provider substrates, the `sandboxes` table, the text's server functions
//! ([`crate::system::launcher::server`]) and the `proposed` design's fenced lease
//! ([`crate::system::launcher::lease`]). What is new here is the tab ([`tab`] for the
//! text's V4 and V5 handoff orders, [`proposed`] for the design), the ghost state the
//! invariants read ([`ghost`]) and the invariants themselves ([`invariants`]).

pub mod ghost;
pub mod invariants;
pub mod proposed;
pub mod tab;
pub mod world;
