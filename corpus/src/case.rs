//! One failure as a versioned JSON file, and its exact replay.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use scenarios::{ParamError, Params, RunOptions, Scenario};
use serde::{Deserialize, Serialize};
use sim::{ChoiceSource, RunResult, Tape};
use thiserror::Error;

/// The case-file format this build writes and the newest it reads. Format 2 labels
/// every choice of the tape (site, actor, occurrence) and replays by label; a format-1
/// tape has no labels and replays by position, exactly as it was recorded.
pub const FORMAT_VERSION: u32 = 2;

/// A failure, replayable on any machine by any lockstep that reads its format.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    pub format_version: u32,
    /// The lockstep that recorded the case, for a reader wondering why it drifted.
    pub lockstep_version: String,
    pub scenario: String,
    pub variant: String,
    /// The seed the failure was first found with; the tape below may be shrunk.
    pub seed: u64,
    /// The invariant the case violates (or `panic` / `no-progress`). Replays check
    /// only this one, so a smaller tape that trips it cannot be hidden by another.
    pub invariant: String,
    /// The violation's message when it was recorded.
    pub message: String,
    /// The workload as the model described it (tabs, skills, configs, faults enabled).
    pub workload: Vec<String>,
    /// Polls up to the violation, and model-level steps among the events
    /// (see [`sim::EventKind::is_model_step`]).
    pub steps: u64,
    pub model_steps: u64,
    /// For a shrunk case, the model-level steps of the run it was shrunk from.
    pub shrunk_from_model_steps: Option<u64>,
    /// The trace hash, in hex: JSON numbers lose precision above 2^53.
    pub trace_hash: String,
    /// The parameter overrides the run used (`--param`), as users write them; absent
    /// in files recorded with every parameter at its default, and in older files.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, String>,
    /// The fault filter the campaign ran with (`--faults`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub faults: Option<String>,
    /// For a goal witness (see [`crate::Corpus::save_witness`]): the `sometimes` goal
    /// the run reached, and how many decisions of the tape led up to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goal: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goal_tape_pos: Option<usize>,
    pub tape: Tape,
}

/// Why a case file could not be used. Each renders as one line naming the file.
#[derive(Debug, Error)]
pub enum CaseError {
    #[error("cannot read case file {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("case file {path} is not a valid case ({source})")]
    Corrupt { path: PathBuf, source: serde_json::Error },
    #[error(
        "case file {path} has format version {found}; this lockstep reads up to {FORMAT_VERSION}: upgrade lockstep"
    )]
    Newer { path: PathBuf, found: u32 },
    #[error("case file {path} names scenario '{scenario}' variant '{variant}', which this lockstep does not have")]
    Unknown { path: PathBuf, scenario: String, variant: String },
}

/// What replaying a case showed.
#[derive(Debug)]
pub struct Replay {
    pub result: RunResult,
    /// The run failed the case's invariant, as recorded.
    pub still_fails: bool,
    /// The trace hash matches the recorded one; if not, the model changed since.
    pub same_trace: bool,
    /// For a labelled tape, how well it fitted the model as it is now: the first
    /// decision that no longer fits, if any (the replay went on from there).
    pub fit: Option<sim::Fit>,
}

impl Replay {
    /// A line on how the case's labelled tape fitted the model as it is now, or `None`
    /// when every decision found its recorded value (or the tape has no labels).
    pub fn fit_note(&self) -> Option<String> {
        let fit = self.fit.as_ref().filter(|f| !f.exact())?;
        let first =
            fit.first_misfit.as_ref().map_or_else(|| "every decision drawn fitted".to_string(), |m| m.to_string());
        Some(format!(
            "note: the tape no longer fits the model everywhere: first misfit {first}; {} new, {} rebound, {} recorded decisions not drawn; the replay went on by label",
            fit.missing, fit.rebound, fit.unused
        ))
    }
}

impl Case {
    /// The case of a failing run `result` of `scenario`/`variant` from `seed`.
    pub fn from_run(scenario: &dyn Scenario, variant: &str, seed: u64, result: &RunResult) -> Case {
        let message = match &result.outcome {
            sim::Outcome::Violation(v) => v.message.clone(),
            sim::Outcome::Panic { message, .. } => message.clone(),
            sim::Outcome::NoProgress { reason, .. } => reason.clone(),
            sim::Outcome::Pass => String::new(),
        };
        Case {
            format_version: FORMAT_VERSION,
            lockstep_version: env!("CARGO_PKG_VERSION").to_string(),
            scenario: scenario.name().to_string(),
            variant: variant.to_string(),
            seed,
            invariant: result.outcome.key().unwrap_or("pass").to_string(),
            message,
            workload: workload(result),
            steps: result.steps,
            model_steps: result.model_steps,
            shrunk_from_model_steps: None,
            trace_hash: format!("{:016x}", result.trace_hash),
            params: BTreeMap::new(),
            faults: None,
            goal: None,
            goal_tape_pos: None,
            tape: result.tape.clone(),
        }
    }

    /// The witness of `goal`, which the run `result` of `seed` reached, checking only
    /// `focus` if set: the run's whole tape, and where in it the goal was first
    /// reached. A passing run focused on one invariant records that invariant, so
    /// its replay checks the same one and runs as far. `None` if it did not reach it.
    pub fn witness(
        scenario: &dyn Scenario,
        variant: &str,
        seed: u64,
        result: &RunResult,
        goal: &str,
        focus: Option<&str>,
    ) -> Option<Case> {
        let hit = result.goals.iter().find(|h| h.goal == goal)?;
        let mut case = Case::from_run(scenario, variant, seed, result);
        if let (Some(focus), true) = (focus, result.outcome.is_pass()) {
            case.invariant = focus.to_string();
        }
        case.goal = Some(goal.to_string());
        case.goal_tape_pos = Some(hit.tape_pos);
        Some(case)
    }

