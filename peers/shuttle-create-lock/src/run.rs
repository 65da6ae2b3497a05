//! One shuttle execution of `launcher/create-lock`, and a campaign: a shuttle `Runner`
//! with a seeded scheduler (random, or PCT at depth d) that stops at the first failing
//! execution. The campaign counts executions ("iterations", lockstep's "runs") and its
//! wall time.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use create_lock_abstraction::spec::Config;
use shuttle::scheduler::{PctScheduler, RandomScheduler};
use shuttle::{FailurePersistence, Runner};

use crate::swarm::Swarm;
use crate::tab;
use crate::world::World;

/// One run: draw the fault profile, start every tab, run the clock to quiescence.
pub fn execution(cfg: Config, only: Option<&'static str>) {
    let w = Arc::new(World::new(cfg, only, Swarm::draw(cfg.faults)));
    for i in 0..cfg.tabs {
        w.clock.task_started();
        let w = w.clone();
        shuttle::future::spawn(async move {
            tab::run(w.clone(), i).await;
            w.clock.task_finished();
        });
    }
    shuttle::future::block_on(w.clock.run(|t| w.advance_to(t)));
    w.finish();
}

/// How a campaign chooses schedules.
#[derive(Clone, Copy, Debug)]
pub enum Strategy {
    Random,
    /// PCT with `d - 1` priority change points.
    Pct(usize),
}

impl Strategy {
    pub fn name(self) -> String {
        match self {
            Strategy::Random => "random".to_string(),
            Strategy::Pct(d) => format!("pct d={d}"),
        }
    }
}

/// A campaign's result.
pub struct Detection {
    /// The failing execution's number (from 1), if one failed within the budget.
    pub iterations: Option<usize>,
    pub wall: Duration,
    /// The failure's message (a violation names its invariant).
    pub message: Option<String>,
}

/// Runs executions under `strategy` seeded with `seed` until one fails or `budget`
/// have passed.
pub fn campaign(cfg: Config, only: Option<&'static str>, strategy: Strategy, seed: u64, budget: usize) -> Detection {
    let started = Arc::new(AtomicUsize::new(0));
    let mut config = shuttle::Config::new();
    config.failure_persistence = FailurePersistence::None;
    config.silence_warnings = true;
    let count = started.clone();
    let body = move || {
        count.fetch_add(1, Ordering::Relaxed);
        execution(cfg, only)
    };
    #[allow(clippy::disallowed_methods)] // The peer's wall time is what this measures.
    let start = Instant::now();
    let result = catch_unwind(AssertUnwindSafe(|| match strategy {
        Strategy::Random => Runner::new(RandomScheduler::new_from_seed(seed, budget), config).run(body),
        Strategy::Pct(d) => Runner::new(PctScheduler::new_from_seed(seed, d, budget), config).run(body),
    }));
    let wall = start.elapsed();
    let iterations = started.load(Ordering::Relaxed);
    match result {
        Ok(_) => Detection { iterations: None, wall, message: None },
        Err(payload) => {
            let message = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "a panic without a message".to_string());
            Detection { iterations: Some(iterations), wall, message: Some(message) }
        }
    }
}

#[cfg(test)]
mod tests {
    use create_lock_abstraction::spec::{correct, ROWS};

    use super::*;

    const STRATEGIES: [Strategy; 3] = [Strategy::Random, Strategy::Pct(2), Strategy::Pct(3)];

    /// Every bug of the spec is found by every strategy, on its row's invariant.
    #[test]
    fn every_row_is_found_by_every_strategy() {
        for row in ROWS {
            let cfg = Config::new(row.variant, 2, row.ttl_s, row.faults);
            for strategy in STRATEGIES {
                let d = campaign(cfg, Some(row.invariant), strategy, 1, 20_000);
                let message = d.message.unwrap_or_else(|| panic!("{} not found by {strategy:?}", row.bug));
                assert!(message.starts_with(&format!("violation of {}", row.invariant)), "{}: {message}", row.bug);
            }
        }
    }

    /// The correct configuration passes every invariant, and every step the tasks take
    /// is one the spec enables (a model error would fail the campaign).
    #[test]
    fn the_correct_configuration_passes() {
        for tabs in [2, 3] {
            for strategy in STRATEGIES {
                let d = campaign(correct(tabs), None, strategy, 1, 300);
                assert_eq!(d.message, None, "{tabs} tabs, {strategy:?}");
            }
        }
    }
}
