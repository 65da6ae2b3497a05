//! The simulated world, in layers: substrates are reusable pieces of infrastructure
//! with their real semantics and failure modes; protocols are the logic under test,
//! written against substrates as ordinary async Rust; each protocol version is a
//! named variant.
//!
//! Substrates: [`kv`] (a key-value server with TTLs on its own clock).
//! Protocols: [`demo_lock`] (a lock taken by check-then-set or compare-and-set).

pub mod demo_lock;
pub mod kv;
