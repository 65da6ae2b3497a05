//! One recorded, shrunk failing case per bug of SYSTEMS.md S004.C, replayed as a fast
//! regression test: each must still fail its invariant, with the trace it was recorded
//! with and a message that names the bug's actors. Re-record with
//! `cargo run --release --example tools_bug_search` and copy the cases from
//! `target/tools-cases/` after checking the new timelines.

use std::path::PathBuf;

use corpus::load_dir;
use scenarios::tools::bugs::bug;
use sim::Outcome;

/// The bug each recorded case reproduces, by file name prefix.
const CASES: &[(&str, &str)] = &[
    ("tools-siblings.v1.parallel-progress", "C01"),
    ("tools-siblings.v2.fork-snapshot-atomic", "C02"),
    ("tools-siblings.v3.parallel-progress", "C03"),
    ("tools-siblings.v4.no-lost-update", "C04"),
    ("tools-siblings.v5.no-lost-update", "C05"),
    ("tools-siblings.v4.unique-process-ids", "C06"),
    ("tools-siblings.v6.no-lost-update", "C07"),
    ("tools-siblings.v8.no-lost-update", "C08"),
    ("tools-siblings.v9.no-lost-update", "C09"),
    ("tools-siblings.v10.abort-safety", "C10"),
    ("tools-siblings.v10.no-lost-update", "C11"),
];

#[test]
fn every_recorded_tools_bug_case_still_fails_with_its_recorded_trace() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/regressions/tools");
    let cases = load_dir(&dir).expect("the recorded cases load");
    assert_eq!(cases.len(), CASES.len(), "one case per bug");
    for (prefix, id) in CASES {
        let (path, case) = cases
            .iter()
            .find(|(p, _)| p.file_name().unwrap().to_string_lossy().starts_with(&format!("{prefix}.seed-")))
            .unwrap_or_else(|| panic!("no recorded case for {id}"));
        let (scenario, _) = case.target(path).expect("a known scenario");
        let replay = case.replay(scenario, false);
        assert!(replay.still_fails, "{id}: {} no longer fails {}", path.display(), case.invariant);
        assert!(replay.same_trace, "{id}: {} replays to a different trace", path.display());
        assert_eq!(replay.result.model_steps, case.model_steps, "{id}");
        let bug = bug(id).expect("a reported bug");
        let Outcome::Violation(v) = &replay.result.outcome else { unreachable!("it still fails") };
        assert!((bug.matches)(&v.message), "{id}: the case now fails another way: {}", v.message);
    }
}
