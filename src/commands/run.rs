//! `lockstep run`: a campaign over many seeds of one variant. The corpus replays
//! first; then seeds run in parallel; each failure is saved as a case file the moment
//! it is found, shrunk, and printed with its minimized timeline and replay commands;
//! at the end the reports are written.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use anyhow::Context;
use corpus::{minimize, Case, Corpus, ShrinkConfig};
use reports::builder::{CampaignBuilder, CampaignMeta};
use reports::campaign::{CampaignReport, Failure, Seeds, Shard, Timing};
use reports::timeline;
use scenarios::{RunOptions, Scenario};
use sim::exhaustive::ExhaustiveConfig;

use crate::campaign::plan::SeedPlan;
use crate::campaign::progress::Progress;
use crate::campaign::strategy::StrategyName;
use crate::campaign::{Runner, SeedRun, CHUNK};
use crate::cli::RunArgs;
use crate::commands::{replay_case_command, replay_command, report, resolve, Exit};

/// Seeds run when neither `--runs`, `--seeds`, `--seed` nor `--time` says otherwise.
const DEFAULT_RUNS: u64 = 1000;

/// Everything a failure is handled with.
struct Ctx<'a> {
    scenario: &'static dyn Scenario,
    variant: &'static str,
    corpus: Option<Corpus>,
    shrink: Option<ShrinkConfig>,
    tail: usize,
    progress: &'a Progress,
    /// The campaign's pool: the shrinker's parallel candidates run on its `--jobs`.
    pool: &'a rayon::ThreadPool,
    /// What a seed's replay command adds for the campaign's strategy.
    replay_flags: String,
}

/// What the campaign has found so far.
struct Found {
    builder: CampaignBuilder,
    /// Invariants with a reported (shrunk, saved) failure; later ones are only counted.
    reported: BTreeSet<String>,
    corpus_failures: u64,
    last_seed: Option<u64>,
}

pub fn run(args: &RunArgs) -> anyhow::Result<Exit> {
    let (scenario, variant) = resolve(&args.target)?;
    let focus = match &args.invariant {
        None => None,
        Some(name) => {
            Some(scenario.invariants().into_iter().map(|i| i.name).find(|n| n == name).with_context(|| {
                let known: Vec<&str> = scenario.invariants().iter().map(|i| i.name).collect();
                format!("{} has no invariant '{name}' (invariants: {})", scenario.name(), known.join(", "))
            })?)
        }
    };
    let formats = report::formats(&args.report)?;
    report::check_writable(&args.report)?;
    let plan = seed_plan(args);
    let corpus = (!args.no_corpus).then(|| Corpus::new(&args.corpus));
    if let Some(c) = &corpus {
        std::fs::create_dir_all(&c.dir).with_context(|| format!("cannot create corpus folder {}", c.dir.display()))?;
    }
    let jobs = args.jobs.map_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()), |j| j as usize);
    let pool = rayon::ThreadPoolBuilder::new().num_threads(jobs).build().context("cannot start the job pool")?;
    let stop = stop_on_ctrl_c();
    let options = RunOptions { focus, ..RunOptions::default() };
    if args.strategy.strategy == StrategyName::Exhaustive {
        let max_runs = args.runs.unwrap_or(ExhaustiveConfig::default().max_runs);
        return crate::commands::explore::run(scenario, variant, &options, &args.strategy, max_runs, corpus.as_ref());
    }
    let runner = Runner {
        scenario,
        variant,
        options,
        plan,
        check_determinism: args.check_determinism,
        pool,
        strategy: args.strategy.clone(),
    };
    println!(
        "{} --variant {variant}: {} ({jobs} jobs, strategy {:?})",
        scenario.name(),
        plan.describe(),
        args.strategy.strategy
    );

    let progress = Progress::new(plan.runs(), args.time);
    let shrink = (!args.no_shrink).then_some(ShrinkConfig { max_runs: args.shrink_runs });
    let ctx = Ctx {
        scenario,
        variant,
        corpus,
        shrink,
        tail: args.tail,
        progress: &progress,
        pool: &runner.pool,
        replay_flags: args.strategy.replay_flags(),
    };
    let meta = CampaignMeta {
        scenario: scenario.name().to_string(),
        variant: variant.to_string(),
        seeds: Seeds { start: plan.start, end: plan.start, shard: None },
        budget: budget(args, &plan),
    };
    let mut found = Found {
        builder: CampaignBuilder::new(meta, &scenario.invariants(), scenario.fault_points()),
        reported: BTreeSet::new(),
        corpus_failures: 0,
        last_seed: None,
    };
    replay_corpus(&ctx, &mut found)?;
    let mut stopped_early = found.corpus_failures > 0 && !args.keep_going;
    let (mut next, mut runs, mut violating) = (0, 0u64, 0u64);
    // Time spent shrinking and replaying failures: not part of runs per second.
    let mut handling = std::time::Duration::ZERO;
    while !stopped_early && !runner.exhausted(next) && !stop.load(Ordering::Relaxed) && !progress.out_of_time() {
        let chunk = runner.chunk(next, &stop);
        next += CHUNK;
        for run in chunk {
            found.builder.record_run(run.seed, &run.result);
            found.last_seed = Some(run.seed);
            runs += 1;
            if run.nondeterministic() {
                progress.println(&nondeterminism(&ctx, &run));
                progress.finish();
                return Ok(Exit::Nondeterminism);
            }
            if let Some(key) = run.result.outcome.key() {
                violating += 1;
                if found.reported.insert(key.to_string()) {
                    let before = progress.elapsed();
                    let failure = report_failure(&ctx, &run);
                    found.builder.add_failure(failure);
                    handling += progress.elapsed() - before;
                }
                if !args.keep_going {
                    stopped_early = true;
                    break;
                }
            }
        }
        progress.update(runs, violating);
    }
    progress.finish();
    let interrupted = stop.load(Ordering::Relaxed);
    let secs = (progress.elapsed().saturating_sub(handling)).as_secs_f64();
    let mut campaign = found.builder.finish(Timing::new(jobs as u32, secs, runs));
    campaign.seeds = Seeds {
        start: plan.seed(0).unwrap_or(plan.start),
        end: found.last_seed.unwrap_or(plan.start),
        shard: plan.shard.map(|s| Shard { index: s.index as u32, count: s.count as u32 }),
    };
    summarize(&campaign, interrupted);
    report::write(&campaign, &args.report, &formats)?;
    Ok(match (campaign.violating_runs + found.corpus_failures, interrupted) {
        (0, true) => Exit::Interrupted,
        (0, false) => Exit::Pass,
        _ => Exit::Violation,
    })
}

