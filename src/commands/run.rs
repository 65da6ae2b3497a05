//! `lockstep run`: a campaign over many seeds of one variant. The corpus replays
//! first; then seeds run in parallel; each failure is saved as a case file the moment
//! it is found, shrunk, and printed with its minimized timeline and replay commands;
//! at the end the reports are written.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
use corpus::{minimize_until, Case, Corpus, ShrinkConfig};
use reports::builder::{CampaignBuilder, CampaignMeta};
use reports::campaign::{CampaignReport, Failure, SeedBase, Seeds, Shard, Timing, HARNESS_KIND};
use reports::timeline;
use scenarios::{RunOptions, Scenario};
use sim::cover::{CoverPlan, Origin};
use sim::exhaustive::ExhaustiveConfig;

use crate::campaign::plan::SeedPlan;
use crate::campaign::progress::Progress;
use crate::campaign::strategy::StrategyName;
use crate::campaign::{Runner, SeedRun, Stretch, CHUNK, COVER_BATCH};
use crate::cli::RunArgs;
use crate::commands::{
    focus_named, origin, replay_case_command, replay_seed_command, report, resolve, tuned, tuning_flags, Exit,
};
use crate::seed_base::BaseSpec;

/// Seeds run when neither `--runs`, `--seeds`, `--seed` nor `--time` says otherwise.
const DEFAULT_RUNS: u64 = 1000;

/// How often the JSON report of a running campaign is rewritten (and after each
/// failure it reports), so a killed job leaves a recent one.
const CHECKPOINT_EVERY: Duration = Duration::from_secs(10);

/// Everything a failure is handled with.
struct Ctx<'a> {
    scenario: &'static dyn Scenario,
    variant: &'static str,
    focus: Option<&'static str>,
    corpus: Option<Corpus>,
    shrink: Option<ShrinkConfig>,
    tail: usize,
    progress: &'a Progress,
    /// The campaign's pool: the shrinker's parallel candidates run on its `--jobs`.
    pool: &'a rayon::ThreadPool,
    /// The campaign's options, and the `--param`/`--faults` flags that give them.
    options: RunOptions,
    flags: String,
    /// The campaign's own command, which makes every run again (a `cover` branch run
    /// has no seed of its own).
    campaign: String,
    /// Raised by Ctrl-C, SIGTERM or SIGHUP: stop between runs and shrink batches.
    stop: &'a AtomicBool,
}

/// What the campaign has found so far.
struct Found {
    builder: CampaignBuilder,
    /// Invariants with a reported (shrunk, saved) failure; later ones are only counted.
    reported: BTreeSet<String>,
    corpus_failures: u64,
    last_seed: Option<u64>,
    /// The first run that reached each goal, as a witness case for the corpus.
    witnesses: std::collections::BTreeMap<&'static str, Case>,
}

