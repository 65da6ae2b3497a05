//! `lockstep bench`: throughput of every scenario, and of the executor against a
//! plain hand-written event loop doing the same work, measured side by side in one
//! process so the ratio is meaningful on any machine.

use std::time::Instant;

use anyhow::{bail, Context};

use scenarios::{all, baseline, FaultMode, RunOptions};
use sim::ChoiceSource;

use crate::cli::BenchArgs;
use crate::commands::Exit;

struct Measured {
    runs_per_sec: f64,
    events_per_sec: f64,
}

#[allow(clippy::disallowed_methods)] // Benchmarks measure wall time; no run reads it.
fn measure(runs: u64, mut one: impl FnMut(u64) -> u64) -> Measured {
    let started = Instant::now();
    let events: u64 = (0..runs).map(&mut one).sum();
    let secs = started.elapsed().as_secs_f64().max(1e-9);
    Measured { runs_per_sec: runs as f64 / secs, events_per_sec: events as f64 / secs }
}

pub fn run(args: &BenchArgs) -> anyhow::Result<Exit> {
    let runs = args.runs.max(1);
    println!("{:<44} {:>12} {:>16}", "workload", "runs/s", "events/s");
    for scenario in all() {
        for v in scenario.variants() {
            for (mode, label) in [(FaultMode::Off, "no faults"), (FaultMode::Swarm, "swarm")] {
                let options = RunOptions { faults: mode, ..RunOptions::default() };
                let m = measure(runs, |seed| scenario.run(v.name, ChoiceSource::Seed(seed), &options).events);
                println!(
                    "{:<44} {:>12.0} {:>16.0}",
                    format!("{} {} ({label})", scenario.name(), v.name),
                    m.runs_per_sec,
                    m.events_per_sec
                );
            }
        }
    }
    // The executor against a binary heap + ChaCha8 loop running the same demo/lock
    // workload (compare-and-set, no faults): same clients, rounds, delays.
    let (scenario, variant) = scenarios::find("demo/lock", Some("compare-and-set"))?;
    let options = RunOptions { faults: FaultMode::Off, ..RunOptions::default() };
    let engine = measure(runs, |seed| scenario.run(variant, ChoiceSource::Seed(seed), &options).events);
    let plain = measure(runs, baseline::demo_lock_run);
    println!();
    println!(
        "{:<44} {:>12.0} {:>16.0}",
        "executor: demo/lock compare-and-set", engine.runs_per_sec, engine.events_per_sec
    );
    println!("{:<44} {:>12.0} {:>16.0}", "plain event loop: same workload", plain.runs_per_sec, plain.events_per_sec);
    println!(
        "ratio (plain / executor, runs per second): {:.2}x (target: within 3x)",
        plain.runs_per_sec / engine.runs_per_sec
    );
    if let Some(binary) = &args.madsim {
        let peer = madsim_runs_per_sec(binary, runs)?;
        println!("{:<44} {:>12.0} {:>16}", "madsim 0.2: same workload", peer, "-");
        println!("ratio (lockstep / madsim, runs per second): {:.2}x", engine.runs_per_sec / peer);
    }
    Ok(Exit::Pass)
}

/// Runs the madsim peer (`peers/madsim-demo-lock`) for `runs` seeds and reads the
/// runs per second it measured itself, so process start-up is not counted.
fn madsim_runs_per_sec(binary: &std::path::Path, runs: u64) -> anyhow::Result<f64> {
    let output = std::process::Command::new(binary)
        .args(["--runs", &runs.to_string()])
        .output()
        .with_context(|| format!("cannot run the madsim peer {}", binary.display()))?;
    if !output.status.success() {
        bail!("the madsim peer {} failed: {}", binary.display(), String::from_utf8_lossy(&output.stderr).trim());
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let mut words = text.split_whitespace();
    while let Some(w) = words.next() {
        if w == "runs_per_sec" {
            if let Some(v) = words.next().and_then(|v| v.parse().ok()) {
                return Ok(v);
            }
        }
    }
    bail!("the madsim peer {} printed no runs_per_sec: {}", binary.display(), text.trim())
}