fn seed_plan(args: &RunArgs) -> SeedPlan {
    // Flags on the command line and `LOCKSTEP_*` variables from CI may both be set:
    // the most specific wins rather than a conflict.
    // A shard takes its slice of the range: `--runs N` is the seeds 0..N.
    let (start, end) = match (args.seed, args.seeds, args.runs, args.time) {
        (Some(seed), ..) => (seed, seed.checked_add(1)),
        (None, Some(range), ..) => (range.start, Some(range.end)),
        (None, None, Some(runs), _) => (0, Some(runs)),
        (None, None, None, Some(_)) => (0, None),
        (None, None, None, None) => (0, Some(DEFAULT_RUNS)),
    };
    SeedPlan { start, end, shard: args.shard }
}

fn budget(args: &RunArgs, plan: &SeedPlan) -> String {
    let runs = plan.runs().map(|n| format!("runs {n}"));
    let time = args.time.map(|t| format!("time {}", humantime::format_duration(t)));
    [runs, time].into_iter().flatten().collect::<Vec<_>>().join(", ")
}

fn summarize(campaign: &CampaignReport, interrupted: bool) {
    println!(
        "{} runs, {} with violations, {:.0} runs/s{}",
        campaign.runs,
        campaign.violating_runs,
        campaign.timing.runs_per_sec,
        if interrupted { " (interrupted)" } else { "" }
    );
    for t in campaign.invariants.iter().filter(|t| t.violating_runs > 0) {
        println!("  {}: {} runs, first at seed {}", t.name, t.violating_runs, t.first_seed.unwrap_or_default());
    }
    for f in &campaign.failures {
        let shrunk = match (f.steps_before_shrink, f.steps_after_shrink) {
            (Some(a), Some(b)) => format!(", shrunk from {a} to {b} model steps"),
            _ => String::new(),
        };
        println!("  seed {}: {}{shrunk}; {}", f.seed, f.invariant, f.replay);
    }
}

/// Ctrl-C stops a campaign between runs; what was found so far is still reported.
fn stop_on_ctrl_c() -> Arc<AtomicBool> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    // A handler may already be set (tests run several campaigns in one process).
    let _ = ctrlc::set_handler(move || flag.store(true, Ordering::Relaxed));
    stop
}