pub fn run(args: &RunArgs) -> anyhow::Result<Exit> {
    let (scenario, variant) = resolve(&args.target)?;
    let focus = focus_named(scenario, args.invariant.as_deref())?;
    let formats = report::formats(&args.report)?;
    report::check_writable(&args.report)?;
    let (plan, base) = seed_plan(args)?;
    let corpus = (!args.no_corpus).then(|| Corpus::new(&args.corpus));
    if let Some(c) = &corpus {
        std::fs::create_dir_all(&c.dir).with_context(|| format!("cannot create corpus folder {}", c.dir.display()))?;
    }
    let jobs = args.jobs.map_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()), |j| j as usize);
    let pool = rayon::ThreadPoolBuilder::new().num_threads(jobs).build().context("cannot start the job pool")?;
    let stop = stop_on_signals();
    let options = tuned(
        scenario,
        &args.tuning,
        RunOptions { focus, check_everything: args.check_everything, ..RunOptions::default() },
    )?;
    let flags = tuning_flags(scenario, &options) + &args.strategy.replay_flags();
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
    println!("{} --variant {variant}{flags}: {} ({jobs} jobs)", scenario.name(), plan.describe());
    if let Some(b) = &base {
        println!("seed base {} ({}); run these seeds again with --seed-base {}", b.value, b.source, b.value);
    }
    if let Some(f) = focus {
        println!("checks only {f} (--invariant): the other invariants are not checked");
    }
    let mut cover = (args.strategy.strategy == StrategyName::Cover).then(|| {
        let stride = plan.shard.map_or(1, |s| s.count);
        println!(
            "strategy cover: plain seeds, and {} runs branched from the first run that reached each rare goal",
            args.strategy.cover_budget
        );
        CoverPlan::new(args.strategy.cover(plan.seed(0).unwrap_or(plan.start), stride))
    });

    let progress = Progress::new(plan.runs(), args.time);
    // A shrunk case must be saved to be replayed: without a corpus, failures are shown
    // as their seeds ran, so the timeline printed is the one the replay command shows.
    let shrink = (!args.no_shrink && corpus.is_some()).then_some(ShrinkConfig { max_runs: args.shrink_runs });
    let ctx = Ctx {
        scenario,
        variant,
        focus,
        corpus,
        shrink,
        tail: args.tail,
        progress: &progress,
        pool: &runner.pool,
        options: runner.options.clone(),
        flags: flags.clone(),
        campaign: campaign_command(scenario, variant, &plan, &(focus_flag(focus) + &flags), &args.strategy),
        stop: &stop,
    };
    let meta = CampaignMeta {
        scenario: scenario.name().to_string(),
        variant: variant.to_string(),
        seeds: seeds(&plan, &base, None),
        // The reports show the parameters and fault filter with the budget (every
        // format prints it), so a report says which experiment it was.
        budget: budget(args, &plan) + &flags,
    };
    let mut found = Found {
        builder: CampaignBuilder::new(meta, &scenario.invariants(), scenario.fault_points()),
        reported: BTreeSet::new(),
        corpus_failures: 0,
        last_seed: None,
        witnesses: std::collections::BTreeMap::new(),
    };
    found.builder.goals(scenario.goals());
    if let Some(f) = focus {
        found.builder.focus(f);
    }
    let snapshot = |found: &Found, runs: u64| {
        if !report::checkpoints(&args.report, &formats) {
            return;
        }
        let mut partial =
            found.builder.clone().finish(Timing::new(jobs as u32, progress.elapsed().as_secs_f64(), runs));
        partial.seeds = seeds(&plan, &base, found.last_seed);
        partial.complete = false;
        report::checkpoint(&partial, &args.report, &formats);
    };
    snapshot(&found, 0);
    replay_corpus(&ctx, &mut found)?;
    crate::commands::witness::replay(ctx.corpus.as_ref(), scenario, variant, &ctx.options, cover.as_mut())?;
    let mut stopped_early = found.corpus_failures > 0 && !args.keep_going;
    let (mut next, mut runs, mut violating) = (0, 0u64, 0u64);
    let mut first_violation: Option<(u64, String)> = None;
    let mut nondeterministic = false;
    let mut last_checkpoint = progress.elapsed();
    // Time spent shrinking and replaying failures: not part of runs per second.
    let mut handling = Duration::ZERO;
    // The first chunk always runs: a campaign that runs nothing proves nothing.
    while !stopped_early && !runner.exhausted(next) && !stop.load(Ordering::Relaxed) {
        if next > 0 && progress.out_of_time() {
            break;
        }
        let chunk = match cover.as_mut() {
            Some(plan) => runner.cover_chunk(plan, next, &stop).into_iter().map(Stretch::of).collect(),
            None => runner.chunk(next, &stop, &found.reported),
        };
        next += if cover.is_some() { COVER_BATCH } else { CHUNK };
        for stretch in chunk {
            found.builder.record_tally(&stretch.tallied);
            runs += stretch.tallied.runs;
            violating += stretch.tallied.violating_runs();
            if stretch.last_seed.is_some() {
                found.last_seed = stretch.last_seed;
            }
            let Some(run) = stretch.notable else { continue };
            match (&run.cover, cover.as_mut()) {
                (Some(c), Some(plan)) => {
                    plan.observe(c, &run.result);
                    match c.seed() {
                        Some(seed) => found.builder.record_run(seed, &run.result),
                        None => found.builder.record_unseeded_run(&run.result),
                    }
                }
                _ => found.builder.record_run(run.seed, &run.result),
            }
            for hit in &run.result.goals {
                found.witnesses.entry(hit.goal).or_insert_with(|| {
                    Case::witness(scenario, variant, run.seed, &run.result, hit.goal, focus)
                        .expect("the run reached the goal")
                        .with_options(scenario, &ctx.options)
                });
            }
            runs += 1;
            if run.nondeterministic() {
                progress.println(&nondeterminism(&ctx, &run));
                found.builder.nondeterminism(format!(
                    "seed {} ran two ways (trace hash {:016x}, then {:016x})",
                    run.seed,
                    run.result.trace_hash,
                    run.replayed_hash.unwrap_or_default()
                ));
                nondeterministic = true;
                stopped_early = true;
                break;
            }
            if let Some(key) = run.result.outcome.key() {
                violating += 1;
                first_violation.get_or_insert((run.seed, key.to_string()));
                if found.reported.insert(key.to_string()) {
                    // The runs so far, before a shrink that may take a while.
                    snapshot(&found, runs);
                    let before = progress.elapsed();
                    let failure = report_failure(&ctx, &run);
                    found.builder.add_failure(failure);
                    handling += progress.elapsed() - before;
                    // At once: a job killed during the next shrink keeps this one.
                    snapshot(&found, runs);
                    last_checkpoint = progress.elapsed();
                }
                if !args.keep_going {
                    stopped_early = true;
                    break;
                }
            }
        }
        progress.update(runs, violating);
        if progress.elapsed() >= last_checkpoint + CHECKPOINT_EVERY {
            snapshot(&found, runs);
            last_checkpoint = progress.elapsed();
        }
    }
    progress.finish();
    let interrupted = stop.load(Ordering::Relaxed);
    let secs = (progress.elapsed().saturating_sub(handling)).as_secs_f64();
    let mut campaign = found.builder.finish(Timing::new(jobs as u32, secs, runs));
    campaign.seeds = seeds(&plan, &base, found.last_seed);
    campaign.complete = !interrupted;
    summarize(&campaign, interrupted);
    crate::commands::witness::save(ctx.corpus.as_ref(), &found.witnesses);
    if !args.keep_going && !nondeterministic {
        not_reached(&ctx, &campaign, first_violation.as_ref(), &found.reported);
    }
    let written = report::write(&campaign, &args.report, &formats);
    Ok(match (nondeterministic, campaign.failed(), interrupted, written) {
        (true, ..) => Exit::Nondeterminism,
        (false, true, ..) => Exit::Violation,
        (false, false, true, _) => Exit::Interrupted,
        (false, false, false, true) => Exit::Pass,
        // Nothing failed, but the reports CI reads are missing: not a pass.
        (false, false, false, false) => Exit::BadInput,
    })
}

