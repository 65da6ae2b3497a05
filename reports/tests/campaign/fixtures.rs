//! Real campaigns over the built-in scenarios, so the reports are tested on the
//! failures lockstep actually finds (demo/lock check-then-set fails at seed 0).

use std::ops::RangeInclusive;

use reports::campaign::{CampaignBuilder, CampaignMeta, CampaignReport, Failure, Seeds, Shard, Timing};
use scenarios::RunOptions;
use sim::{ChoiceSource, RunResult};

/// How a fixture campaign runs.
#[derive(Clone, Copy, Debug)]
pub struct Plan {
    pub shard: Option<Shard>,
    /// Shrink each kept failure, with at most this many candidate runs.
    pub shrink_runs: Option<u64>,
    pub max_failures: u64,
    /// Record runs from the last seed to the first, as a parallel campaign might.
    pub reversed: bool,
}

impl Default for Plan {
    fn default() -> Plan {
        Plan { shard: None, shrink_runs: None, max_failures: 3, reversed: false }
    }
}

/// The command that replays one seed, as the CLI prints it.
pub fn replay(scenario: &str, variant: &str, seed: u64) -> String {
    format!("lockstep repro {scenario} --variant {variant} --seed {seed}")
}

/// Runs `seeds` of `scenario --variant variant` (those of the plan's shard) into a report.
pub fn campaign(scenario: &str, variant: &str, seeds: RangeInclusive<u64>, plan: Plan) -> CampaignReport {
    let (s, v) = scenarios::find(scenario, Some(variant)).expect("a built-in scenario");
    let meta = CampaignMeta {
        scenario: s.name().to_string(),
        variant: v.to_string(),
        seeds: Seeds {
            start: *seeds.start(),
            end: *seeds.end(),
            shard: plan.shard,
            split_start: plan.shard.map(|_| *seeds.start()),
            base: None,
        },
        budget: format!("runs {}", seeds.end() - seeds.start() + 1),
    };
    let mut builder = CampaignBuilder::new(meta, &s.invariants(), s.fault_points());
    builder.max_failures_per_invariant(plan.max_failures);
    builder.goals(s.goals());
    let mut order: Vec<u64> =
        seeds.filter(|seed| plan.shard.is_none_or(|sh| seed % u64::from(sh.count) == u64::from(sh.index))).collect();
    if plan.reversed {
        order.reverse();
    }
    for &seed in &order {
        let result = s.run(v, ChoiceSource::Seed(seed), &RunOptions::default());
        builder.record_run(seed, &result);
        let Some(key) = result.outcome.key() else { continue };
        if !builder.wants_failure(key, seed) {
            continue;
        }
        let full = s.run(v, ChoiceSource::Seed(seed), &RunOptions::default().full_trace());
        let shrunk: Option<RunResult> = plan.shrink_runs.map(|max_runs| {
            let run = |tape: &sim::Tape, limit: u64| {
                s.run(v, ChoiceSource::Tape(tape.clone()), &RunOptions::default().full_trace().step_limit(limit))
            };
            shrink::shrink(full.clone(), shrink::ShrinkConfig { max_runs }, run).result
        });
        let mut failure =
            Failure::from_runs(seed, &full, shrunk.as_ref(), replay(s.name(), v, seed)).expect("it failed");
        failure.case_file = Some(format!("cases/{}-{v}-{seed}.json", s.name().replace('/', "-")));
        builder.add_failure(failure);
    }
    builder.finish(Timing::new(1, 0.5, order.len() as u64))
}
