//! The detection table of issue 15: for each bug of the full launcher
//! (`launcher/multi-tab`, one row per recorded case in `tests/regressions/launcher/`, with the
//! case's variant, invariant, parameters and faults) and of `launcher/create-lock`
//! (its five bugs, `scenarios::create_lock::BUGS`), and for each strategy: the runs and
//! the wall time to the first detection, median over 10 campaign seeds, and the length
//! of the first campaign's counterexample once shrunk; then, per bug, the exhaustive
//! bound at which it is found and the counterexample's length in deviations.
//!
//! A strategy is a pluggable source of [`ChoiceSource`]s ([`Strategy`] and
//! [`Campaign`]): it is told each run's result, so a strategy that learns from earlier
//! runs (`cover`, which branches from the first run that reached a goal) fits the same
//! slot as `random` and `pct`. Wall times are measurements for this table only, never
//! an input to a run.
//!
//! Run: `cargo run --release --example detection_table` (Markdown on stdout). Options:
//! `--only create-lock|multi-tab`, `--campaigns N` (10), `--budget N` (runs per
//! campaign, 5,000), `--exhaustive-runs N` (runs per exhaustive search, 20,000),
//! `--tabs N` (create-lock, 2).

use std::time::Instant;

use corpus::{minimize, Case, ShrinkConfig};
use scenarios::create_lock::BUGS;
use scenarios::{find, RunOptions, Scenario};
use sim::cover::{CoverConfig, CoverPlan, CoverRun};
use sim::exhaustive::{explore, ExhaustiveConfig};
use sim::{ChoiceKind, ChoiceSource, PctConfig, RunResult, Tape};

/// How a campaign chooses the decisions of its runs.
trait Strategy {
    fn name(&self) -> String;
    /// A fresh campaign from `seed`, for a bug whose runs make about `schedule_steps`
    /// schedule decisions.
    fn campaign(&self, seed: u64, schedule_steps: u64) -> Box<dyn Campaign>;
}

/// One campaign of a strategy: the source of each next run, and what each run did.
trait Campaign {
    fn next_source(&mut self) -> ChoiceSource;
    fn observe(&mut self, _run: &RunResult) {}
}

/// Campaign `c` runs the seeds `c * 2^32 + 0, 1, 2, …`: disjoint across campaigns.
struct Seeds {
    base: u64,
    next: u64,
}

impl Seeds {
    fn take(&mut self) -> u64 {
        self.next += 1;
        self.base + self.next - 1
    }
}

struct Random;

impl Strategy for Random {
    fn name(&self) -> String {
        "random".to_string()
    }

    fn campaign(&self, seed: u64, _: u64) -> Box<dyn Campaign> {
        Box::new(Seeds { base: seed << 32, next: 0 })
    }
}

impl Campaign for Seeds {
    fn next_source(&mut self) -> ChoiceSource {
        ChoiceSource::Seed(self.take())
    }
}

struct Pct {
    depth: u32,
}

struct PctCampaign {
    seeds: Seeds,
    config: PctConfig,
}

impl Strategy for Pct {
    fn name(&self) -> String {
        format!("pct d={}", self.depth)
    }

    fn campaign(&self, seed: u64, schedule_steps: u64) -> Box<dyn Campaign> {
        let config = PctConfig { depth: self.depth, steps: schedule_steps.max(1) };
        Box::new(PctCampaign { seeds: Seeds { base: seed << 32, next: 0 }, config })
    }
}

impl Campaign for PctCampaign {
    fn next_source(&mut self) -> ChoiceSource {
        ChoiceSource::Pct { seed: self.seeds.take(), config: self.config }
    }
}

/// `--strategy cover`: random runs, and runs branched from the first witness of each
/// rare `sometimes` goal ([`sim::cover::CoverPlan`]).
struct Cover;

struct CoverCampaign {
    plan: CoverPlan,
    /// The run handed out last, for the plan to learn from its result.
    last: Option<CoverRun>,
}

impl Strategy for Cover {
    fn name(&self) -> String {
        "cover".to_string()
    }

