//! `bench --jobs N`: the campaign's own loop (chunks on a rayon pool, tallies merged
//! in seed order) at 1, 2, … N jobs, with runs per second and parallel efficiency
//! (runs/s at N jobs over N times runs/s at one). CPU seconds per 1000 runs show the
//! cost of the work itself, and the campaign thread's share of them the serial part
//! of a campaign; both stay put when a shared machine cannot give the jobs their
//! cores. A machine with N free cores fills in the efficiency column.

use std::sync::atomic::AtomicBool;
use std::time::Instant;

use anyhow::{ensure, Context};
use reports::builder::RunTally;
use scenarios::{RunOptions, Scenario};

use crate::campaign::plan::SeedPlan;
use crate::campaign::strategy::StrategyArgs;
use crate::campaign::{Runner, CHUNK};
use crate::commands::bench_proc::{cpu_secs, thread_cpu_secs};

/// Prints the table for `runs` runs of `variant` at each job count up to `max_jobs`.
pub fn table(scenario: &'static dyn Scenario, variant: &'static str, runs: u64, max_jobs: u32) -> anyhow::Result<()> {
    println!();
    println!("campaigns of {runs} runs of {} {variant} (swarm faults):", scenario.name());
    println!("{:>6} {:>12} {:>12} {:>18} {:>16}", "jobs", "runs/s", "efficiency", "cpu s/1000 runs", "campaign thread");
    let mut single = None;
    for jobs in 1..=max_jobs {
        let m = campaign(scenario, variant, runs, jobs as usize)?;
        let base = *single.get_or_insert(m.runs_per_sec);
        let efficiency = m.runs_per_sec / (f64::from(jobs) * base);
        let cpu = m.cpu.map_or("-".to_string(), |c| format!("{:.3}", c * 1000.0 / runs as f64));
        let serial = m
            .cpu
            .zip(m.campaign_cpu)
            .map_or("-".to_string(), |(all, mine)| format!("{:.1}%", 100.0 * mine / all.max(1e-9)));
        println!("{jobs:>6} {:>12.0} {:>11.0}% {cpu:>18} {serial:>16}", m.runs_per_sec, efficiency * 100.0);
    }
    println!(
        "(campaign thread: its share of the CPU time, the serial part that bounds the speed-up at N jobs to \
         1 / (share + (1 - share) / N))"
    );
    Ok(())
}

struct Campaign {
    runs_per_sec: f64,
    /// CPU seconds of every thread, and of the campaign's own thread.
    cpu: Option<f64>,
    campaign_cpu: Option<f64>,
}

/// One campaign at `jobs` jobs: its runs per second and the CPU seconds it used.
#[allow(clippy::disallowed_methods)] // Benchmarks measure wall time; no run reads it.
fn campaign(
    scenario: &'static dyn Scenario,
    variant: &'static str,
    runs: u64,
    jobs: usize,
) -> anyhow::Result<Campaign> {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(jobs).build().context("cannot start the job pool")?;
    let runner = Runner {
        scenario,
        variant,
        options: RunOptions::default(),
        plan: SeedPlan { start: 0, end: Some(runs), shard: None },
        check_determinism: false,
        pool,
        strategy: StrategyArgs::default(),
    };
    let stop = AtomicBool::new(false);
    let mut total = RunTally::default();
    // As in a campaign, only the first failure of each invariant is looked at alone.
    let mut reported = std::collections::BTreeSet::new();
    let (cpu_before, mine_before) = (cpu_secs(), thread_cpu_secs());
    let started = Instant::now();
    let mut next = 0;
    while !runner.exhausted(next) {
        for stretch in runner.chunk(next, &stop, &reported) {
            total.merge(&stretch.tallied);
            if let Some(run) = stretch.notable {
                total.add(&run.result);
                reported.extend(run.result.outcome.key().map(str::to_string));
            }
        }
        next += CHUNK;
    }
    let secs = started.elapsed().as_secs_f64().max(1e-9);
    let cpu = cpu_secs().zip(cpu_before).map(|(after, before)| after - before);
    let campaign_cpu = thread_cpu_secs().zip(mine_before).map(|(after, before)| after - before);
    ensure!(total.runs == runs, "the campaign tallied {} of its {runs} runs", total.runs);
    Ok(Campaign { runs_per_sec: runs as f64 / secs, cpu, campaign_cpu })
}
