//! Named scenarios: each puts a protocol model together with a workload drawn from the
//! tape, a set of fault points to swarm, invariants, and run phases, so that
//! `lockstep run NAME --variant V` means one precise, replayable experiment.

pub mod create_lock;
mod demo_lock;
pub mod devserver;
#[cfg(feature = "fixtures")]
mod fixtures;
mod goals;
mod launcher;
mod launcher_params;
mod lease;
mod params;
pub mod prewarm;
mod registry;
pub mod restart;
mod scenario;
pub mod tools;

pub mod baseline;

pub use launcher::run_multi_tab_with;
pub use params::{ParamError, ParamInfo, ParamKind, Params};
pub use registry::{all, find, findable, ScenarioError};
pub use scenario::{FaultMode, GoalInfo, InvariantInfo, RunOptions, Scenario, VariantInfo};
