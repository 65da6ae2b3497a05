//! One recorded, shrunk failing case per reported S001 bug (SYSTEMS.md S001.C), found
//! in V0 and replayed as a fast regression test: each must still fail its invariant
//! with the very trace it was recorded with. Re-record with
//! `cargo run --release --example devserver_shrink_table` and copy the cases from
//! `target/shrink-table/devserver/` after checking the new timelines.

use std::path::PathBuf;

use corpus::load_dir;

/// The bug each recorded case reproduces, by file name.
const BUGS: &[(&str, &str)] = &[
    ("devserver-redis-lock.v0.single-dev-server.seed-2.json", "C01"),
    ("devserver-redis-lock.v0.distinct-sessions.seed-2.json", "C02"),
    ("devserver-redis-lock.v0.no-redundant-start.seed-3.json", "C03"),
    ("devserver-redis-lock.v0.one-poller-per-hook.seed-442.json", "C04"),
    ("devserver-redis-lock.v0.one-poller-per-hook.seed-0.json", "C05"),
    ("devserver-redis-lock.v0.ui-status-latest.seed-9.json", "C06"),
    ("devserver-redis-lock.v0.dev-server-up.seed-0.json", "C07"),
];

#[test]
fn every_recorded_devserver_bug_case_still_fails_with_its_recorded_trace() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/regressions/devserver");
    let cases = load_dir(&dir).expect("the recorded cases load");
    assert_eq!(cases.len(), BUGS.len(), "one case per bug");
    for (name, bug) in BUGS {
        let (path, case) = cases
            .iter()
            .find(|(p, _)| p.file_name().is_some_and(|f| f.to_string_lossy() == *name))
            .unwrap_or_else(|| panic!("no recorded case for {bug}"));
        let (scenario, _) = case.target(path).expect("a known scenario");
        let replay = case.replay(scenario, false);
        assert!(replay.still_fails, "{bug}: {} no longer fails {}", path.display(), case.invariant);
        assert!(replay.same_trace, "{bug}: {} replays to a different trace", path.display());
        assert_eq!(replay.result.model_steps, case.model_steps, "{bug}");
    }
}