/// The seeds `plan` covers, and where it started when `--seed-base` chose it. Rejects
/// plans that would run nothing: a campaign of no runs must not pass.
fn seed_plan(args: &RunArgs) -> anyhow::Result<(SeedPlan, Option<SeedBase>)> {
    if args.time.is_some_and(|t| t.is_zero()) {
        bail!("--time 0 runs nothing: give a positive duration such as 90s{}", origin("time", "LOCKSTEP_TIME"));
    }
    // Flags on the command line and `LOCKSTEP_*` variables from CI may both be set:
    // the most specific wins rather than a conflict.
    // A shard takes its slice of the range: `--runs N` is the seeds 0..N.
    let chosen = args.seed.is_none() && args.seeds.is_none();
    let spec = match (&args.seed_base, args.runs, args.time) {
        (Some(spec), ..) if chosen => Some(spec.clone()),
        // A nightly job (`--time` alone) gets fresh seeds every night.
        (None, None, Some(_)) if chosen => Some(BaseSpec::Date),
        _ => None,
    };
    let base = spec.map(|s| s.resolve()).transpose()?;
    let offset = base.as_ref().map_or(0, |b| b.value);
    let (start, end) = match (args.seed, args.seeds, args.runs, args.time) {
        (Some(seed), ..) => (seed, seed.checked_add(1)),
        (None, Some(range), ..) => (range.start, Some(range.end)),
        (None, None, Some(runs), _) => {
            (offset, Some(offset.checked_add(runs).context("--seed-base + --runs overflows 64 bits")?))
        }
        (None, None, None, Some(_)) => (offset, None),
        (None, None, None, None) => (offset, Some(offset.checked_add(DEFAULT_RUNS).context("--seed-base overflows")?)),
    };
    // One seed is the most specific request there is: a shard (say, from CI's
    // environment) does not apply to it.
    let shard = if args.seed.is_some() { None } else { args.shard };
    if let (Some(seed), Some(s)) = (args.seed, args.shard) {
        println!(
            "note: --seed {seed} runs that one seed; shard {s}{} does not apply",
            origin("shard", "LOCKSTEP_SHARD")
        );
    }
    let plan = SeedPlan { start, end, shard };
    if plan.runs() == Some(0) {
        let s = shard.map_or(String::new(), |s| s.to_string());
        bail!(
            "shard {s}{} of seeds {start}..{} has no seeds: use fewer shards or a larger range",
            origin("shard", "LOCKSTEP_SHARD"),
            end.unwrap_or_default()
        );
    }
    Ok((plan, base))
}

