//! `lockstep run`: a campaign over many seeds of one variant. The corpus replays
//! first; then seeds run in parallel; each failure is saved as a case file the moment
//! it is found, shrunk, and printed with its minimized timeline and replay commands.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use anyhow::Context;
use corpus::{minimize, Case, Corpus, ShrinkConfig};
use reports::timeline;
use scenarios::{RunOptions, Scenario};

use crate::campaign::findings::{Failure, Findings};
use crate::campaign::plan::SeedPlan;
use crate::campaign::progress::Progress;
use crate::campaign::{Runner, SeedRun, CHUNK};
use crate::cli::RunArgs;
use crate::commands::{replay_case_command, replay_command, resolve, Exit};

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
    let plan = seed_plan(args);
    let corpus = (!args.no_corpus).then(|| Corpus::new(&args.corpus));
    if let Some(c) = &corpus {
        std::fs::create_dir_all(&c.dir).with_context(|| format!("cannot create corpus folder {}", c.dir.display()))?;
    }
    let jobs = args.jobs.map_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()), |j| j as usize);
    let pool = rayon::ThreadPoolBuilder::new().num_threads(jobs).build().context("cannot start the job pool")?;
    let stop = stop_on_ctrl_c();
    let options = RunOptions { focus, ..RunOptions::default() };
    let runner = Runner { scenario, variant, options, plan, check_determinism: args.check_determinism, pool };
    println!("{} --variant {variant}: {} ({jobs} jobs)", scenario.name(), plan.describe());

    let progress = Progress::new(plan.count, args.time);
    let shrink = (!args.no_shrink).then_some(ShrinkConfig { max_runs: args.shrink_runs });
    let mut findings = Findings::default();
    let ctx = Ctx { scenario, variant, corpus, shrink, tail: args.tail, progress: &progress, pool: &runner.pool };
    let corpus_failures = replay_corpus(&ctx, &mut findings)?;
    let mut stopped_early = corpus_failures > 0 && !args.keep_going;
    let mut next = 0;
    while !stopped_early && !runner.exhausted(next) && !stop.load(Ordering::Relaxed) && !progress.out_of_time() {
        let runs = runner.chunk(next, &stop);
        next += CHUNK;
        for run in runs {
            findings.record(run.seed, &run.result);
            if run.nondeterministic() {
                ctx.progress.println(&nondeterminism(&ctx, &run));
                progress.finish();
                return Ok(Exit::Nondeterminism);
            }
            if let Some(key) = run.result.outcome.key() {
                if !findings.has_failure_of(key) {
                    let failure = report_failure(&ctx, &run);
                    findings.failures.push(failure);
                }
                if !args.keep_going {
                    stopped_early = true;
                    break;
                }
            }
        }
        progress.update(findings.runs, findings.violating_runs);
    }
    progress.finish();
    let interrupted = stop.load(Ordering::Relaxed);
    let secs = progress.elapsed().as_secs_f64();
    println!(
        "{} runs, {} with violations, {:.0} runs/s{}",
        findings.runs,
        findings.violating_runs,
        findings.runs as f64 / secs.max(1e-9),
        if interrupted { " (interrupted)" } else { "" }
    );
    for (invariant, (count, first)) in &findings.by_invariant {
        println!("  {invariant}: {count} runs, first at seed {first}");
    }
    for f in &findings.failures {
        let source = if f.from_corpus { "corpus case" } else { "seed" };
        let shrunk = f.model_steps_shrunk.map_or(String::new(), |s| format!(" -> {s}"));
        println!("  {source} {}: {}, {}{shrunk} model steps; {}", f.seed, f.invariant, f.model_steps_found, f.replay);
    }
    Ok(match (findings.violating_runs + corpus_failures, interrupted) {
        (0, true) => Exit::Interrupted,
        (0, false) => Exit::Pass,
        _ => Exit::Violation,
    })
}

