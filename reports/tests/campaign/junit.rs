use quick_junit::{Report, TestCaseStatus};

use crate::fixtures::{campaign, Plan};

#[test]
fn one_test_case_per_invariant_and_the_failing_ones_name_seed_and_replay() {
    let report = campaign("demo/lock", "check-then-set", 0..=29, Plan::default());
    let xml = reports::junit::render(&report).unwrap();
    let parsed = Report::deserialize_from_str(&xml).expect("valid JUnit XML");
    assert_eq!(parsed.test_suites.len(), 1);
    let suite = &parsed.test_suites[0];
    assert_eq!(suite.name.as_str(), "demo/lock --variant check-then-set");
    assert_eq!(suite.test_cases.len(), report.invariants.len());
    let failing: Vec<_> =
        suite.test_cases.iter().filter(|c| !matches!(c.status, TestCaseStatus::Success { .. })).collect();
    let violated = report.invariants.iter().filter(|t| t.violating_runs > 0).count();
    assert!(violated > 0);
    assert_eq!(failing.len(), violated);
    for case in failing {
        let tally = report.invariants.iter().find(|t| t.name == case.name.as_str()).unwrap();
        let seed = tally.first_seed.unwrap();
        let TestCaseStatus::NonSuccess { message, description, .. } = &case.status else { unreachable!() };
        let message = message.as_ref().unwrap().as_str();
        assert!(message.contains(&format!("first seed {seed}")), "{message}");
        assert!(
            message.contains(&format!("lockstep repro demo/lock --variant check-then-set --seed {seed}")),
            "{message}"
        );
        assert!(description.as_ref().unwrap().as_str().contains("violation of"), "the timeline is attached");
    }
}
