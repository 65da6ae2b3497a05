//! Substrates: reusable infrastructure with its real semantics and failure modes,
//! shared by every system that needs it.
//!
//! - [`kv`]: a key-value server with TTLs on its own clock, grant revisions (fencing
//!   tokens), INCR and compare-and-delete.
//! - [`docstore`]: a document store with atomic mutations and reactive queries (the
//!   Convex role).
//! - [`sandbox_provider`]: sandboxes whose create takes minutes and outlives its
//!   caller (the Daytona role).
//! - [`remote_job`]: a request whose work runs on the server after the caller is gone.
//! - [`redis`]: Redis as lock users see it (SET NX EX, DEL, compare-and-delete), on kv.
//! - [`react`]: React components, effects and browser timers (frontend hooks).
//! - [`storage`]: a storage service that accepts writes fenced by a lock token.

pub mod docstore;
pub mod kv;
pub mod react;
pub mod redis;
pub mod remote_job;
pub mod sandbox_provider;
pub mod storage;
