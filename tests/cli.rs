//! The command line as users meet it: exit codes, one-line errors, the replay command
//! printed with every failure, and byte-identical `repro` output.

use std::process::{Command, Output};

/// Runs lockstep in a fresh folder, so no test sees another's regression corpus.
fn lockstep(args: &[&str]) -> Output {
    let dir = tempfile::tempdir().expect("a temporary folder");
    Command::new(env!("CARGO_BIN_EXE_lockstep")).args(args).current_dir(dir.path()).output().expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn a_violation_exits_1_and_prints_the_command_that_replays_it() {
    let out = lockstep(&["run", "demo/lock", "--variant", "check-then-set", "--runs", "1000"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let text = stdout(&out);
    assert!(text.contains("violation of mutual-exclusion"), "{text}");
    let replay = text.lines().find_map(|l| l.trim().strip_prefix("seed: ")).expect("a seed replay line");
    let args: Vec<&str> = replay.split_whitespace().skip(1).collect();
    let again = lockstep(&args);
    assert_eq!(again.status.code(), Some(1), "the replay fails the same way");
    assert!(stdout(&again).contains("violation of mutual-exclusion"));
}

#[test]
fn a_correct_variant_exits_0() {
    let out =
        lockstep(&["run", "demo/lock", "--variant", "compare-and-set", "--seeds", "0..300", "--check-determinism"]);
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).contains("300 runs, 0 with violations"));
}

#[test]
fn ci_variables_and_flags_combine_and_the_largest_seed_runs() {
    let out = Command::new(env!("CARGO_BIN_EXE_lockstep"))
        .args(["run", "demo/lock", "--variant", "compare-and-set", "--seed", "18446744073709551615", "--no-corpus"])
        .env("LOCKSTEP_RUNS", "50")
        .env("LOCKSTEP_SEEDS", "0..10")
        .output()
        .expect("the binary runs");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("1 runs, 0 with violations"), "{}", stdout(&out));
}

#[test]
fn repro_prints_the_same_bytes_every_time() {
    let args = ["repro", "demo/lock", "--variant", "check-then-set", "--seed", "0x11"];
    let (a, b) = (lockstep(&args), lockstep(&args));
    assert_eq!(a.stdout, b.stdout);
    assert!(stdout(&a).contains("trace hash"));
}

#[test]
fn bad_input_gets_one_line_and_exit_2() {
    for args in [
        &["run", "no/such"][..],
        &["run", "demo/lock", "--variant", "nope"],
        &["run", "demo/lock"],
        &["repro", "demo/lock", "--variant", "compare-and-set", "--seed", "banana"],
        &["run", "demo/lock", "--variant", "compare-and-set", "--seeds", "9..3"],
        &["run", "demo/lock", "--variant", "compare-and-set", "--shard", "3/2"],
        &["run", "demo/lock", "--variant", "compare-and-set", "--time", "soon"],
        &["run", "demo/lock", "--variant", "compare-and-set", "--invariant", "nope"],
        &["run", "demo/lock", "--variant", "compare-and-set", "--corpus", "/proc/forbidden"],
        &["repro", "--case", "no-such-file.json"],
        &["shrink", "--case", "no-such-file.json"],
    ] {
        let out = lockstep(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        let first = stderr(&out).lines().next().unwrap_or_default().to_string();
        assert!(first.starts_with("error"), "{args:?}: {first}");
        assert!(!stderr(&out).contains("panicked"), "{args:?}");
    }
}

#[test]
fn list_shows_variants_invariants_and_fault_points() {
    let text = stdout(&lockstep(&["list"]));
    for needle in ["demo/lock", "check-then-set", "compare-and-set", "mutual-exclusion", "node.crash"] {
        assert!(text.contains(needle), "list lacks {needle}: {text}");
    }
}

#[test]
fn usage_errors_are_one_line_and_name_their_environment_variable() {
    let one_line = |o: &Output| {
        let err = stderr(o);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        err
    };
    let negative = one_line(&lockstep(&["run", "demo/lock", "--variant", "compare-and-set", "--runs", "-1"]));
    assert!(negative.contains("'-1'") && negative.contains("--runs") && !negative.contains("'-- -1'"), "{negative}");
    let missing = one_line(&lockstep(&["repro"]));
    assert!(missing.contains("--seed") && missing.contains("<SCENARIO>"), "{missing}");
    let from_env = Command::new(env!("CARGO_BIN_EXE_lockstep"))
        .args(["run", "demo/lock", "--variant", "compare-and-set"])
        .env("LOCKSTEP_RUNS", "many")
        .output()
        .unwrap();
    assert!(one_line(&from_env).contains("LOCKSTEP_RUNS"));
    let os_cause = one_line(&lockstep(&["run", "demo/lock", "--variant", "compare-and-set", "--corpus", "/proc/x"]));
    assert!(os_cause.contains("No such file or directory"), "{os_cause}");
}