/// The seeds a campaign covered: from its first seed to `last` (the last one run).
fn seeds(plan: &SeedPlan, base: &Option<SeedBase>, last: Option<u64>) -> Seeds {
    let start = plan.seed(0).unwrap_or(plan.start);
    Seeds {
        start,
        end: last.unwrap_or(start),
        shard: plan.shard.map(|s| Shard { index: s.index as u32, count: s.count as u32 }),
        split_start: plan.shard.map(|_| plan.start),
        base: base.clone(),
    }
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
    if campaign.corpus.still_failing > 0 {
        println!("  corpus: {} of {} cases still fail", campaign.corpus.still_failing, campaign.corpus.replayed);
    }
    if let Some(what) = &campaign.nondeterminism {
        println!("  nondeterminism: {what}");
    }
    for t in campaign.invariants.iter().filter(|t| t.violating_runs > 0) {
        let first =
            t.first_seed.map_or_else(|| "only in cover branch runs".to_string(), |s| format!("first at seed {s}"));
        println!("  {}: {} runs, {first}", t.name, t.violating_runs);
    }
    for g in &campaign.goals {
        println!("  goal {}: {}", g.name, g.summary());
    }
    for f in &campaign.failures {
        let shrunk = match (f.steps_before_shrink, f.steps_after_shrink) {
            (Some(a), Some(b)) => format!(", shrunk from {a} to {b} model steps"),
            _ => String::new(),
        };
        println!("  seed {}: {}{shrunk}; {}", f.seed, f.invariant, f.replay);
    }
}

/// Without `--keep-going` a campaign stops at its first failure, so the invariants it
/// did not fail were checked only on the runs before it: say how many, and how to
/// see them.
fn not_reached(ctx: &Ctx, campaign: &CampaignReport, first: Option<&(u64, String)>, reported: &BTreeSet<String>) {
    let cause = match first {
        Some((seed, _)) => format!("the first violation (seed {seed})"),
        None if !reported.is_empty() => "a corpus case that still fails, before any seed".to_string(),
        None => return,
    };
    let failed = |name: &String| reported.contains(name) || first.is_some_and(|(_, key)| key == name);
    let others = campaign.invariants.iter().filter(|t| t.checked && t.kind != HARNESS_KIND && !failed(&t.name)).count();
    let (noun, verb) = match others {
        0 => return,
        1 => ("invariant", "was"),
        _ => ("invariants", "were"),
    };
    println!(
        "stopped at {cause}: {others} other {noun} {verb} not checked past it. \
         Use --keep-going to count every violation, or `lockstep review {}` for every variant x invariant.",
        ctx.scenario.name()
    );
}

