//! Stopping a campaign as CI does: SIGTERM and SIGHUP (cancel, timeout) end it like
//! Ctrl-C, with the summary and every report written; Ctrl-C stops a shrink between
//! candidate batches and keeps its best case; SIGKILL leaves a valid JSON report
//! marked incomplete.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn start(dir: &Path, args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_lockstep"))
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts")
}

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill").args([&format!("-{name}"), &child.id().to_string()]).status().expect("kill runs");
    assert!(status.success(), "kill -{name}");
}

/// Waits (up to two minutes, a safety net only) until `ready` holds.
fn wait_for(ready: impl Fn() -> bool) {
    #[allow(clippy::disallowed_methods)] // A test's own timeout, outside any run.
    let started = Instant::now();
    while !ready() && started.elapsed() < Duration::from_secs(120) {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(ready(), "the campaign never got there");
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn json(path: PathBuf) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(&path).expect("a report")).expect("valid JSON")
}

fn case_files(dir: &Path) -> usize {
    std::fs::read_dir(dir.join("lockstep-regressions"))
        .map_or(0, |d| d.filter_map(Result::ok).filter(|e| e.path().extension().is_some_and(|x| x == "json")).count())
}

/// A long campaign that finds (and shrinks) many failures of `launcher/multi-tab` v2.
const LONG: [&str; 10] =
    ["run", "launcher/multi-tab", "--variant", "v2", "--runs", "100000", "--keep-going", "--jobs", "1", "--report"];

#[test]
fn sigterm_and_sighup_end_a_campaign_with_its_reports_written() {
    for name in ["TERM", "HUP"] {
        let dir = tempfile::tempdir().unwrap();
        let child = start(dir.path(), &[&LONG[..], &["r"]].concat());
        wait_for(|| case_files(dir.path()) >= 1);
        signal(&child, name);
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(1), "SIG{name}: violations were found: {}", text(&out));
        assert!(text(&out).contains("(interrupted)"), "SIG{name}: {}", text(&out));
        let report = json(dir.path().join("r/lockstep-report.json"));
        assert_eq!(report["complete"], false, "SIG{name}");
        assert!(report["violating_runs"].as_u64().unwrap() >= 1);
        for file in ["junit.xml", "summary.md", "report.html"] {
            assert!(dir.path().join("r").join(file).exists(), "SIG{name}: {file}");
        }
    }
}

#[test]
fn ctrl_c_stops_a_shrink_and_keeps_its_best_case() {
    let dir = tempfile::tempdir().unwrap();
    // A failure of the test-only fixture whose every run burns CPU, recorded unshrunk.
    let found = start(dir.path(), &["run", "fixture/slow-shrink", "--variant", "slow", "--seed", "0", "--no-shrink"])
        .wait_with_output()
        .unwrap();
    assert_eq!(found.status.code(), Some(1), "{}", text(&found));
    let case = std::fs::read_dir(dir.path().join("lockstep-regressions")).unwrap().next().unwrap().unwrap().path();
    let out = dir.path().join("small.json");
    let mut child = start(
        dir.path(),
        &["shrink", "--case", case.to_str().unwrap(), "--out", out.to_str().unwrap(), "--runs", "100000000"],
    );
    // Long enough for the shrinker to be well into its candidates.
    std::thread::sleep(Duration::from_millis(1500));
    assert!(child.try_wait().unwrap().is_none(), "the shrink is still running");
    signal(&child, "INT");
    let result = child.wait_with_output().unwrap();
    assert_eq!(result.status.code(), Some(0), "{}", text(&result));
    assert!(text(&result).contains("interrupted: this is the smallest case found so far"), "{}", text(&result));
    assert_eq!(json(out)["invariant"], "sum-below-limit", "the best case so far is written");
}

#[test]
fn a_campaign_killed_with_sigkill_leaves_a_valid_partial_report() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = start(dir.path(), &[&LONG[..], &["r", "--format", "json"]].concat());
    // The second case file is written once the first failure is shrunk and reported.
    wait_for(|| case_files(dir.path()) >= 2);
    child.kill().expect("SIGKILL");
    child.wait().unwrap();
    let report = json(dir.path().join("r/lockstep-report.json"));
    assert_eq!(report["complete"], false);
    assert!(!report["failures"].as_array().unwrap().is_empty(), "the failures reported so far: {report}");
}
