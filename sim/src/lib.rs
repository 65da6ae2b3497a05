//! The lockstep engine: everything a simulated run needs, and nothing that could make
//! two runs of the same seed differ.
//!
//! One source of nondeterminism, the [`Choices`] tape, decides every scheduling step,
//! message delay, fault and workload parameter. The [`Sim`] executor runs async Rust
//! tasks grouped into [`NodeId`] nodes on virtual time that jumps to the next timer.
//! [`run`] drives a model to an [`Outcome`] while checking named invariants after every
//! step, and records a [`Trace`] whose hash proves a replay was identical.

mod align;
mod call;
mod choices;
mod clock;
pub mod cover;
mod executor;
pub mod exhaustive;
pub mod fault;
mod goal;
mod label_counts;
mod nemesis;
mod net;
mod node;
mod note;
mod notify;
mod pause;
mod pct;
mod recycle;
mod runner;
mod state_hash;
mod tape;
mod time;
mod timers;
mod trace;
pub mod tracked;
mod wakeup;

pub use align::{Fit, Misfit};
pub use choices::{ChoiceSource, Choices, Ratio, SCHEDULE_SITE};
pub use executor::{pending_wakes_on_this_thread, ActingFor, Sim, TaskId};
pub use fault::{FaultCounts, FaultFilter, FaultPoint, FaultProfile, FAULT_RATES};
pub use goal::GoalHit;
pub use nemesis::NemesisConfig;
pub use net::{NetConfig, NetError};
pub use node::NodeId;
pub use notify::{notified_any, Notify};
pub use pct::PctConfig;
pub use runner::{
    run, run_with_footprint, run_with_tracked_footprint, stop_livelocked, Footprint, Invariant, InvariantKind, Outcome,
    RunConfig, RunResult, Violation,
};
pub use state_hash::StateHasher;
pub use tape::{Choice, ChoiceKind, Site, Tape};
pub use time::{SimTime, Sleep};
pub use trace::{Event, EventKind, Trace, TraceMode};
pub use tracked::{node_word, Reads, Tracked};
