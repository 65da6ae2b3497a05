//! Shrinking a case: the tape shrinker of the `shrink` crate, run against the case's
//! scenario with only the case's invariant checked.

use scenarios::Scenario;
use shrink::{shrink, ShrinkConfig};
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
    let replay = case.replay(scenario, false);
    if !replay.still_fails {
        return None;
    }
    let options = case.options(scenario);
    let original = replay.result.model_steps;
    let shrunk = shrink(replay.result, config, |tape, limit| {
        scenario.run(&case.variant, ChoiceSource::Tape(tape.clone()), &options.clone().step_limit(limit))
    });
    let mut minimized = Case::from_run(scenario, &case.variant, case.seed, &shrunk.result);
    minimized.shrunk_from_model_steps = Some(case.shrunk_from_model_steps.unwrap_or(original));
    (minimized.params, minimized.faults) = (case.params.clone(), case.faults.clone());
    Some(Minimized { case: minimized, runs: shrunk.runs })
}
