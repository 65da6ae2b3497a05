//! Case files and the corpus from the command line: a failure is saved, replays exactly
//! and first on the next run, shrinks to a fixed point, and a bad case file gets one
//! line and exit code 2.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn lockstep_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lockstep")).args(args).current_dir(dir).output().expect("the binary runs")
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

const RACY: [&str; 4] = ["run", "demo/lock", "--variant", "check-then-set"];

/// Runs the racy lock in `dir` and returns the case file it saved.
fn found_case(dir: &Path) -> PathBuf {
    let out = lockstep_in(dir, &[&RACY[..], &["--runs", "50"]].concat());
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let cases: Vec<PathBuf> =
        // Case files only: goal witnesses live in the corpus's `goals/` sub-folder.
        std::fs::read_dir(dir.join("lockstep-regressions"))
            .expect("a corpus")
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_file())
            .collect();
    assert_eq!(cases.len(), 1, "{cases:?}");
    cases[0].clone()
}

#[test]
fn a_failure_is_saved_shrunk_and_replays_from_its_case_file() {
    let dir = tempfile::tempdir().unwrap();
    let case = found_case(dir.path());
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&case).unwrap()).unwrap();
    assert_eq!(json["format_version"], corpus::FORMAT_VERSION);
    assert_eq!(json["invariant"], "mutual-exclusion");
    assert!(json["shrunk_from_model_steps"].is_u64(), "the saved case is the shrunk one: {json}");
    let args = ["repro", "--case", case.to_str().unwrap()];
    let (a, b) = (lockstep_in(dir.path(), &args), lockstep_in(dir.path(), &args));
    assert_eq!(a.status.code(), Some(1), "{}", text(&a));
    assert_eq!(a.stdout, b.stdout, "a case replays to the same bytes");
    assert!(text(&a).contains("violation of mutual-exclusion"), "{}", text(&a));
    assert!(!text(&a).contains("model changed"), "{}", text(&a));
}

#[cfg(unix)]
#[test]
fn case_files_are_readable_by_everyone_like_the_reports() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let script = format!(
        "umask 022; exec '{}' run demo/lock --variant check-then-set --runs 50",
        env!("CARGO_BIN_EXE_lockstep")
    );
    let out = Command::new("sh").args(["-c", &script]).current_dir(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let case = std::fs::read_dir(dir.path().join("lockstep-regressions"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.is_file())
        .expect("a case file");
    assert_eq!(std::fs::metadata(&case).unwrap().permissions().mode() & 0o777, 0o644, "{case:?}");
}

#[test]
fn the_next_run_replays_the_corpus_first() {
    let dir = tempfile::tempdir().unwrap();
    found_case(dir.path());
    let out = lockstep_in(dir.path(), &[&RACY[..], &["--runs", "50"]].concat());
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("corpus: 1 cases replayed, 1 still fail"), "{}", text(&out));
    assert!(text(&out).contains("FAIL (corpus case"), "{}", text(&out));
}

#[test]
fn a_case_from_a_changed_model_still_replays_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let case = found_case(dir.path());
    let mut json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&case).unwrap()).unwrap();
    json["trace_hash"] = "0000000000000000".into();
    std::fs::write(&case, json.to_string()).unwrap();
    let out = lockstep_in(dir.path(), &["repro", "--case", case.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("the model changed since it was recorded"), "{}", text(&out));
}

#[test]
fn corrupt_truncated_and_newer_case_files_get_one_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let case = found_case(dir.path());
    let good = std::fs::read_to_string(&case).unwrap();
    let newer = good.replacen(&format!("\"format_version\": {}", corpus::FORMAT_VERSION), "\"format_version\": 99", 1);
    let unknown = good.replacen("demo/lock", "no/such", 1);
    for (what, contents) in [
        ("corrupt", "{ not json".to_string()),
        ("truncated", good[..good.len() / 2].to_string()),
        ("newer", newer),
        ("unknown scenario", unknown),
    ] {
        let path = dir.path().join("bad.json");
        std::fs::write(&path, contents).unwrap();
        for command in ["repro", "shrink"] {
            let out = lockstep_in(dir.path(), &[command, "--case", path.to_str().unwrap()]);
            assert_eq!(out.status.code(), Some(2), "{what} {command}: {}", text(&out));
            let err = String::from_utf8_lossy(&out.stderr).to_string();
            assert_eq!(err.lines().count(), 1, "{what} {command}: {err}");
            assert!(err.starts_with("error: case file"), "{what} {command}: {err}");
            if what == "newer" {
                assert!(err.contains("format version 99"), "{err}");
            }
        }
    }
}

#[test]
fn shrinking_a_shrunk_case_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let case = found_case(dir.path());
    let before = std::fs::read_to_string(&case).unwrap();
    let out_path = dir.path().join("again.json");
    let out =
        lockstep_in(dir.path(), &["shrink", "--case", case.to_str().unwrap(), "--out", out_path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let again: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&out_path).unwrap()).unwrap();
    let once: serde_json::Value = serde_json::from_str(&before).unwrap();
    assert_eq!(again["tape"], once["tape"], "shrinking twice changes nothing");
    assert_eq!(again["trace_hash"], once["trace_hash"]);
}

#[test]
fn findings_do_not_depend_on_the_number_of_jobs() {
    let run = |jobs: &str| {
        let dir = tempfile::tempdir().unwrap();
        let out = lockstep_in(
            dir.path(),
            &["run", "launcher/multi-tab", "--variant", "v2", "--runs", "300", "--keep-going", "--shrink-runs", "300"]
                .iter()
                .chain(&["--jobs", jobs])
                .copied()
                .collect::<Vec<_>>(),
        );
        assert_eq!(out.status.code(), Some(1), "{}", text(&out));
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        // Everything but the wall-clock figures.
        let findings: Vec<String> = stdout
            .lines()
            .filter(|l| !l.contains("runs/s") && !l.contains("jobs)") && !l.contains("shrunk from"))
            .map(String::from)
            .collect();
        let mut cases: Vec<(String, String)> = std::fs::read_dir(dir.path().join("lockstep-regressions"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_file())
            .map(|p| (p.file_name().unwrap().to_string_lossy().to_string(), std::fs::read_to_string(&p).unwrap()))
            .collect();
        cases.sort();
        (findings, cases)
    };
    let (one, two) = (run("1"), run("2"));
    assert!(!one.1.is_empty());
    assert_eq!(one, two);
}
