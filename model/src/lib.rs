//! The simulated world, in two layers.
//!
//! [`substrate`]: reusable pieces of infrastructure with their real semantics and
//! failure modes (a key-value server, a document store, a sandbox provider, …). A
//! substrate knows nothing of the protocols written against it.
//!
//! [`system`]: the systems under test, one folder each: the protocol logic written
//! against substrates as ordinary async Rust, its versions as named values, the world
//! that wires one run together, and the invariants that judge it.

pub mod substrate;
pub mod system;
