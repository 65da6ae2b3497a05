//! The simulated world, in layers: substrates are reusable pieces of infrastructure
//! with their real semantics and failure modes; protocols are the logic under test,
//! written against substrates as ordinary async Rust; each protocol version is a
//! named variant.
//!
//! Substrates: [`kv`] (a key-value server with TTLs on its own clock), [`docstore`]
//! (a document store with atomic mutations and reactive queries: the Convex role),
//! [`sandbox_provider`] (sandboxes whose create takes minutes and outlives its caller:
//! the Daytona role), [`remote_job`] (a request whose work runs on the server after
//! the caller is gone).
//! Records: [`sandbox_records`] (the `sandboxes` table of S000).
//! Protocols: [`demo_lock`] (a lock taken by check-then-set or compare-and-set),
//! [`launcher`] (the multi-tab sandbox launcher, in progress).

pub mod demo_lock;
pub mod docstore;
pub mod kv;
pub mod launcher;
pub mod remote_job;
pub mod sandbox_provider;
pub mod sandbox_records;