/// Replays the corpus cases of this variant; counts those that still fail.
fn replay_corpus(ctx: &Ctx, found: &mut Found) -> anyhow::Result<()> {
    let Some(corpus) = &ctx.corpus else { return Ok(()) };
    let cases = corpus.cases_for(ctx.scenario.name(), ctx.variant)?;
    if cases.is_empty() {
        return Ok(());
    }
    for (path, case) in &cases {
        let replay = case.replay(ctx.scenario, true);
        let drift = if replay.same_trace { "" } else { " (trace differs from the recorded one: the model changed)" };
        if !replay.still_fails {
            ctx.progress.println(&format!("corpus: {} passes now{drift}\n", path.display()));
            continue;
        }
        found.corpus_failures += 1;
        let command = replay_case_command(path);
        ctx.progress.println(&format!(
            "\nFAIL (corpus case {}){drift}\n  {}\n{}  replay: {command}\n",
            path.display(),
            timeline::outcome_line(&replay.result.outcome),
            timeline::render(&replay.result, Some(ctx.tail)),
        ));
        if let Some(mut failure) = Failure::from_runs(case.seed, &replay.result, None, command) {
            failure.case_file = Some(path.display().to_string());
            found.reported.insert(case.invariant.clone());
            found.builder.add_failure(failure);
        }
    }
    println!("corpus: {} cases replayed, {} still fail", cases.len(), found.corpus_failures);
    Ok(())
}

/// Saves the failure of `run` at once, shrinks it, saves the shrunk case over it, and
/// prints the minimized timeline.
fn report_failure(ctx: &Ctx, run: &SeedRun) -> Failure {
    let (scenario, variant, seed) = (ctx.scenario, ctx.variant, run.seed);
    let found = Case::from_run(scenario, variant, seed, &run.result);
    let save = |case: &Case| {
        ctx.corpus.as_ref().and_then(|c| match c.save(case) {
            Ok(path) => Some(path),
            Err(e) => {
                eprintln!("warning: cannot write case file into {}: {e}", c.dir.display());
                None
            }
        })
    };
    let mut case_file = save(&found);
    let mut shrunk_note = String::new();
    let minimized = ctx.shrink.and_then(|config| {
        #[allow(clippy::disallowed_methods)] // Wall time for the report only.
        let started = std::time::Instant::now();
        ctx.pool.install(|| minimize(scenario, &found, config)).map(|m| (m, started.elapsed()))
    });
    let case = match minimized {
        Some((m, took)) => {
            shrunk_note = format!(
                "  shrunk from {} to {} model steps ({} runs, {:.1}s)\n",
                found.model_steps,
                m.case.model_steps,
                m.runs,
                took.as_secs_f64()
            );
            case_file = save(&m.case).or(case_file);
            m.case
        }
        None => found.clone(),
    };
    let full = case.replay(scenario, true).result;
    let seed_command = replay_command(scenario, variant, seed) + &ctx.replay_flags;
    let replay = case_file.as_deref().map_or_else(|| seed_command.clone(), replay_case_command);
    let shrunk = ctx.shrink.is_some().then_some(&full);
    let mut failure = Failure::from_runs(seed, &run.result, shrunk, replay.clone()).expect("the run failed");
    if shrunk.is_none() {
        // Unshrunk: the timeline and diagram come from the full replay of the seed.
        failure = Failure::from_runs(seed, &full, None, replay.clone()).expect("the run failed");
    }
    failure.case_file = case_file.as_ref().map(|p| p.display().to_string());
    let mut text = format!("\nFAIL {} --variant {variant} seed {seed}\n", scenario.name());
    text += &format!("  {}\n{shrunk_note}", timeline::outcome_line(&full.outcome));
    text += &timeline::render_steps(&full, Some(ctx.tail));
    text += &format!("  replay: {replay}\n");
    if case_file.is_some() {
        text += &format!("  seed:   {seed_command}\n");
    }
    ctx.progress.println(&text);
    failure
}

fn nondeterminism(ctx: &Ctx, run: &SeedRun) -> String {
    format!(
        "NONDETERMINISM at seed {}: trace hash {:016x} then {:016x}\n  replay: {}\n",
        run.seed,
        run.result.trace_hash,
        run.replayed_hash.unwrap_or_default(),
        replay_command(ctx.scenario, ctx.variant, run.seed) + &ctx.replay_flags
    )
}
