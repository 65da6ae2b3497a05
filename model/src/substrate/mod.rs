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
//! - [`fs`]: a file tree with atomic `mkdir`, mtimes on the server's clock, torn and
//!   atomic writes, crash semantics; local or shared by several hosts.
//! - [`process`]: a pid namespace with pid reuse, `kill(pid, 0)`, zombies, hostnames.
//! - [`yield_now`]: a scheduling point between the steps of a multi-step operation.
//! - [`storage`]: a storage service that accepts writes fenced by a lock token.
//! - [`sync`]: goroutines, mutexes, read/write locks and mutex maps, with a wait-for graph.

pub mod docstore;
pub mod fs;
pub mod kv;
pub mod process;
pub mod remote_job;
pub mod sandbox_provider;
pub mod yield_now;
pub mod storage;
pub mod sync;