/// Ctrl-C, SIGTERM and SIGHUP (what CI sends on cancel or timeout) stop a campaign
/// between runs and shrink batches; what was found so far is still reported. A second
/// signal exits at once.
pub fn stop_on_signals() -> Arc<AtomicBool> {
    static SIGNALS: AtomicU32 = AtomicU32::new(0);
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    // A handler may already be set (tests run several campaigns in one process).
    let _ = ctrlc::set_handler(move || {
        if SIGNALS.fetch_add(1, Ordering::SeqCst) > 0 {
            eprintln!("stopped at once: the reports of this campaign were not written");
            std::process::exit(130);
        }
        eprintln!("stopping: finishing the runs under way and writing reports (again to quit at once)");
        flag.store(true, Ordering::Relaxed);
    });
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
        found.builder.record_corpus_case(&case.invariant, replay.still_fails);
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
/// prints the minimized timeline. One story: the timeline printed and reported is
/// always that of the run the replay command replays (the shrunk case if it was
/// saved, else the case of the seed's own run, else the seed).
fn report_failure(ctx: &Ctx, run: &SeedRun) -> Failure {
    let (scenario, variant, seed) = (ctx.scenario, ctx.variant, run.seed);
    let found = Case::from_run(scenario, variant, seed, &run.result).with_options(scenario, &ctx.options);
    let save = |case: &Case| {
        ctx.corpus.as_ref().and_then(|c| match c.save(case) {
            Ok(path) => Some(path),
            Err(e) => {
                eprintln!("warning: cannot write case file into {}: {e}", c.dir.display());
                None
            }
        })
    };
    let found_file = save(&found);
    let mut shrunk_note = String::new();
    let minimized = ctx.shrink.filter(|_| found_file.is_some()).and_then(|config| {
        #[allow(clippy::disallowed_methods)] // Wall time for the report only.
        let started = std::time::Instant::now();
        ctx.pool.install(|| minimize_until(scenario, &found, config, ctx.stop)).map(|m| (m, started.elapsed()))
    });
    let (case, case_file, shrunk) = match minimized.and_then(|(m, took)| save(&m.case).map(|p| (m, took, p))) {
        Some((m, took, path)) => {
            shrunk_note = format!(
                "  shrunk from {} to {} model steps ({} runs, {:.1}s{})\n",
                found.model_steps,
                m.case.model_steps,
                m.runs,
                took.as_secs_f64(),
                if ctx.stop.load(Ordering::Relaxed) { ", stopped early" } else { "" }
            );
            (m.case, Some(path), true)
        }
        None => (found, found_file, false),
    };
    let full = case.replay(scenario, true).result;
    let branch = run.cover.as_ref().and_then(|c| match &c.origin {
        Origin::Branch { goal, prefix_len, .. } => Some((c.index, goal.clone(), *prefix_len)),
        Origin::Seed(_) => None,
    });
    // A branch run has no plain seed: its case file replays it, else its campaign.
    let seed_command = match &branch {
        None => replay_seed_command(scenario, variant, seed, ctx.focus) + &ctx.flags,
        Some((index, ..)) => format!("{} (its run {index}; this campaign ran without a corpus)", ctx.campaign),
    };
    let replay = case_file.as_deref().map_or_else(|| seed_command.clone(), replay_case_command);
    let failure = if shrunk {
        Failure::from_runs(seed, &run.result, Some(&full), replay.clone())
    } else {
        Failure::from_runs(seed, &full, None, replay.clone())
    };
    let mut failure = failure.expect("the run failed");
    failure.case_file = case_file.as_ref().map(|p| p.display().to_string());
    let mut text = match &branch {
        None => format!("\nFAIL {} --variant {variant} seed {seed}\n", scenario.name()),
        Some((index, goal, at)) => format!(
            "\nFAIL {} --variant {variant} cover run {index} (branched from goal {goal} at decision {at})\n",
            scenario.name()
        ),
    };
    text += &format!("  {}\n{shrunk_note}", timeline::outcome_line(&full.outcome));
    text += &timeline::render_steps(&full, Some(ctx.tail));
    text += &format!("  replay: {replay}\n");
    // A branch run has no seed command: its case file is its replay.
    if case_file.is_some() && branch.is_none() {
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
        replay_seed_command(ctx.scenario, ctx.variant, run.seed, ctx.focus) + &ctx.flags
    )
}

/// ` --invariant NAME` for a focused campaign.
fn focus_flag(focus: Option<&str>) -> String {
    focus.map_or_else(String::new, |f| format!(" --invariant {f}"))
}

/// The command that runs this campaign's runs again, in the same order: without a
/// corpus, whose goal witnesses would change where cover branches.
fn campaign_command(
    scenario: &dyn Scenario,
    variant: &str,
    plan: &SeedPlan,
    flags: &str,
    strategy: &crate::campaign::strategy::StrategyArgs,
) -> String {
    let end = plan.end.map_or_else(String::new, |e| e.to_string());
    let shard = plan.shard.map_or_else(String::new, |s| format!(" --shard {s}"));
    let cover = match strategy.strategy {
        StrategyName::Cover => format!(" --strategy cover --cover-budget {}", strategy.cover_budget),
        _ => String::new(),
    };
    format!(
        "lockstep run {} --variant {variant} --seeds {}..{end}{shard}{flags}{cover} --no-corpus",
        scenario.name(),
        plan.start
    )
}
