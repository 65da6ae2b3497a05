//! Runs one scenario variant for a number of seeds and prints runs, events and a hash
//! of every run's trace hash: the workload `valgrind --tool=callgrind` profiles, and a
//! quick check that an engine change left every seed's trace as it was.
//!
//! `cargo run --release --example bench_one -- demo/lock compare-and-set 2000 off`
//! (`plain` instead of a scenario runs the plain event loop `bench` compares with).

use scenarios::{FaultMode, RunOptions};
use sim::ChoiceSource;

/// The allocator of the `lockstep` binary, so profiles match it.
#[path = "../src/allocator.rs"]
mod allocator;
#[global_allocator]
static ALLOCATOR: allocator::Allocator = allocator::Allocator;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let scenario = args.first().map_or("demo/lock", String::as_str);
    let variant = args.get(1).map(String::as_str);
    let runs: u64 = args.get(2).map_or(Ok(1000), |r| r.parse())?;
    let faults = match args.get(3).map_or("off", String::as_str) {
        "swarm" => FaultMode::Swarm,
        _ => FaultMode::Off,
    };
    if scenario == "plain" {
        let events: u64 = (0..runs).map(scenarios::baseline::demo_lock_run).sum();
        println!("runs {runs} events {events} (the plain event loop)");
        return Ok(());
    }
    let (scenario, variant) = scenarios::find(scenario, variant)?;
    let options = RunOptions { faults, ..RunOptions::default() };
    let mut events = 0u64;
    let mut digest = 0u64;
    for seed in 0..runs {
        let r = scenario.run(variant, ChoiceSource::Seed(seed), &options);
        events += r.events;
        digest = digest.rotate_left(7).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ r.trace_hash;
    }
    println!("runs {runs} events {events} trace-digest {:016x}", digest);
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let rss = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap_or("VmRSS: ?");
    println!("{rss}; wakes left queued on this thread: {}", sim::pending_wakes_on_this_thread());
    Ok(())
}
