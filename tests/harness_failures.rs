//! Failures of the harness's own promises, through the whole command line, with the
//! test-only `fixture/harness` scenario (built into the binary only for tests): a
//! nondeterministic model exits 3 with its reports written, and a model panic is
//! found, saved, shrunk, replayed, reported in JUnit and counted by `review`.

use std::path::Path;
use std::process::{Command, Output};

fn lockstep_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lockstep")).args(args).current_dir(dir).output().expect("the binary runs")
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn read(path: impl AsRef<Path>) -> String {
    std::fs::read_to_string(path.as_ref()).unwrap_or_else(|e| panic!("{}: {e}", path.as_ref().display()))
}

#[test]
fn the_fixtures_are_found_but_never_listed() {
    let dir = tempfile::tempdir().unwrap();
    assert!(!text(&lockstep_in(dir.path(), &["list"])).contains("fixture"));
}

#[test]
fn nondeterminism_exits_3_with_the_summary_and_reports_written() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let args = ["run", "fixture/harness", "--variant", "nondeterministic", "--runs", "20", "--check-determinism"];
    let o = lockstep_in(d, &[&args[..], &["--report", "r"]].concat());
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(text(&o).contains("NONDETERMINISM at seed 0"), "{}", text(&o));
    assert!(text(&o).contains("report: r/summary.md"), "{}", text(&o));
    let report: serde_json::Value = serde_json::from_str(&read(d.join("r/lockstep-report.json"))).unwrap();
    assert!(report["nondeterminism"].as_str().unwrap().starts_with("seed 0 ran two ways"), "{report}");
    assert!(read(d.join("r/summary.md")).contains("NONDETERMINISM"));
    assert!(read(d.join("r/junit.xml")).contains("name=\"determinism\""));
}

#[test]
fn a_model_panic_is_saved_shrunk_replayed_reported_and_reviewed() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = lockstep_in(d, &["run", "fixture/harness", "--variant", "panics", "--runs", "50", "--report", "r"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("panic"), "{}", text(&o));
    let cases: Vec<_> = std::fs::read_dir(d.join("lockstep-regressions"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    assert_eq!(cases.len(), 1, "{cases:?}");
    let case = cases[0].to_str().unwrap().to_string();
    assert!(case.contains(".panic.seed-"), "{case}");
    let shrunk = lockstep_in(d, &["shrink", "--case", &case, "--out", "again.json"]);
    assert_eq!(shrunk.status.code(), Some(0), "{}", text(&shrunk));
    let replay = lockstep_in(d, &["repro", "--case", "again.json"]);
    assert_eq!(replay.status.code(), Some(1), "{}", text(&replay));
    assert!(text(&replay).contains("index out of range"), "{}", text(&replay));
    let junit = read(d.join("r/junit.xml"));
    assert!(junit.contains("failures=\"1\"") && junit.contains("name=\"panic\""), "{junit}");
    let review = lockstep_in(d, &["review", "fixture/harness", "--runs", "20", "--json"]);
    assert_eq!(review.status.code(), Some(1), "{}", text(&review));
    let matrix: serde_json::Value = serde_json::from_slice(&review.stdout).unwrap();
    let cell = matrix["cells"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["variant"] == "panics" && c["invariant"] == "panic")
        .unwrap()
        .clone();
    assert!(cell["violating_runs"].as_u64().unwrap() > 0, "{cell}");
}
