//! `lockstep bench`: throughput of every scenario (or of one, `--scenario`), and of
//! the executor against a plain hand-written event loop doing the same work, measured
//! side by side in one process so the ratio is meaningful on any machine; the
//! resident memory early and at the end; with `--jobs N`, campaign scaling.

use std::ops::Range;
use std::time::Instant;

use anyhow::{bail, Context};

use scenarios::{all, baseline, FaultMode, RunOptions, Scenario};
use sim::ChoiceSource;

use crate::cli::BenchArgs;
use crate::commands::bench_proc::{mib, thread_cpu_secs, Rss};
use crate::commands::Exit;
use crate::commands::{bench_jobs, bench_plain};

pub(crate) struct Measured {
    pub runs: u64,
    pub events: u64,
    /// CPU seconds of this thread, or wall seconds where there is no thread clock.
    pub secs: f64,
}

impl Measured {
    pub fn runs_per_sec(&self) -> f64 {
        self.runs as f64 / self.secs
    }

    pub fn events_per_sec(&self) -> f64 {
        self.events as f64 / self.secs
    }
}

/// Runs `one` for each seed of `seeds`; `early` is called once, after the first
/// hundredth of them (memory is sampled there). Rates are per second of this
/// thread's CPU time where the system has a thread clock (other work on a shared machine then
/// slows no figure, and the ratios compare like with like), else of wall time.
#[allow(clippy::disallowed_methods)] // Benchmarks measure wall time; no run reads it.
pub(crate) fn measure(seeds: Range<u64>, mut one: impl FnMut(u64) -> u64, early: &mut dyn FnMut()) -> Measured {
    let (started, cpu_started) = (Instant::now(), thread_cpu_secs());
    let warm = seeds.start + (seeds.end - seeds.start) / 100;
    let runs = seeds.end - seeds.start;
    let mut events = 0;
    for seed in seeds {
        if seed == warm {
            early();
        }
        events += one(seed);
    }
    let wall = started.elapsed().as_secs_f64();
    let cpu = thread_cpu_secs().zip(cpu_started).map(|(end, start)| end - start).filter(|c| *c > 0.0);
    let secs = cpu.unwrap_or(wall).max(1e-9);
    Measured { runs, events, secs }
}

/// The variants `--scenario` and `--variant` choose: every registered one by default.
fn workloads(args: &BenchArgs) -> anyhow::Result<Vec<(&'static dyn Scenario, &'static str)>> {
    let Some(name) = &args.scenario else {
        return Ok(all().into_iter().flat_map(|s| s.variants().iter().map(move |v| (s, v.name))).collect());
    };
    let (scenario, variant) = scenarios::find(name, args.variant.as_deref())?;
    if args.variant.is_some() {
        return Ok(vec![(scenario, variant)]);
    }
    Ok(scenario.variants().iter().map(|v| (scenario, v.name)).collect())
}

pub fn run(args: &BenchArgs) -> anyhow::Result<Exit> {
    let runs = args.runs.max(1);
    let chosen = workloads(args)?;
    let mut early_rss: Option<Rss> = None;
    let mut sample = || {
        if early_rss.is_none() {
            early_rss = Rss::now();
        }
    };
    let clock = if thread_cpu_secs().is_some() { "per CPU second of the bench thread" } else { "per wall second" };
    println!("{:<44} {:>12} {:>16}   ({clock})", "workload", "runs/s", "events/s");
    for &(scenario, variant) in &chosen {
        for (mode, label) in [(FaultMode::Off, "no faults"), (FaultMode::Swarm, "swarm")] {
            let options = RunOptions { faults: mode, ..RunOptions::default() };
            let m =
                measure(0..runs, |seed| scenario.run(variant, ChoiceSource::Seed(seed), &options).events, &mut sample);
            println!(
                "{:<44} {:>12.0} {:>16.0}",
                format!("{} {variant} ({label})", scenario.name()),
                m.runs_per_sec(),
                m.events_per_sec()
            );
        }
    }
    // The executor against a binary heap + ChaCha8 loop running the same demo/lock
    // workload (compare-and-set, no faults): same clients, rounds, delays.
    let (scenario, variant) = scenarios::find("demo/lock", Some("compare-and-set"))?;
    let options = RunOptions { faults: FaultMode::Off, ..RunOptions::default() };
    let vs = bench_plain::compare(
        runs,
        |seed| scenario.run(variant, ChoiceSource::Seed(seed), &options).events,
        baseline::demo_lock_run,
    );
    let engine = &vs.engine;
    println!();
    println!(
        "{:<44} {:>12.0} {:>16.0}",
        "executor: demo/lock compare-and-set",
        engine.runs_per_sec(),
        engine.events_per_sec()
    );
    let plain = &vs.plain;
    println!(
        "{:<44} {:>12.0} {:>16.0}",
        "plain event loop: same workload",
        plain.runs_per_sec(),
        plain.events_per_sec()
    );
    println!("{}", vs.ratio_line());
    if let Some(binary) = &args.madsim {
        let peer = madsim_runs_per_sec(binary, runs)?;
        println!("{:<44} {:>12.0} {:>16}", "madsim 0.2: same workload", peer, "-");
        println!("ratio (lockstep / madsim, runs per second): {:.2}x", engine.runs_per_sec() / peer);
    }
    print_memory(early_rss, Rss::now());
    if let Some(jobs) = args.jobs {
        let (scenario, variant) = if args.scenario.is_some() { chosen[0] } else { (scenario, variant) };
        bench_jobs::table(scenario, variant, runs, jobs)?;
    }
    Ok(Exit::Pass)
}

/// The resident set early in the first workload and at the end: flat over a long
/// bench (`--runs 1000000`) means runs leave nothing behind.
fn print_memory(early: Option<Rss>, end: Option<Rss>) {
    let (Some(early), Some(end)) = (early, end) else {
        println!("memory: not measured (no /proc/self/status here)");
        return;
    };
    println!(
        "memory: resident {} after the first 1% of the first workload, {} at the end (peak {} then, {} at the end)",
        mib(early.rss_kib),
        mib(end.rss_kib),
        mib(early.peak_kib),
        mib(end.peak_kib)
    );
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
