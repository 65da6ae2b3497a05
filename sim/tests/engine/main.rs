//! Integration tests of the engine, one module per area.

mod crash;
mod explore;
mod faults;
mod idle_nemesis;
mod incremental;
mod net;
mod prune;
mod runner;
mod timers;

use std::cell::RefCell;
use std::rc::Rc;

use sim::{ChoiceSource, Invariant, RunConfig, RunResult, Sim, TraceMode};

/// A shared log the tasks of a test write to and the test reads back.
pub type Log = Rc<RefCell<Vec<String>>>;

pub fn log_line(log: &Log, line: impl Into<String>) {
    log.borrow_mut().push(line.into());
}

/// Runs `setup` as a simulation with full tracing and no invariants; returns the log.
pub fn run_logged(seed: u64, setup: impl FnOnce(&Sim, Log)) -> (RunResult, Vec<String>) {
    let log = Log::default();
    let l = log.clone();
    let config = RunConfig { trace: TraceMode::Full, ..RunConfig::default() };
    let result = sim::run(ChoiceSource::Seed(seed), &config, move |sim| setup(sim, l), &[] as &[Invariant<()>]);
    let lines = log.borrow().clone();
    (result, lines)
}

/// Three nodes racing through a few sleeps and draws: enough ready work at once for
/// schedule decisions, for strategies to choose among.
pub fn run_logged_from(source: ChoiceSource) -> RunResult {
    let config = RunConfig { trace: TraceMode::Full, ..RunConfig::default() };
    sim::run(
        source,
        &config,
        |sim: &Sim| {
            for i in 0..3 {
                let node = sim.add_node(format!("n{i}"));
                let s = sim.clone();
                sim.spawn(node, "racer", async move {
                    for _ in 0..5 {
                        let d = s.draw(sim::ChoiceKind::Delay, 3);
                        s.sleep_ms(d).await;
                        s.note(s.current_node(), "steps");
                    }
                });
            }
        },
        &[] as &[Invariant<()>],
    )
}
