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