    fn campaign(&self, seed: u64, _: u64) -> Box<dyn Campaign> {
        let config = CoverConfig { first_seed: seed << 32, ..CoverConfig::default() };
        Box::new(CoverCampaign { plan: CoverPlan::new(config), last: None })
    }
}

impl Campaign for CoverCampaign {
    fn next_source(&mut self) -> ChoiceSource {
        let run = self.plan.next();
        let source = run.source.clone();
        self.last = Some(run);
        source
    }

    fn observe(&mut self, result: &RunResult) {
        if let Some(run) = self.last.take() {
            self.plan.observe(&run, result);
        }
    }
}

/// One row: a bug, where to look for it, and how to say so.
struct Bug {
    scenario: &'static dyn Scenario,
    variant: &'static str,
    name: String,
    options: RunOptions,
}

impl Bug {
    fn run(&self, source: ChoiceSource) -> RunResult {
        self.scenario.run(self.variant, source, &self.options)
    }

    fn found(&self, run: &RunResult) -> bool {
        run.outcome.key() == self.options.focus
    }
}

fn multi_tab_bugs() -> Vec<Bug> {
    let cases = corpus::load_dir(std::path::Path::new("tests/regressions/launcher"))
        .expect("tests/regressions/launcher is readable");
    cases
        .into_iter()
        .filter(|(_, c)| c.scenario == "launcher/multi-tab")
        .map(|(_, c)| {
            let (scenario, variant) = find(&c.scenario, Some(&c.variant)).expect("registered");
            Bug { scenario, variant, name: format!("{} {}", c.variant, c.invariant), options: c.options(scenario) }
        })
        .collect()
}

fn create_lock_bugs(tabs: u32) -> Vec<Bug> {
    BUGS.iter()
        .map(|b| {
            let (scenario, variant) = find("launcher/create-lock", Some(b.variant)).expect("registered");
            let name = format!("{} ({} {}, ttl {} s)", b.name, b.variant, b.invariant, b.ttl_s);
            Bug { scenario, variant, name, options: b.options(tabs) }
        })
        .collect()
}

/// Runs and seconds to the first detection in one campaign, and the failing run.
struct Detection {
    runs: u64,
    secs: f64,
    run: RunResult,
}

fn detect(bug: &Bug, campaign: &mut dyn Campaign, budget: u64) -> Option<Detection> {
    #[allow(clippy::disallowed_methods)] // Wall time, for the table only.
    let started = Instant::now();
    for runs in 1..=budget {
        let run = bug.run(campaign.next_source());
        campaign.observe(&run);
        if bug.found(&run) {
            return Some(Detection { runs, secs: started.elapsed().as_secs_f64(), run });
        }
    }
    None
}

/// The median of what was found; `None` when fewer than half the campaigns found it.
fn median(mut values: Vec<f64>, campaigns: usize) -> Option<f64> {
    values.sort_by(f64::total_cmp);
    let half = campaigns / 2;
    (values.len() > half).then(
        || {
            if campaigns % 2 == 1 {
                values[half]
            } else {
                (values[half - 1] + values[half]) / 2.0
            }
        },
    )
}

/// The model steps of `run` once shrunk (the failing run replays from its tape).
fn shrunk_steps(bug: &Bug, run: &RunResult) -> Option<u64> {
    let case = Case::from_run(bug.scenario, bug.variant, 0, run).with_options(bug.scenario, &bug.options);
    minimize(bug.scenario, &case, ShrinkConfig::default()).map(|m| m.case.model_steps)
}

struct Args {
    only: Option<String>,
    campaigns: usize,
    budget: u64,
    exhaustive_runs: u64,
    tabs: u32,
}

fn args() -> Args {
    let argv: Vec<String> = std::env::args().collect();
    let value = |flag: &str| argv.iter().position(|a| a == flag).and_then(|i| argv.get(i + 1)).cloned();
    let number = |flag: &str, default: u64| value(flag).and_then(|v| v.parse().ok()).unwrap_or(default);
    Args {
        only: value("--only"),
        campaigns: number("--campaigns", 10).max(1) as usize,
        budget: number("--budget", 5_000),
        exhaustive_runs: number("--exhaustive-runs", 20_000),
        tabs: number("--tabs", 2) as u32,
    }
}

