//! Every verdict a campaign gives agrees with what it ran: a still-failing corpus case
//! fails the summary, JUnit and merge as well as the exit code; a focused campaign
//! says what it did not check and prints a replay that checks the same; a failure's
//! message, timeline and replay tell one story; a campaign of no runs is refused; a
//! nightly campaign records its seed base.

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

fn json(path: impl AsRef<Path>) -> serde_json::Value {
    serde_json::from_str(&read(path)).expect("valid JSON")
}

const RACY: [&str; 4] = ["run", "demo/lock", "--variant", "check-then-set"];
const SAFE: [&str; 4] = ["run", "demo/lock", "--variant", "compare-and-set"];

#[test]
fn a_still_failing_corpus_case_fails_every_report_and_the_merge() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert_eq!(lockstep_in(d, &[&RACY[..], &["--runs", "50"]].concat()).status.code(), Some(1));
    let o = lockstep_in(d, &[&RACY[..], &["--runs", "50", "--report", "r"]].concat());
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(read(d.join("r/summary.md")).contains("**FAIL**"), "{}", read(d.join("r/summary.md")));
    assert!(read(d.join("r/junit.xml")).contains("failures=\"1\""), "{}", read(d.join("r/junit.xml")));
    assert!(read(d.join("r/report.html")).contains("badge fail"));
    let report = json(d.join("r/lockstep-report.json"));
    assert_eq!(report["corpus"]["still_failing"], 1, "{report}");
    let merged = lockstep_in(d, &["merge", "r"]);
    assert_eq!(merged.status.code(), Some(1), "{}", text(&merged));
}

#[test]
fn a_focused_campaign_says_what_it_did_not_check_and_replays_the_same_check() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let args = [&RACY[..], &["--runs", "50", "--invariant", "mutual-exclusion", "--report", "r"]].concat();
    let o = lockstep_in(d, &args);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let report = json(d.join("r/lockstep-report.json"));
    assert_eq!(report["focus"], "mutual-exclusion");
    let other = report["invariants"].as_array().unwrap().iter().find(|t| t["name"] == "all-clients-finish").unwrap();
    assert_eq!(other["checked"], false, "{other}");
    assert!(read(d.join("r/summary.md")).contains("| `all-clients-finish` | liveness | not checked |"));
    assert!(read(d.join("r/junit.xml")).contains("<skipped"), "{}", read(d.join("r/junit.xml")));
    let stdout = String::from_utf8_lossy(&o.stdout).to_string();
    let seed_line = stdout.lines().find_map(|l| l.trim().strip_prefix("seed:")).expect("a seed replay line");
    assert!(seed_line.ends_with("--invariant mutual-exclusion"), "{seed_line}");
    let replay: Vec<&str> = seed_line.split_whitespace().skip(1).collect();
    let again = lockstep_in(d, &replay);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        text(&again).contains("checks: mutual-exclusion") && text(&again).contains("violation of mutual-exclusion")
    );
}

#[test]
fn stopping_at_the_first_violation_says_how_many_invariants_it_did_not_get_to() {
    let dir = tempfile::tempdir().unwrap();
    let o = lockstep_in(dir.path(), &[&RACY[..], &["--runs", "50", "--no-corpus"]].concat());
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o).contains("stopped at the first violation (seed 0): 1 other invariant was not checked past it")
            && text(&o).contains("--keep-going")
            && text(&o).contains("lockstep review demo/lock"),
        "{}",
        text(&o)
    );
}

#[test]
fn a_failure_tells_one_story_shrunk_or_not() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let v2 = ["run", "launcher/multi-tab", "--variant", "v2", "--runs", "10", "--shrink-runs", "300", "--report"];
    for (corpus, out) in [("--corpus", "with"), ("--no-corpus", "without")] {
        let mut args = [&v2[..], &[out, corpus]].concat();
        if corpus == "--corpus" {
            args.push("cases");
        }
        let o = lockstep_in(d, &args);
        assert_eq!(o.status.code(), Some(1), "{}", text(&o));
        let failure = json(d.join(out).join("lockstep-report.json"))["failures"][0].clone();
        // The command the report prints replays the run whose message and step it shows.
        let replay: Vec<String> =
            failure["replay"].as_str().unwrap().split_whitespace().skip(1).map(String::from).collect();
        let again = lockstep_in(d, &replay.iter().map(String::as_str).collect::<Vec<_>>());
        let shown = text(&again);
        let message = failure["message"].as_str().unwrap();
        assert!(shown.contains(message), "{out}: '{message}' is not what {replay:?} shows:\n{shown}");
        assert!(shown.contains(&format!("at step {},", failure["step"])), "{out}: step {}:\n{shown}", failure["step"]);
        assert_eq!(failure["steps_after_shrink"].is_null(), corpus == "--no-corpus", "{out}: {failure}");
    }
}

#[test]
fn a_campaign_that_would_run_nothing_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    for (args, env) in [
        (&["--time", "0"][..], None),
        (&["--runs", "2", "--shard", "3/4"], None),
        (&["--runs", "2"], Some(("LOCKSTEP_SHARD", "3/4"))),
    ] {
        let mut command = Command::new(env!("CARGO_BIN_EXE_lockstep"));
        command.args([&SAFE[..], args, &["--no-corpus"]].concat()).current_dir(dir.path());
        if let Some((k, v)) = env {
            command.env(k, v);
        }
        let o = command.output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?} {env:?}: {}", text(&o));
        if let Some((k, _)) = env {
            assert!(String::from_utf8_lossy(&o.stderr).contains(k), "{}", text(&o));
        }
    }
    // One seed is the most specific request: a shard from the environment does not empty it.
    let o = Command::new(env!("CARGO_BIN_EXE_lockstep"))
        .args([&SAFE[..], &["--seed", "5", "--no-corpus"]].concat())
        .env("LOCKSTEP_SHARD", "2/4")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("1 runs, 0 with violations"), "{}", text(&o));
}

#[test]
fn a_nightly_campaign_runs_fresh_seeds_from_a_recorded_base() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = lockstep_in(d, &[&SAFE[..], &["--time", "300ms", "--no-corpus", "--report", "night"]].concat());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let seeds = json(d.join("night/lockstep-report.json"))["seeds"].clone();
    assert!(seeds["base"]["source"].as_str().unwrap().starts_with("date "), "{seeds}");
    let base = seeds["base"]["value"].as_u64().unwrap();
    assert!(base > 0 && seeds["start"] == base, "{seeds}");
    assert!(text(&o).contains(&format!("--seed-base {base}")), "{}", text(&o));
    let again = lockstep_in(d, &[&SAFE[..], &["--runs", "5", "--seed-base", "1000", "--report", "g"]].concat());
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
    let seeds = json(d.join("g/lockstep-report.json"))["seeds"].clone();
    assert_eq!((seeds["start"].as_u64(), seeds["end"].as_u64()), (Some(1000), Some(1004)), "{seeds}");
}

#[test]
fn an_empty_format_list_is_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let o = lockstep_in(dir.path(), &[&SAFE[..], &["--runs", "5", "--report", "r", "--format", ""]].concat());
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert_eq!(String::from_utf8_lossy(&o.stderr).lines().count(), 1);
}
