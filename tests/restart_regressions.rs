//! Recorded, shrunk failing cases of the restart coalescer's reported bugs (SYSTEMS.md
//! S003.C), replayed as fast regression tests: each must still fail its invariant
//! with the very trace it was recorded with. Re-record with `lockstep run
//! restart/no-faults --variant v0 --invariant INV --corpus DIR` after checking the new
//! timelines.

use std::path::PathBuf;

use corpus::load_dir;

/// The bug each recorded case reproduces, by file name prefix.
const BUGS: &[(&str, &str)] = &[
    ("restart-no-faults.v0.request-served", "S003-C01"),
    ("restart-no-faults.v0.one-cycle-per-workspace", "S003-C02"),
];

#[test]
fn every_recorded_restart_bug_still_fails_with_its_recorded_trace() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/regressions/restart");
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
