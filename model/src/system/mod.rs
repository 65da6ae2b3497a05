//! The systems under test, one folder or file each (SYSTEMS.md numbers them).
//!
//! - [`create_lock`]: S000's create path alone, at the abstraction of its peers.
//! - [`demo_lock`]: a lock taken by check-then-set or compare-and-set (the demo).
//! - [`devserver`]: S001, dev-server starts behind a Redis lock, and their React hook.
//! - [`launcher`]: S000, the multi-tab sandbox launcher, every protocol version.
//! - [`restart`]: S003, the restart coalescer of a Go workspace server.
//! - [`tools`]: S004, parallel sibling tool calls and the config writers, V0–V10.
//! - [`lease`]: a TTL lease guarding writes to a storage service, fenced or not.
//! - [`prewarm`]: S002, the mkdir prewarm lock with pid-liveness reclaim.
//!
//! [`text`] builds the labels and paths the models name at every step; [`note`] lays
//! out the notes of prewarm and lease in a buffer each world lends them.

pub mod create_lock;
pub mod demo_lock;
pub mod devserver;
pub mod launcher;
pub mod lease;
pub mod note;
pub mod prewarm;
pub mod restart;
pub mod text;
pub mod tools;
