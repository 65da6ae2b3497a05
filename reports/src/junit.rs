//! The JUnit XML of a campaign, for CI test-result views: one test suite per
//! scenario variant, one test case per invariant. A failing case names how many runs
//! broke it, its first seed and the command that replays that seed, and carries the
//! counterexample's timeline, so the CI page alone is enough to start debugging.

use std::time::Duration;

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use crate::campaign::CampaignReport;

pub use quick_junit::SerializeError;

/// The JUnit XML of `report`.
pub fn render(report: &CampaignReport) -> Result<String, SerializeError> {
    let suite_name = format!("{} --variant {}", report.scenario, report.variant);
    let classname = format!("{}.{}", report.scenario, report.variant);
    let mut suite = TestSuite::new(suite_name);
    suite.set_time(duration(report.timing.wall_secs));
    suite.add_properties([
        Property::new("seeds", report.seeds.to_string()),
        Property::new("budget", report.budget.clone()),
        Property::new("runs", report.runs.to_string()),
        Property::new("lockstep_version", report.lockstep_version.clone()),
    ]);
    for tally in &report.invariants {
        let status = match tally.first_seed {
            None => TestCaseStatus::success(),
            Some(seed) => {
                let failure = report.first_failure(&tally.name).filter(|f| f.seed == seed);
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                let detail = failure.map_or_else(
                    || "replay: not recorded".to_string(),
                    |f| format!("{}; replay: {}", f.message, f.replay),
                );
                status.set_message(format!(
                    "{} of {} runs violate {} ({}); first seed {seed}: {detail}",
                    tally.violating_runs, report.runs, tally.name, tally.kind
                ));
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
        };
        let mut case = TestCase::new(tally.name.clone(), status);
        case.set_classname(classname.clone());
        suite.add_test_case(case);
    }
    let mut junit = Report::new("lockstep");
    junit.set_time(duration(report.timing.wall_secs));
    junit.add_test_suite(suite);
    junit.to_string()
}

fn duration(secs: f64) -> Duration {
    Duration::try_from_secs_f64(secs).unwrap_or_default()
}
