//! One recorded, shrunk failing case per reported launcher bug (SYSTEMS.md S000.C),
//! replayed as a fast regression test: each must still fail its invariant, with the
//! very trace it was recorded with. A model change that alters a trace fails here
//! first; re-record with `cargo run --release --example shrink_table` and copy the
//! cases from `target/shrink-table/` after checking the new timelines.

use std::path::PathBuf;

use corpus::load_dir;

/// The bug each recorded case reproduces, by file name prefix.
const BUGS: &[(&str, &str)] = &[
    ("launcher-multi-tab.v0.parallel-progress", "C01"),
    ("launcher-multi-tab.v0.one-creator-per-user", "C02"),
    ("launcher-multi-tab.v1.waiting-tabs-progress", "C03/C05"),
    ("launcher-multi-tab.v1.no-spin", "C04"),
    ("launcher-multi-tab.v1.session-runs-tab-config", "C06 (configs)"),
    ("launcher-multi-tab.v8.no-session-on-partial-skill", "C06 (uploads)"),
    ("launcher-multi-tab.v2.waiting-tabs-progress", "C07"),
    ("launcher-multi-tab.v3.no-lost-skill", "C08"),
    // C09 needs its own parameters (no faults, creates shorter than the TTL), which
    // the case file records and its replay uses.
    ("launcher-multi-tab.v4.single-sandbox", "C09"),
    ("launcher-multi-tab.v4.no-premature-reclaim", "C10"),
    ("launcher-multi-tab.v1.no-orphan", "C11"),
    ("launcher-multi-tab.v6.config-hash-truthful", "C12"),
    ("launcher-multi-tab.v6.ui-truthful", "C13"),
    ("launcher-multi-tab.v7.ui-truthful", "C14"),
];

#[test]
fn every_recorded_bug_case_still_fails_with_its_recorded_trace() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/regressions");
    let cases = load_dir(&dir).expect("the recorded cases load");
    assert_eq!(cases.len(), BUGS.len(), "one case per bug");
    for (prefix, bug) in BUGS {
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
