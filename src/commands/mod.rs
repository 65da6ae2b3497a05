//! One module per subcommand, and what they share: exit codes, target lookup, the
//! replay command printed with every failure.

pub mod bench;
pub mod bench_jobs;
pub mod bench_plain;
pub mod bench_proc;
pub mod explore;
pub mod list;
pub mod merge;
pub mod report;
pub mod repro;
pub mod review;
pub mod run;
pub mod shrink;
pub mod witness;

use std::process::ExitCode;

use anyhow::bail;
use scenarios::{Params, RunOptions, Scenario};

use crate::cli::{Target, Tuning};

/// The process exit codes, as `--help` documents them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    Pass,
    Violation,
    BadInput,
    Nondeterminism,
    /// Ctrl-C stopped a campaign that had found no violation so far.
    Interrupted,
}

impl Exit {
    pub fn code(self) -> ExitCode {
        ExitCode::from(match self {
            Exit::Pass => 0,
            Exit::Violation => 1,
            Exit::BadInput => 2,
            Exit::Nondeterminism => 3,
            Exit::Interrupted => 130,
        })
    }
}

/// The scenario and variant a target names. A scenario with several variants needs
/// `--variant`: silently picking one would run a different experiment than intended.
pub fn resolve(target: &Target) -> anyhow::Result<(&'static dyn Scenario, &'static str)> {
    let (scenario, variant) = scenarios::find(&target.scenario, target.variant.as_deref())?;
    if target.variant.is_none() && scenario.variants().len() > 1 {
        let names: Vec<&str> = scenario.variants().iter().map(|v| v.name).collect();
        bail!("{} has {} variants; choose one with --variant ({})", scenario.name(), names.len(), names.join(", "));
    }
    Ok((scenario, variant))
}

/// The exact command that replays a case file.
pub fn replay_case_command(path: &std::path::Path) -> String {
    format!("lockstep repro --case {}", path.display())
}

/// The exact command that replays one run.
pub fn replay_command(scenario: &dyn Scenario, variant: &str, seed: u64) -> String {
    replay_seed_command(scenario, variant, seed, None)
}

/// The exact command that replays one run of a campaign focused on `focus`: the same
/// check, so it shows the same violation.
pub fn replay_seed_command(scenario: &dyn Scenario, variant: &str, seed: u64, focus: Option<&str>) -> String {
    let focus = focus.map_or(String::new(), |f| format!(" --invariant {f}"));
    format!("lockstep repro {} --variant {variant} --seed {seed}{focus}", scenario.name())
}

/// The scenario's invariant named `name` (`--invariant`), or an error listing them.
pub fn focus_named(scenario: &dyn Scenario, name: Option<&str>) -> anyhow::Result<Option<&'static str>> {
    let Some(name) = name else { return Ok(None) };
    let known: Vec<&'static str> = scenario.invariants().iter().map(|i| i.name).collect();
    match known.iter().find(|n| **n == name) {
        Some(n) => Ok(Some(n)),
        None => bail!("{} has no invariant '{name}' (invariants: {})", scenario.name(), known.join(", ")),
    }
}

/// " (from the environment variable VAR)" when the flag `--long` was not typed but
/// `VAR` is set: an error about its value must say where the value came from.
pub fn origin(long: &str, var: &str) -> String {
    let typed = std::env::args().any(|a| a == format!("--{long}") || a.starts_with(&format!("--{long}=")));
    if !typed && std::env::var_os(var).is_some() {
        format!(" (from the environment variable {var})")
    } else {
        String::new()
    }
}

/// `options` with the parameters and fault filter of `tuning`, checked against the
/// scenario's declared parameters and fault points.
pub fn tuned(scenario: &dyn Scenario, tuning: &Tuning, options: RunOptions) -> anyhow::Result<RunOptions> {
    let mut options = options;
    if !tuning.params.is_empty() {
        options.params = Params::parse(scenario.name(), scenario.params(), tuning.params.iter().map(String::as_str))?;
    }
    if let Some(faults) = &tuning.faults {
        options.fault_filter = sim::FaultFilter::parse(faults, scenario.fault_points()).map_err(anyhow::Error::msg)?;
    }
    Ok(options)
}

/// The `--param` and `--faults` flags that reproduce `options`, with a leading space,
/// or nothing when every parameter is at its default and no fault is filtered.
pub fn tuning_flags(scenario: &dyn Scenario, options: &RunOptions) -> String {
    let mut flags = String::new();
    for &(name, value) in options.params.overrides() {
        let shown = scenario.params().iter().find(|p| p.name == name).map_or(value.to_string(), |p| p.display(value));
        flags += &format!(" --param {name}={shown}");
    }
    if !options.fault_filter.is_empty() {
        flags += &format!(" --faults {}", options.fault_filter);
    }
    flags
}
