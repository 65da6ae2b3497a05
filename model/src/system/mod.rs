//! The systems under test, one folder or file each (SYSTEMS.md numbers them).
//!
//! - [`demo_lock`]: a lock taken by check-then-set or compare-and-set (the demo).
//! - [`launcher`]: S000, the multi-tab sandbox launcher, every protocol version.
//! - [`prewarm`]: S002, the mkdir prewarm lock with pid-liveness reclaim.

pub mod demo_lock;
pub mod launcher;
pub mod prewarm;
