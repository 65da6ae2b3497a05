//! The JUnit XML of a campaign, for CI test-result views: one test suite per
//! scenario variant, one test case per invariant. A failing case names how many runs
//! broke it, its first seed and the command that replays that seed, and carries the
//! counterexample's timeline, so the CI page alone is enough to start debugging.

use std::time::Duration;

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use crate::campaign::{CampaignReport, InvariantTally};

pub use quick_junit::SerializeError;

/// The JUnit XML of `report`.
pub fn render(report: &CampaignReport) -> Result<String, SerializeError> {
    let suite_name = format!("{} --variant {}", report.scenario, report.variant);
    let classname = format!("{}.{}", report.scenario, report.variant);
    let mut suite = TestSuite::new(suite_name);
    suite.set_time(duration(report.timing.wall_secs));
    suite.add_properties([
        Property::new("seeds", crate::markdown::seeds_text(report)),
        Property::new("complete", report.complete.to_string()),
        Property::new("budget", report.budget.clone()),
        Property::new("runs", report.runs.to_string()),
        Property::new("lockstep_version", report.lockstep_version.clone()),
    ]);
    // A goal is no test: whether runs reached it shows as a property of the suite.
    suite.add_properties(report.goals.iter().map(|g| Property::new(format!("goal.{}", g.name), g.summary())));
    for tally in &report.invariants {
        let mut case = TestCase::new(tally.name.clone(), status(report, tally));
        case.set_classname(classname.clone());
        suite.add_test_case(case);
    }
    if let Some(what) = &report.nondeterminism {
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
        status.set_message(format!("nondeterminism: {what}"));
        status.set_type("nondeterminism");
        let mut case = TestCase::new("determinism", status);
        case.set_classname(classname.clone());
        suite.add_test_case(case);
    }
    let mut junit = Report::new("lockstep");
    junit.set_time(duration(report.timing.wall_secs));
    junit.add_test_suite(suite);
    junit.to_string()
}

/// A test case's status: skipped when not checked, failed when seeds or corpus cases
/// broke it (with the first failure's story), passed otherwise.
fn status(report: &CampaignReport, tally: &InvariantTally) -> TestCaseStatus {
    if !tally.checked {
        let mut status = TestCaseStatus::skipped();
        status
            .set_message(format!("not checked: the campaign checked only {}", report.focus.as_deref().unwrap_or("?")));
        return status;
    }
    if !tally.failed() {
        return TestCaseStatus::success();
    }
    // The failure shown: the first seed's, else the first corpus case's.
    let failure = match tally.first_seed {
        Some(seed) => report.failures.iter().find(|f| f.invariant == tally.name && f.seed == seed),
        None => report.failures.iter().find(|f| f.invariant == tally.name && f.case_file.is_some()),
    };
    let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
    let detail =
        failure.map_or_else(|| "replay: not recorded".to_string(), |f| format!("{}; replay: {}", f.message, f.replay));
    let mut parts = Vec::new();
    if let Some(seed) = tally.first_seed {
        parts.push(format!(
            "{} of {} runs violate {} ({}); first seed {seed}",
            tally.violating_runs, report.runs, tally.name, tally.kind
        ));
    } else if tally.violating_runs > 0 {
        parts.push(format!(
            "{} of {} runs violate {} ({}), only `cover` branch runs, which have no seed",
            tally.violating_runs, report.runs, tally.name, tally.kind
        ));
    }
    if tally.corpus_failures > 0 {
        parts.push(format!("{} corpus case(s) of {} still fail", tally.corpus_failures, tally.name));
    }
    status.set_message(format!("{}: {detail}", parts.join("; ")));
    status.set_type(tally.kind.clone());
    if let Some(f) = failure {
        let mut text = f.timeline.clone();
        text.push_str(&format!("replay: {}\n", f.replay));
        if let Some(case) = &f.case_file {
            text.push_str(&format!("case file: {case}\n"));
        }
        status.set_description(text);
    }
    status
}

fn duration(secs: f64) -> Duration {
    Duration::try_from_secs_f64(secs).unwrap_or_default()
}
