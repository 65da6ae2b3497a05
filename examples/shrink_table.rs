//! The shrink table of the launcher's (SYSTEMS.md S000.C) and the prewarm lock's
//! (S002.C) reported bugs: for each bug, the first three seeds whose runs violate the
//! bug's invariant (focused on it, with the bug's parameters), each shrunk, and the
//! shortest case kept (the shrinker is a local search: another start can end lower), with
//! model-level steps before and after, the steps of the bug's minimal schedule in
//! SYSTEMS.md, and the shrink's runs and time.
//!
//! Run: `cargo run --release --example shrink_table` (add `-- --markdown` for a table,
//! `-- --only C04,S002` for some rows). The shrunk cases are saved in
//! `target/shrink-table/`. With `-- --record` they replace the recorded cases of
//! `tests/regressions/<system>/` (the old case of each row is removed): after a model
//! change re-maps the tapes, this one command re-records them; read the new
//! timelines (`lockstep repro --case FILE`) before committing them.

use std::path::{Path, PathBuf};
use std::time::Instant;

use corpus::{minimize, Case, Corpus, Minimized, ShrinkConfig};
use scenarios::{find, Params, RunOptions};
use sim::{ChoiceSource, FaultFilter};

/// One reported bug: where its case is recorded, how to find it, and the actions
/// (actor steps and faults) of its minimal schedule as SYSTEMS.md lists them.
struct Bug {
    bug: &'static str,
    folder: &'static str,
    scenario: &'static str,
    variant: &'static str,
    invariant: &'static str,
    schedule: u64,
    params: &'static [&'static str],
    faults: Option<&'static str>,
}

const fn launcher(bug: &'static str, variant: &'static str, invariant: &'static str, schedule: u64) -> Bug {
    Bug {
        bug,
        folder: "launcher",
        scenario: "launcher/multi-tab",
        variant,
        invariant,
        schedule,
        params: &[],
        faults: None,
    }
}

const fn prewarm(bug: &'static str, variant: &'static str, invariant: &'static str, schedule: u64) -> Bug {
    Bug {
        bug,
        folder: "prewarm",
        scenario: "prewarm/mkdir-lock",
        variant,
        invariant,
        schedule,
        params: &[],
        faults: None,
    }
}

const BUGS: &[Bug] = &[
    launcher("C01", "v0", "parallel-progress", 4),
    launcher("C02", "v0", "one-creator-per-user", 6),
    launcher("C03/C05", "v1", "waiting-tabs-progress", 7),
    launcher("C04", "v1", "no-spin", 4),
    launcher("C06 configs", "v1", "session-runs-tab-config", 4),
    launcher("C06 uploads", "v8", "no-session-on-partial-skill", 4),
    launcher("C07", "v2", "waiting-tabs-progress", 5),
    launcher("C08", "v3", "no-lost-skill", 6),
    // C09 needs creates shorter than the TTL and no faults.
    Bug {
        params: &[
            "fallback_create_max_ms=50000",
            "fallback_path_percent=0",
            "health_wait_max_ms=30000",
            "snapshot_create_max_ms=50000",
        ],
        faults: Some("none"),
        ..launcher("C09", "v4", "single-sandbox", 6)
    },
    launcher("C10", "v4", "no-premature-reclaim", 5),
    launcher("C11", "v1", "no-orphan", 7),
    launcher("C12", "v6", "config-hash-truthful", 6),
    launcher("C13", "v6", "ui-truthful", 5),
    launcher("C14", "v7", "ui-truthful", 6),
    // S002.C: H mkdirs, is killed, W waits (3 actions); C02 adds W's timeout.
    prewarm("S002-C01", "v0", "bounded-reclaim", 3),
    prewarm("S002-C02", "v0", "no-spurious-timeout", 4),
    // H acquires and runs 35 min; W waits; W reclaims by mtime (and mkdirs); H's finally.
    prewarm("S002-C03", "v0", "no-premature-reclaim", 4),
    // Two hosts sharing the lock directory, every prewarm shorter than the stale
    // window, so only the pid check (without the hostname gate) can reclaim.
    Bug {
        params: &["hosts=2", "prewarm_long_max_ms=120000"],
        ..prewarm("S002-C04", "v0.5", "no-premature-reclaim", 3)
    },
];

const BUDGET: u64 = 20_000;

/// Failing seeds shrunk per bug; the shortest result is recorded.
const STARTS: usize = 3;

