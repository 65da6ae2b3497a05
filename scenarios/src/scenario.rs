//! What every scenario offers: its variants, invariants and fault points, and a way
//! to run one of its variants from a seed or a tape.

use sim::{ChoiceSource, FaultPoint, Invariant, InvariantKind, RunResult, TraceMode};

use crate::params::{ParamInfo, Params};

/// One protocol version of a scenario.
#[derive(Clone, Copy, Debug)]
pub struct VariantInfo {
    pub name: &'static str,
    pub doc: &'static str,
}

/// An invariant as reports and `list` show it.
#[derive(Clone, Copy, Debug)]
pub struct InvariantInfo {
    pub name: &'static str,
    pub kind: InvariantKind,
    pub doc: &'static str,
}

impl<W> From<&Invariant<W>> for InvariantInfo {
    fn from(i: &Invariant<W>) -> InvariantInfo {
        InvariantInfo { name: i.name, kind: i.kind, doc: i.doc }
    }
}

/// A `sometimes` goal: a situation bugs need, which some runs should reach. Model
/// code marks it with [`sim::Sim::sometimes`]; reports count the runs that reached it
/// and `--strategy cover` branches from the first one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GoalInfo {
    pub name: &'static str,
    pub doc: &'static str,
}

/// Whether a run swarms its fault points or runs fault-free (benchmarks, baselines).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultMode {
    Swarm,
    Off,
}

impl FaultMode {
    /// Installs this run's fault profile over `points`: drawn from the tape (swarm),
    /// or all off.
    pub fn install(self, sim: &sim::Sim, points: &[FaultPoint]) {
        match self {
            FaultMode::Swarm => sim.swarm_faults(points),
            FaultMode::Off => sim.set_fault_profile(sim::FaultProfile::none(points)),
        }
    }
}

/// How to run: what to keep of the trace, whether faults fire, and the parameters.
#[derive(Clone, Debug)]
pub struct RunOptions {
    pub trace: TraceMode,
    pub faults: FaultMode,
    /// Check only this invariant (`run --invariant`); `None` checks every one.
    pub focus: Option<&'static str>,
    /// A lower step limit than the scenario's own (the shrinker cuts long candidates).
    pub step_limit: Option<u64>,
    /// Parameter overrides (`--param NAME=VALUE`); a scenario reads every parameter
    /// through [`Params::get`] with its declared [`ParamInfo`].
    pub params: Params,
    /// The fault points a campaign narrowed its swarm to (`--faults`); empty allows
    /// every point the scenario declares.
    pub fault_filter: sim::FaultFilter,
    /// Check every safety invariant after every step instead of only those whose reads
    /// a step changed: the reference the incremental checks must agree with.
    pub check_everything: bool,
}

impl RunOptions {
    /// Keep only the trace hash: the fastest way to run, for campaigns.
    pub fn outcome_only(self) -> RunOptions {
        RunOptions { trace: TraceMode::HashOnly, ..self }
    }

    /// Check `invariant` only: the others may fail first and hide it.
    pub fn focused(self, invariant: &'static str) -> RunOptions {
        RunOptions { focus: Some(invariant), ..self }
    }

    /// At most `limit` steps, or the scenario's own limit if that is lower.
    pub fn step_limit(self, limit: u64) -> RunOptions {
        RunOptions { step_limit: Some(limit), ..self }
    }

    /// The engine's configuration for a scenario with these phases and step limit,
    /// under these options (trace mode, focus, a lower step limit if asked).
    pub fn run_config(&self, fault_phase_ms: u64, liveness_deadline_ms: u64, step_limit: u64) -> sim::RunConfig {
        sim::RunConfig {
            fault_phase_ms,
            liveness_deadline_ms,
            step_limit: self.step_limit.map_or(step_limit, |l| l.min(step_limit)),
            trace: self.trace,
            focus: self.focus,
            fault_filter: self.fault_filter.clone(),
            check_everything: self.check_everything,
        }
    }

    /// Runs with these parameter overrides.
    pub fn with_params(self, params: Params) -> RunOptions {
        RunOptions { params, ..self }
    }

    /// Runs with only the fault points `filter` allows.
    pub fn with_fault_filter(self, fault_filter: sim::FaultFilter) -> RunOptions {
        RunOptions { fault_filter, ..self }
    }

    /// Check every invariant after every step (see [`RunOptions::check_everything`]).
    pub fn check_everything(self) -> RunOptions {
        RunOptions { check_everything: true, ..self }
    }

    /// Keep every event, for timelines and reports.
    pub fn full_trace(self) -> RunOptions {
        RunOptions { trace: TraceMode::Full, ..self }
    }
}

impl Default for RunOptions {
    fn default() -> RunOptions {
        RunOptions {
            trace: TraceMode::HashOnly,
            faults: FaultMode::Swarm,
            focus: None,
            step_limit: None,
            params: Params::defaults(),
            fault_filter: sim::FaultFilter::default(),
            check_everything: false,
        }
    }
}

/// The descriptive half of a [`Scenario`] impl, from its tables: `name`, `doc`,
/// `variants`, `invariants` (from a `&[Invariant<W>]`), `fault_points`, and optionally
/// `params` and `goals` (`name` and `doc` may be left to the impl when they depend on
/// `self`). Every scenario lists the same seven things the same way; the
/// macro keeps each impl to what differs (its tables and its `run`).
macro_rules! describe_scenario {
    (
        $(name: $name:expr,)?
        $(doc: $doc:expr,)?
        variants: $variants:expr,
        invariants: $invariants:expr,
        faults: $faults:expr
        $(, params: $params:expr)?
        $(, goals: $goals:expr)?
        $(,)?
    ) => {
        $(
            fn name(&self) -> &'static str {
                $name
            }
        )?

        $(
            fn doc(&self) -> &'static str {
                $doc
            }
        )?

        fn variants(&self) -> &'static [$crate::VariantInfo] {
            $variants
        }

        fn invariants(&self) -> Vec<$crate::InvariantInfo> {
            $invariants.iter().map($crate::InvariantInfo::from).collect()
        }

        fn fault_points(&self) -> &'static [sim::FaultPoint] {
            $faults
        }

        $(
            fn params(&self) -> &'static [$crate::ParamInfo] {
                $params
            }
        )?

        $(
            fn goals(&self) -> &'static [$crate::GoalInfo] {
                $goals
            }
        )?
    };
}
pub(crate) use describe_scenario;

/// A runnable experiment. Implementations are stateless: everything a run does comes
/// from its variant and its choice source.
pub trait Scenario: Sync {
    /// The name users type: `demo/lock`, `launcher/multi-tab`.
    fn name(&self) -> &'static str;
    fn doc(&self) -> &'static str;
    fn variants(&self) -> &'static [VariantInfo];
    fn invariants(&self) -> Vec<InvariantInfo>;
    fn fault_points(&self) -> &'static [FaultPoint];
    /// Every parameter the scenario reads, with its default (`list` shows them).
    fn params(&self) -> &'static [ParamInfo] {
        &[]
    }
    /// The `sometimes` goals its model code marks, with what each means (`list` shows
    /// them; a goal never reached in a campaign shows like a fault that never fired).
    fn goals(&self) -> &'static [GoalInfo] {
        &[]
    }
    /// Runs `variant`, which must be one of [`Scenario::variants`].
    fn run(&self, variant: &str, source: ChoiceSource, options: &RunOptions) -> RunResult;

    /// The variant named `name`, if the scenario has it.
    fn variant(&self, name: &str) -> Option<&'static VariantInfo> {
        self.variants().iter().find(|v| v.name == name)
    }
}
