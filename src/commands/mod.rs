//! One module per subcommand, and what they share: exit codes, target lookup, the
//! replay command printed with every failure.

pub mod bench;
pub mod explore;
pub mod list;
pub mod merge;
pub mod report;
pub mod repro;
pub mod review;
pub mod run;
pub mod shrink;

use std::process::ExitCode;

use anyhow::bail;
use scenarios::Scenario;

use crate::cli::Target;

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
    format!("lockstep repro {} --variant {variant} --seed {seed}", scenario.name())
}
