//! Output that cannot be delivered never changes what a campaign found: a closed
//! stdout is quiet (as in other Unix tools), a full disk is one line on stderr, a
//! report or step summary that cannot be written keeps exit code 1 for a violation,
//! and a failed append never leaves half a summary behind.

use std::path::Path;
use std::process::{Command, Output, Stdio};

fn lockstep() -> Command {
    Command::new(env!("CARGO_BIN_EXE_lockstep"))
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// Runs `args` in `dir` with stdout a pipe whose reading end is already closed.
fn with_closed_stdout(dir: &Path, args: &[&str]) -> Output {
    let mut child = lockstep()
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    drop(child.stdout.take());
    child.wait_with_output().expect("it ends")
}

const RACY: [&str; 4] = ["run", "demo/lock", "--variant", "check-then-set"];

#[test]
fn a_closed_stdout_is_quiet_and_the_reports_are_still_written() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let run = with_closed_stdout(d, &[&RACY[..], &["--runs", "50", "--report", "r"]].concat());
    assert_eq!(run.status.code(), Some(1), "{}", text(&run));
    assert!(text(&run).is_empty(), "quiet: {}", text(&run));
    assert!(d.join("r/summary.md").exists() && d.join("r/lockstep-report.json").exists());
    let files =
        std::fs::read_dir(d.join("lockstep-regressions")).unwrap().filter(|e| e.as_ref().unwrap().path().is_file());
    assert_eq!(files.count(), 1, "the case file is written");
    for (args, code) in [
        (&["list"][..], 0),
        (&["repro", "demo/lock", "--variant", "check-then-set", "--seed", "0"], 1),
        (&["review", "demo/lock", "--runs", "5"], 1),
        (&["merge", "r"], 1),
    ] {
        let o = with_closed_stdout(d, args);
        assert_eq!(o.status.code(), Some(code), "{args:?}: {}", text(&o));
        assert!(!text(&o).contains("panicked"), "{args:?}: {}", text(&o));
    }
}

#[test]
fn a_full_disk_under_stdout_is_one_line_and_a_violation_still_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let full = || std::fs::OpenOptions::new().write(true).open("/dev/full").expect("/dev/full");
    let list = lockstep().arg("list").stdout(full()).output().unwrap();
    assert_eq!(list.status.code(), Some(2), "nothing failed, but nothing was delivered: {}", text(&list));
    let err = String::from_utf8_lossy(&list.stderr).to_string();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("No space left on device"), "{err}");
    let run = lockstep()
        .args([&RACY[..], &["--runs", "50", "--report", "r"]].concat())
        .current_dir(dir.path())
        .stdout(full())
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1), "{}", text(&run));
    assert!(dir.path().join("r/junit.xml").exists());
}

#[test]
fn a_step_summary_that_cannot_be_written_keeps_exit_1_and_names_its_variable() {
    let o = lockstep()
        .args([&RACY[..], &["--runs", "50", "--no-corpus"]].concat())
        .env("GITHUB_STEP_SUMMARY", "/dev/full")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "a violation is never bad input: {}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert!(err.contains("No space left on device") && err.contains("GITHUB_STEP_SUMMARY"), "{err}");
    let pass = lockstep()
        .args(["run", "demo/lock", "--variant", "compare-and-set", "--runs", "20", "--no-corpus"])
        .env("GITHUB_STEP_SUMMARY", "/dev/full")
        .output()
        .unwrap();
    assert_eq!(pass.status.code(), Some(2), "a pass whose summary is lost is not a pass: {}", text(&pass));
}

#[test]
fn a_failed_append_leaves_the_step_summary_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("step-summary.md");
    let before = "# earlier step\n".repeat(20);
    std::fs::write(&summary, &before).unwrap();
    // A file-size limit of one block makes the append fail half-way (EFBIG); the
    // signal that limit sends is ignored, as a CI runner's would not be set.
    let script = format!(
        "ulimit -f 1; trap '' XFSZ; exec '{}' run demo/lock --variant check-then-set --runs 50 --no-corpus",
        env!("CARGO_BIN_EXE_lockstep")
    );
    let o = Command::new("sh").args(["-c", &script]).env("GITHUB_STEP_SUMMARY", &summary).output().unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("GITHUB_STEP_SUMMARY"), "{}", text(&o));
    assert_eq!(std::fs::read_to_string(&summary).unwrap(), before, "no fragment of the summary is left");
}
