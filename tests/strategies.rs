//! `run --strategy`: PCT failures replay from their printed seed command, and the
//! exhaustive search finds a shortest counterexample and covers a bound completely.

use std::process::{Command, Output};

fn lockstep(args: &[&str]) -> Output {
    let dir = tempfile::tempdir().expect("a temporary folder");
    Command::new(env!("CARGO_BIN_EXE_lockstep")).args(args).current_dir(dir.path()).output().expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn a_pct_failure_replays_from_the_seed_command_it_prints() {
    let out = lockstep(&[
        "run",
        "demo/lock",
        "--variant",
        "check-then-set",
        "--runs",
        "200",
        "--strategy",
        "pct",
        "--no-shrink",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let text = stdout(&out);
    let replay = text.lines().find_map(|l| l.trim().strip_prefix("seed: ")).expect("a seed replay line");
    assert!(replay.contains("--strategy pct --depth 3"), "{replay}");
    let violation = text.lines().find(|l| l.contains("violation of")).expect("a violation line").trim().to_string();
    let args: Vec<&str> = replay.split_whitespace().skip(1).collect();
    let again = stdout(&lockstep(&args));
    assert!(again.contains(&violation), "the seed command replays the same violation: {violation}\n{again}");
}

#[test]
fn exhaustive_search_reports_the_fewest_deviations_and_complete_coverage() {
    let racy =
        lockstep(&["run", "demo/lock", "--variant", "check-then-set", "--strategy", "exhaustive", "--bound", "1"]);
    assert_eq!(racy.status.code(), Some(1));
    assert!(
        stdout(&racy).contains("0 deviations from the default run, a shortest counterexample"),
        "{}",
        stdout(&racy)
    );
    let sound = lockstep(&[
        "run",
        "demo/lock",
        "--variant",
        "compare-and-set",
        "--strategy",
        "exhaustive",
        "--bound",
        "1",
        "--values-per-draw",
        "1",
    ]);
    assert_eq!(sound.status.code(), Some(0), "{}", stdout(&sound));
    assert!(stdout(&sound).contains("the space was covered completely"), "{}", stdout(&sound));
    let dry = lockstep(&["run", "demo/lock", "--variant", "compare-and-set", "--strategy", "exhaustive", "--dry-run"]);
    assert_eq!(dry.status.code(), Some(0));
    assert!(stdout(&dry).contains("about "), "{}", stdout(&dry));
}

/// Runs a campaign in a fresh folder and returns its stdout and its JSON report
/// without the timing (the one part that may differ between two runs).
fn campaign_report(args: &[&str]) -> (String, serde_json::Value) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let out = Command::new(env!("CARGO_BIN_EXE_lockstep"))
        .args(args)
        .current_dir(dir.path())
        .output()
        .expect("the binary runs");
    let text = std::fs::read_to_string(dir.path().join("r/lockstep-report.json")).expect("a JSON report");
    let mut json: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    json.as_object_mut().expect("an object").remove("timing");
    (stdout(&out), json)
}

fn goal_runs(report: &serde_json::Value, goal: &str) -> u64 {
    let goals = report["goals"].as_array().expect("goals listed");
    goals.iter().find(|g| g["name"] == goal).and_then(|g| g["runs_reached"].as_u64()).expect("the goal is listed")
}

#[test]
fn a_cover_campaign_is_deterministic_and_branches_from_a_rare_goal() {
    let args = |strategy| {
        [
            "run",
            "lease/storage",
            "--variant",
            "fenced-lease",
            "--runs",
            "160",
            "--keep-going",
            "--no-shrink",
            "--report",
            "r",
            "--format",
            "json",
            "--strategy",
            strategy,
        ]
    };
    let (text, cover) = campaign_report(&args("cover"));
    let (_, again) = campaign_report(&args("cover"));
    assert_eq!(cover, again, "the same cover campaign twice makes the same runs\n{text}");
    let (_, random) = campaign_report(&args("random"));
    // The work of a lease outlasting it is rare at random; cover's branch runs replay
    // the first run that reached it up to that moment, so they all reach it.
    let (c, r) = (goal_runs(&cover, "work-outlasts-lease"), goal_runs(&random, "work-outlasts-lease"));
    assert!(c >= r + 20, "cover reached work-outlasts-lease in {c} runs, random in {r}\n{text}");
}

#[test]
fn goal_witnesses_are_saved_once_and_replayed_by_the_next_campaign() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let run = |strategy: &str| {
        let args = ["run", "demo/lock", "--variant", "compare-and-set", "--runs", "20", "--strategy", strategy];
        let out = Command::new(env!("CARGO_BIN_EXE_lockstep")).args(args).current_dir(dir.path()).output();
        stdout(&out.expect("the binary runs"))
    };
    let first = run("random");
    let witnesses = dir.path().join("lockstep-regressions/goals/demo-lock.compare-and-set");
    let witness = witnesses.join("lock-contended.json");
    let saved = std::fs::read_to_string(&witness).unwrap_or_else(|e| panic!("{e}: {first}"));
    assert!(saved.contains("\"goal\": \"lock-contended\""), "{saved}");
    let n = std::fs::read_dir(&witnesses).expect("a witness folder").count();
    let again = run("cover");
    assert!(
        again.contains(&format!("goal witnesses: {n} replayed, {n} still reach their goal; cover starts from {n}")),
        "{again}"
    );
    assert_eq!(std::fs::read_to_string(&witness).expect("still there"), saved, "the first witness stays");
}