fn cell(value: Option<f64>, found: usize, campaigns: usize, unit: &str, budget: u64) -> String {
    match value {
        Some(v) if unit == "s" => format!("{:.2} ms ({found}/{campaigns})", v * 1_000.0),
        Some(v) => format!("{v:.0} ({found}/{campaigns})"),
        None => format!("> {budget} ({found}/{campaigns})"),
    }
}

fn strategy_rows(bugs: &[Bug], strategies: &[Box<dyn Strategy>], a: &Args) {
    println!("| bug | strategy | runs to first detection (median) | wall time (median) | shrunk model steps |");
    println!("|---|---|---|---|---|");
    for bug in bugs {
        // PCT spreads its change points over about one run's schedule decisions.
        let steps =
            bug.run(ChoiceSource::Seed(0)).tape.choices.iter().filter(|c| c.kind == ChoiceKind::Schedule).count();
        for strategy in strategies {
            let found: Vec<Detection> = (0..a.campaigns as u64)
                .filter_map(|c| detect(bug, strategy.campaign(c, steps as u64).as_mut(), a.budget))
                .collect();
            let runs = median(found.iter().map(|d| d.runs as f64).collect(), a.campaigns);
            let secs = median(found.iter().map(|d| d.secs).collect(), a.campaigns);
            let shrunk = found.first().and_then(|d| shrunk_steps(bug, &d.run));
            println!(
                "| {} | {} | {} | {} | {} |",
                bug.name,
                strategy.name(),
                cell(runs, found.len(), a.campaigns, "runs", a.budget),
                cell(secs, found.len(), a.campaigns, "s", a.budget),
                shrunk.map_or("-".to_string(), |s| s.to_string()),
            );
        }
    }
}

fn exhaustive_rows(bugs: &[Bug], a: &Args) {
    println!();
    println!("| bug | exhaustive: found at bound | runs | wall time | counterexample (deviations, model steps) |");
    println!("|---|---|---|---|---|");
    for bug in bugs {
        let config = ExhaustiveConfig { bound: 4, values_per_draw: 3, max_runs: a.exhaustive_runs };
        #[allow(clippy::disallowed_methods)] // Wall time, for the table only.
        let started = Instant::now();
        let found = explore(config, |tape: &Tape| bug.run(ChoiceSource::Tape(tape.clone())));
        let secs = started.elapsed().as_secs_f64();
        let covered = found.complete_levels.map_or("none".to_string(), |l| l.to_string());
        match found.failure.filter(|(run, _)| bug.found(run)) {
            Some((run, deviations)) => println!(
                "| {} | {deviations} | {} | {:.1} ms | {deviations}, {} |",
                bug.name,
                found.runs,
                secs * 1_000.0,
                run.model_steps
            ),
            None => println!(
                "| {} | not within {} runs (levels covered: {covered}) | {} | {:.1} ms | - |",
                bug.name,
                a.exhaustive_runs,
                found.runs,
                secs * 1_000.0
            ),
        }
    }
}

fn main() {
    let a = args();
    let strategies: Vec<Box<dyn Strategy>> =
        vec![Box::new(Random), Box::new(Pct { depth: 2 }), Box::new(Pct { depth: 3 }), Box::new(Cover)];
    let mut sections: Vec<(&str, Vec<Bug>)> = Vec::new();
    if a.only.as_deref().is_none_or(|o| o == "create-lock") {
        sections.push(("launcher/create-lock", create_lock_bugs(a.tabs)));
    }
    if a.only.as_deref().is_none_or(|o| o == "multi-tab") {
        sections.push(("launcher/multi-tab", multi_tab_bugs()));
    }
    for (scenario, bugs) in sections {
        println!("\n### {scenario}: {} campaigns of at most {} runs per strategy\n", a.campaigns, a.budget);
        strategy_rows(&bugs, &strategies, &a);
        exhaustive_rows(&bugs, &a);
    }
}
