//! Shrinking a case: the tape shrinker of the `shrink` crate, run against the case's
//! scenario with only the case's invariant checked.

use std::sync::atomic::AtomicBool;

use scenarios::Scenario;
use shrink::{shrink_until, ShrinkConfig};
use sim::ChoiceSource;

use crate::case::Case;

/// A shrunk case and what it took.
#[derive(Debug)]
pub struct Minimized {
    pub case: Case,
    /// Candidate runs the shrinker spent.
    pub runs: u64,
}

/// Shrinks `case`, which must still fail its invariant (`None` if it no longer does).
/// Deterministic: the same case always gives the same result.
pub fn minimize(scenario: &dyn Scenario, case: &Case, config: ShrinkConfig) -> Option<Minimized> {
    minimize_until(scenario, case, config, &AtomicBool::new(false))
}

/// [`minimize`], stopping between candidate batches once `stop` is raised (Ctrl-C),
/// with the smallest failing case found so far.
pub fn minimize_until(
    scenario: &dyn Scenario,
    case: &Case,
    config: ShrinkConfig,
    stop: &AtomicBool,
) -> Option<Minimized> {
    let replay = case.replay(scenario, false);
    if !replay.still_fails {
        return None;
    }
    let options = case.options(scenario);
    let original = replay.result.model_steps;
    let shrunk = shrink_until(replay.result, config, stop, |tape, limit| {
        scenario.run(&case.variant, ChoiceSource::Tape(tape.clone()), &options.clone().step_limit(limit))
    });
    let mut minimized = Case::from_run(scenario, &case.variant, case.seed, &shrunk.result);
    minimized.shrunk_from_model_steps = Some(case.shrunk_from_model_steps.unwrap_or(original));
    (minimized.params, minimized.faults) = (case.params.clone(), case.faults.clone());
    Some(Minimized { case: minimized, runs: shrunk.runs })
}