    /// A witness's tape up to its goal: the prefix `--strategy cover` branches from.
    pub fn goal_prefix(&self) -> Option<Tape> {
        let pos = self.goal_tape_pos?;
        let mut prefix = self.tape.clone();
        prefix.choices.truncate(pos);
        Some(prefix)
    }

    /// Records the parameters and fault filter of `options`, so replays use them.
    pub fn with_options(mut self, scenario: &dyn Scenario, options: &RunOptions) -> Case {
        (self.params, self.faults) = recorded_options(scenario, options);
        self
    }

    /// Whether the case was recorded with the parameters and fault filter of `options`.
    pub fn recorded_with(&self, scenario: &dyn Scenario, options: &RunOptions) -> bool {
        let (params, faults) = recorded_options(scenario, options);
        self.params == params && self.faults == faults
    }

    /// The recorded parameter overrides, checked against the scenario's parameters.
    pub fn params(&self, scenario: &dyn Scenario) -> Result<Params, ParamError> {
        let pairs: Vec<String> = self.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
        Params::parse(scenario.name(), scenario.params(), pairs.iter().map(String::as_str))
    }

    /// Reads a case, refusing corrupt files and formats newer than this build's.
    pub fn load(path: &Path) -> Result<Case, CaseError> {
        let text = std::fs::read_to_string(path).map_err(|source| CaseError::Io { path: path.into(), source })?;
        // The version first: a newer format may not parse as this one at all.
        #[derive(Deserialize)]
        struct Header {
            format_version: u32,
        }
        let header: Header =
            serde_json::from_str(&text).map_err(|source| CaseError::Corrupt { path: path.into(), source })?;
        if header.format_version > FORMAT_VERSION {
            return Err(CaseError::Newer { path: path.into(), found: header.format_version });
        }
        serde_json::from_str(&text).map_err(|source| CaseError::Corrupt { path: path.into(), source })
    }

    /// The case as pretty JSON, ending with a newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("a case always serializes");
        s.push('\n');
        s
    }

    /// The scenario and variant this case runs, from the built-in registry.
    pub fn target(&self, path: &Path) -> Result<(&'static dyn Scenario, &'static str), CaseError> {
        scenarios::find(&self.scenario, Some(&self.variant)).map_err(|_| CaseError::Unknown {
            path: path.into(),
            scenario: self.scenario.clone(),
            variant: self.variant.clone(),
        })
    }

    /// The options every replay of this case uses: checking only its invariant, with
    /// the recorded parameters and fault filter. A recorded value the scenario no
    /// longer accepts is left at its default (the replay then reports a changed trace).
    pub fn options(&self, scenario: &dyn Scenario) -> RunOptions {
        let focus = scenario.invariants().into_iter().map(|i| i.name).find(|name| *name == self.invariant);
        // A run that made no progress (or panicked) was not stopped by any invariant it
        // checked: its replay checks none, so an invariant its campaign excluded cannot
        // take the label (a focus that names no invariant selects none).
        let focus = focus.or(match self.invariant.as_str() {
            "no-progress" => Some("no-progress"),
            "panic" => Some("panic"),
            _ => None,
        });
        let params = self.params(scenario).unwrap_or_default();
        let fault_filter = self
            .faults
            .as_deref()
            .and_then(|f| sim::FaultFilter::parse(f, scenario.fault_points()).ok())
            .unwrap_or_default();
        RunOptions { focus, params, fault_filter, ..RunOptions::default() }
    }

    /// Replays the tape exactly, with `options`' trace mode.
    pub fn replay(&self, scenario: &dyn Scenario, trace_full: bool) -> Replay {
        let options = self.options(scenario);
        let options = if trace_full { options.full_trace() } else { options };
        let result = scenario.run(&self.variant, ChoiceSource::Tape(self.tape.clone()), &options);
        let still_fails = result.outcome.key() == Some(self.invariant.as_str());
        let same_trace = format!("{:016x}", result.trace_hash) == self.trace_hash;
        let fit = result.fit.clone();
        Replay { result, still_fails, same_trace, fit }
    }

    /// The file name this case gets in a corpus: unique per failure (scenario,
    /// variant, invariant, seed), so two failures never overwrite each other, and
    /// stable, so re-finding the same failure updates its file.
    pub fn file_name(&self) -> String {
        let scenario = self.scenario.replace('/', "-");
        format!("{scenario}.{}.{}.seed-{}.json", self.variant, self.invariant, self.seed)
    }
}

/// The workload lines of a run: the fault profile it drew, and the model's notes made
/// before anything ran (how many tabs, which skills and configs).
fn workload(result: &RunResult) -> Vec<String> {
    let mut lines: Vec<String> =
        result.fault_profile.iter().map(|(point, rate)| format!("fault {point} at {rate}")).collect();
    if lines.is_empty() {
        lines.push("no faults enabled".to_string());
    }
    lines.extend(result.workload.iter().cloned());
    lines
}

/// The parameter overrides and fault filter of `options`, as a case records them.
fn recorded_options(scenario: &dyn Scenario, options: &RunOptions) -> (BTreeMap<String, String>, Option<String>) {
    let declared = scenario.params();
    let params = options
        .params
        .overrides()
        .iter()
        .map(|&(name, value)| {
            let shown = declared.iter().find(|p| p.name == name).map_or(value.to_string(), |p| p.display(value));
            (name.to_string(), shown)
        })
        .collect();
    let faults = (!options.fault_filter.is_empty()).then(|| options.fault_filter.to_string());
    (params, faults)
}