/// The options a bug's seeds run with: its invariant alone (another that fails first
/// must not hide it), its parameters and fault filter.
fn options(bug: &Bug, scenario: &dyn scenarios::Scenario) -> RunOptions {
    let focus = scenario.invariants().into_iter().map(|i| i.name).find(|n| *n == bug.invariant);
    let params = Params::parse(scenario.name(), scenario.params(), bug.params.iter().copied()).expect("known params");
    let fault_filter = bug.faults.map_or_else(FaultFilter::default, |f| {
        FaultFilter::parse(f, scenario.fault_points()).expect("known fault points")
    });
    RunOptions { focus, params, fault_filter, ..RunOptions::default() }
}

/// Replaces the recorded case of `case`'s bug in `folder` with `case`.
fn record(folder: &str, case: &Case) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/regressions").join(folder);
    let name = case.file_name();
    let prefix = &name[..name.find(".seed-").expect("a case file name has its seed")];
    for old in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        let old_name = old.file_name().to_string_lossy().into_owned();
        if old_name.starts_with(&format!("{prefix}.seed-")) {
            std::fs::remove_file(old.path()).expect("tests/regressions is writable");
        }
    }
    Corpus::new(&dir).save(case).expect("tests/regressions is writable")
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let markdown = args.iter().any(|a| a == "--markdown");
    let recording = args.iter().any(|a| a == "--record");
    // `--only C04,S002` runs the rows whose bug starts with one of these.
    let only: Option<Vec<String>> = args
        .iter()
        .position(|a| a == "--only")
        .and_then(|i| args.get(i + 1))
        .map(|s| s.split(',').map(str::to_string).collect());
    if markdown {
        println!("| bug | variant | invariant | seed | steps before | steps after | schedule | ratio | shrink runs | shrink time |");
        println!("|---|---|---|---|---|---|---|---|---|---|");
    }
    for b in BUGS {
        if only.as_ref().is_some_and(|only| !only.iter().any(|o| b.bug.starts_with(o.as_str()))) {
            continue;
        }
        let (scenario, variant) = find(b.scenario, Some(b.variant)).expect("registered");
        let options = options(b, scenario);
        // The first few failing seeds, each shrunk; the shortest case is kept (ties:
        // the lowest seed). A shrink is local search: another start can end lower.
        let found: Vec<(u64, sim::RunResult)> = (0..BUDGET)
            .filter_map(|seed| {
                let r = scenario.run(variant, ChoiceSource::Seed(seed), &options);
                (r.outcome.key() == Some(b.invariant)).then_some((seed, r))
            })
            .take(STARTS)
            .collect();
        if found.is_empty() {
            println!("{}: not found in {BUDGET} runs", b.bug);
            continue;
        }
        #[allow(clippy::disallowed_methods)] // Wall time of the shrinks, for the table only.
        let started = Instant::now();
        let (mut shrink_runs, mut best) = (0, None);
        for (seed, result) in &found {
            let case = Case::from_run(scenario, variant, *seed, result).with_options(scenario, &options);
            let m = minimize(scenario, &case, ShrinkConfig::default()).expect("the case fails");
            shrink_runs += m.runs;
            if best.as_ref().is_none_or(|(_, _, b): &(u64, Case, Minimized)| m.case.model_steps < b.case.model_steps) {
                best = Some((*seed, case, m));
            }
        }
        let (seed, case, m) = best.expect("at least one start");
        let secs = started.elapsed().as_secs_f64();
        let saved = if recording {
            record(b.folder, &m.case)
        } else {
            Corpus::new(format!("target/shrink-table/{}", b.folder)).save(&m.case).expect("target/ is writable")
        };
        let (before, after, schedule) = (case.model_steps, m.case.model_steps, b.schedule);
        let ratio = after as f64 / schedule as f64;
        let (bug, invariant) = (b.bug, b.invariant);
        if markdown {
            println!(
                "| {bug} | {variant} | {invariant} | {seed} | {before} | {after} | {schedule} | {ratio:.1} | {shrink_runs} | {secs:.1} s |"
            );
        } else {
            println!(
                "{bug:<12} {variant:<4} {invariant:<28} seed {seed:>5}: {before:>4} -> {after:>3} model steps (schedule {schedule}, {ratio:.1}x), {shrink_runs} runs, {secs:.1}s"
            );
            println!("             {}", saved.display());
        }
    }
}
