//! Case files and the regression corpus.
//!
//! A case is one failure, saved so it replays exactly: the scenario, variant and seed
//! it came from, the (usually shrunk) choice tape, the invariant it violates and the
//! trace hash it produced. A corpus is a folder of cases that every `lockstep run`
//! replays before any new seed, as proptest does with its regression files: a bug
//! found once stays a test until it is fixed.

mod case;
mod minimize;
mod store;

pub use case::{Case, CaseError, Replay, FORMAT_VERSION};
pub use minimize::{minimize, minimize_until, Minimized};
pub use shrink::ShrinkConfig;
pub use store::{load_dir, write_atomic, Corpus};
