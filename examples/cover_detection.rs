//! Runs to first detection under `random` and `cover`, per bug: for each of 10
//! campaign seeds (seed bases 0, 10^6, 2·10^6, …, as `--seed-base` gives them), how
//! many runs a campaign checking only the bug's invariant makes up to and including
//! the first that violates it; the median over the 10, and how many found it within
//! the cap. Both strategies start from the same seeds: `cover`'s random runs are the
//! plain seeds of the base, its branch runs replay the first witness of a rare goal.
//!
//! It drives [`sim::cover::CoverPlan`] directly (`next` → run → `observe`), one run
//! at a time, so the counts are those of a campaign with a batch of 1 (the CLI's
//! `--strategy cover` learns every `COVER_BATCH` runs instead).
//!
//! Run: `cargo run --release --example cover_detection [-- --cap 2000 --bases 10]`.

use rayon::prelude::*;
use scenarios::{find, Params, RunOptions, Scenario};
use sim::cover::{CoverConfig, CoverPlan};
use sim::{ChoiceSource, FaultFilter, RunResult};

/// A bug: its label, scenario, variant, the invariant it breaks, the parameters it
/// needs and the fault filter (`--faults`) it runs with.
type Target = (&'static str, &'static str, &'static str, &'static str, &'static [&'static str], Option<&'static str>);

const C09_PARAMS: &[&str] = &[
    "fallback_create_max_ms=50000",
    "fallback_path_percent=0",
    "health_wait_max_ms=30000",
    "snapshot_create_max_ms=50000",
];

const TARGETS: &[Target] = &[
    ("S000-C07", "launcher/multi-tab", "v2", "waiting-tabs-progress", &[], None),
    ("S000-C09", "launcher/multi-tab", "v4", "single-sandbox", C09_PARAMS, Some("none")),
    ("S000-C10", "launcher/multi-tab", "v4", "no-premature-reclaim", &[], None),
    ("S000-C10 no faults", "launcher/multi-tab", "v4", "no-premature-reclaim", &[], Some("none")),
    ("S000-C11 (V5)", "launcher/multi-tab", "v5", "single-sandbox", &[], None),
    ("S000-C13", "launcher/multi-tab", "v6", "ui-truthful", &[], None),
    ("S000-C14", "launcher/multi-tab", "v7", "ui-truthful", &[], None),
    ("S002 stale-below-timeout", "prewarm/mkdir-lock-full", "v1", "stale-below-timeout", &[], None),
    ("S004 abort-safety", "tools/siblings", "v10", "abort-safety", &[], None),
];

fn options(scenario: &dyn Scenario, target: &Target) -> RunOptions {
    let (_, _, _, invariant, params, faults) = *target;
    let params = Params::parse(scenario.name(), scenario.params(), params.iter().copied()).expect("params");
    let filter = faults
        .map_or_else(FaultFilter::default, |f| FaultFilter::parse(f, scenario.fault_points()).expect("a fault filter"));
    RunOptions::default().with_params(params).with_fault_filter(filter).focused(invariant)
}

fn fails(result: &RunResult, invariant: &str) -> bool {
    result.outcome.key() == Some(invariant)
}

/// Runs until the first violation of the target's invariant: the number of runs.
fn random(run: &dyn Fn(ChoiceSource) -> RunResult, invariant: &str, base: u64, cap: u64) -> Option<u64> {
    (0..cap).find(|&i| fails(&run(ChoiceSource::Seed(base + i)), invariant)).map(|i| i + 1)
}

fn cover(run: &dyn Fn(ChoiceSource) -> RunResult, invariant: &str, base: u64, cap: u64) -> Option<u64> {
    let mut plan = CoverPlan::new(CoverConfig { first_seed: base, ..CoverConfig::default() });
    (0..cap).find_map(|i| {
        let next = plan.next();
        let result = run(next.source.clone());
        plan.observe(&next, &result);
        fails(&result, invariant).then_some(i + 1)
    })
}

fn median(found: &[Option<u64>], cap: u64) -> String {
    let mut runs: Vec<u64> = found.iter().map(|f| f.unwrap_or(cap + 1)).collect();
    runs.sort_unstable();
    let m = runs[runs.len() / 2];
    if m > cap {
        format!("> {cap}")
    } else {
        m.to_string()
    }
}

fn flag(args: &[String], name: &str, default: u64) -> u64 {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)?.parse().ok()).unwrap_or(default)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (cap, bases) = (flag(&args, "--cap", 2000), flag(&args, "--bases", 10));
    println!("| bug | variant | invariant | random: median runs (found) | cover: median runs (found) |");
    println!("|---|---|---|---:|---:|");
    for target in TARGETS {
        let (label, scenario, variant, invariant, ..) = *target;
        let (scenario, variant) = find(scenario, Some(variant)).expect("registered");
        let options = options(scenario, target);
        let run = |source| scenario.run(variant, source, &options);
        let per_base: Vec<(Option<u64>, Option<u64>)> = (0..bases)
            .into_par_iter()
            .map(|b| {
                let base = b * 1_000_000;
                (random(&run, invariant, base, cap), cover(&run, invariant, base, cap))
            })
            .collect();
        let (r, c): (Vec<Option<u64>>, Vec<Option<u64>>) = per_base.into_iter().unzip();
        let found = |v: &[Option<u64>]| v.iter().filter(|x| x.is_some()).count();
        println!(
            "| {} | {} | {} | {} ({}/{bases}) | {} ({}/{bases}) |",
            label,
            variant,
            invariant,
            median(&r, cap),
            found(&r),
            median(&c, cap),
            found(&c)
        );
    }
}