fn seed_plan(args: &RunArgs) -> SeedPlan {
    // Flags on the command line and `LOCKSTEP_*` variables from CI may both be set:
    // the most specific wins rather than a conflict.
    let (start, count) = match (args.seed, args.seeds, args.runs, args.time) {
        (Some(seed), ..) => (seed, Some(1)),
        (None, Some(range), ..) => (range.start, Some(range.end - range.start)),
        (None, None, Some(runs), _) => (0, Some(runs)),
        (None, None, None, Some(_)) => (0, None),
        (None, None, None, None) => (0, Some(DEFAULT_RUNS)),
    };
    SeedPlan { start, count, shard: args.shard }
}

/// Ctrl-C stops a campaign between runs; what was found so far is still reported.
fn stop_on_ctrl_c() -> Arc<AtomicBool> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    // A handler may already be set (tests run several campaigns in one process).
    let _ = ctrlc::set_handler(move || flag.store(true, Ordering::Relaxed));
    stop
}

/// Replays the corpus cases of this variant; returns how many still fail.
fn replay_corpus(ctx: &Ctx, findings: &mut Findings) -> anyhow::Result<u64> {
    let Some(corpus) = &ctx.corpus else { return Ok(0) };
    let cases = corpus.cases_for(ctx.scenario.name(), ctx.variant)?;
    if cases.is_empty() {
        return Ok(0);
    }
    let mut failing = 0;
    for (path, case) in &cases {
        let replay = case.replay(ctx.scenario, true);
        let drift = if replay.same_trace { "" } else { " (trace differs from the recorded one: the model changed)" };
        if !replay.still_fails {
            ctx.progress.println(&format!("corpus: {} passes now{drift}\n", path.display()));
            continue;
        }
        failing += 1;
        let failure = Failure {
            seed: case.seed,
            invariant: case.invariant.clone(),
            outcome: replay.result.outcome.clone(),
            case_file: Some(path.clone()),
            model_steps_found: case.shrunk_from_model_steps.unwrap_or(case.model_steps),
            model_steps_shrunk: Some(replay.result.model_steps),
            timeline: timeline::render(&replay.result, Some(ctx.tail)),
            replay: replay_case_command(path),
            from_corpus: true,
        };
        ctx.progress.println(&format!(
            "\nFAIL (corpus case {}){drift}\n  {}\n{}  replay: {}\n",
            path.display(),
            timeline::outcome_line(&failure.outcome),
            failure.timeline,
            failure.replay
        ));
        findings.failures.push(failure);
    }
    println!("corpus: {} cases replayed, {failing} still fail", cases.len());
    Ok(failing)
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
    let case = match ctx.shrink.and_then(|config| {
        #[allow(clippy::disallowed_methods)] // Wall time for the report only.
        let started = std::time::Instant::now();
        ctx.pool.install(|| minimize(scenario, &found, config)).map(|m| (m, started.elapsed()))
    }) {
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
    let failure = Failure {
        seed,
        invariant: case.invariant.clone(),
        outcome: full.outcome.clone(),
        model_steps_found: found.model_steps,
        model_steps_shrunk: ctx.shrink.map(|_| case.model_steps),
        timeline: timeline::render(&full, Some(ctx.tail)),
        replay: case_file.as_deref().map_or_else(|| replay_command(scenario, variant, seed), replay_case_command),
        case_file,
        from_corpus: false,
    };
    let mut text = format!("\nFAIL {} --variant {variant} seed {seed}\n", scenario.name());
    text += &format!("  {}\n{shrunk_note}", timeline::outcome_line(&failure.outcome));
    text += &failure.timeline;
    text += &format!("  replay: {}\n", failure.replay);
    if failure.case_file.is_some() {
        text += &format!("  seed:   {}\n", replay_command(scenario, variant, seed));
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
        replay_command(ctx.scenario, ctx.variant, run.seed)
    )
}
