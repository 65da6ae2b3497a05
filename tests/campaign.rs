//! Campaigns as CI runs them: shard reports merge into the single campaign's report,
//! a campaign killed with SIGKILL keeps the case files it wrote, and bad report
//! settings cost one line and exit code 2 before any run.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn lockstep_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lockstep")).args(args).current_dir(dir).output().expect("the binary runs")
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn report(dir: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(dir.join("lockstep-report.json")).expect("a JSON report");
    let mut json: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    json.as_object_mut().unwrap().remove("timing");
    json
}

const V2: [&str; 4] = ["run", "launcher/multi-tab", "--variant", "v2"];

#[test]
fn shard_reports_merge_into_the_single_campaigns_report() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let common = ["--seeds", "0..120", "--keep-going", "--no-shrink", "--no-corpus", "--format", "json"];
    for (shard, out) in [(None, "all"), (Some("1/2"), "s1"), (Some("2/2"), "s2")] {
        let mut args: Vec<&str> = [&V2[..], &common[..], &["--report", out]].concat();
        if let Some(s) = shard {
            args.extend(["--shard", s]);
        }
        let o = lockstep_in(d, &args);
        assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    }
    let o = lockstep_in(d, &["merge", "s1", "s2", "--report", "merged", "--format", "json,junit,markdown,html"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let (mut single, mut merged) = (report(&d.join("all")), report(&d.join("merged")));
    // The single campaign records its budget; the merge, the parts' seeds.
    for r in [&mut single, &mut merged] {
        r.as_object_mut().unwrap().remove("budget");
    }
    assert_eq!(single["seeds"]["start"], merged["seeds"]["start"]);
    assert_eq!(single["seeds"]["end"], merged["seeds"]["end"]);
    assert_eq!(single["invariants"], merged["invariants"]);
    assert_eq!(single["faults"], merged["faults"]);
    assert_eq!(single["runs"], merged["runs"]);
    for file in ["junit.xml", "summary.md", "report.html"] {
        assert!(d.join("merged").join(file).exists(), "{file}");
    }
    let again = lockstep_in(d, &["merge", "s1", "s1"]);
    assert_eq!(again.status.code(), Some(2), "the same shard twice is refused: {}", text(&again));
}

#[test]
fn merge_proves_shards_disjoint_and_refuses_overlaps_and_overflows() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let safe = ["run", "demo/lock", "--variant", "compare-and-set", "--no-corpus", "--format", "json"];
    for (seeds, shard, out) in [("0..100", "1/4", "a"), ("0..100", "2/4", "b"), ("3..103", "2/4", "c")] {
        let o = lockstep_in(d, &[&safe[..], &["--seeds", seeds, "--shard", shard, "--report", out]].concat());
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    }
    let disjoint = lockstep_in(d, &["merge", "a", "b"]);
    assert_eq!(disjoint.status.code(), Some(0), "{}", text(&disjoint));
    assert!(text(&disjoint).contains("50 runs"), "{}", text(&disjoint));
    // Shard 2/4 of 3..103 runs 4, 8, ...: the seeds of shard 1/4 of 0..100.
    let overlap = lockstep_in(d, &["merge", "a", "c"]);
    assert_eq!(overlap.status.code(), Some(2), "{}", text(&overlap));
    assert!(text(&overlap).contains("overlap"), "{}", text(&overlap));
    let mut huge = report(&d.join("b"));
    huge["runs"] = u64::MAX.into();
    huge["timing"] = serde_json::json!({ "jobs": 1, "wall_secs": 1.0, "runs_per_sec": 1.0 });
    std::fs::create_dir_all(d.join("huge")).unwrap();
    std::fs::write(d.join("huge/lockstep-report.json"), huge.to_string()).unwrap();
    let overflow = lockstep_in(d, &["merge", "a", "huge"]);
    assert_eq!(overflow.status.code(), Some(2), "{}", text(&overflow));
    assert!(text(&overflow).contains("overflow"), "{}", text(&overflow));
}

#[test]
fn bad_report_settings_get_one_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a-file"), "").unwrap();
    let base = ["run", "demo/lock", "--variant", "compare-and-set", "--runs", "5", "--no-corpus"];
    for extra in [&["--format", "yaml"][..], &["--report", "a-file/sub"], &["--report", "/proc/no"]] {
        let o = lockstep_in(dir.path(), &[&base[..], extra].concat());
        assert_eq!(o.status.code(), Some(2), "{extra:?}: {}", text(&o));
        let err = String::from_utf8_lossy(&o.stderr).to_string();
        assert_eq!(err.lines().count(), 1, "{extra:?}: {err}");
    }
    let o = lockstep_in(dir.path(), &["merge", "a-file"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
}

#[test]
fn a_campaign_killed_with_sigkill_keeps_its_case_files() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_lockstep"))
        .args([&V2[..], &["--runs", "100000", "--keep-going", "--jobs", "1"]].concat())
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let corpus = dir.path().join("lockstep-regressions");
    let count = || std::fs::read_dir(&corpus).map_or(0, |d| d.filter(|e| e.is_ok()).count());
    #[allow(clippy::disallowed_methods)] // A test's own timeout, outside any run.
    let started = Instant::now();
    while count() < 3 && started.elapsed() < Duration::from_secs(120) {
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().expect("SIGKILL");
    child.wait().unwrap();
    // A kill during a write may leave the writer's hidden temporary file (which the
    // corpus ignores), never a partial case: every `.json` must be whole.
    let files: Vec<_> = std::fs::read_dir(&corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    assert!(files.len() >= 2, "case files written as found: {files:?}");
    for f in files {
        let o = lockstep_in(dir.path(), &["repro", "--case", f.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(1), "{f:?} is a whole, failing case: {}", text(&o));
    }
}

/// Workers tally the runs the campaign need not look at (passing ones, and failures
/// of an invariant after its first) and the campaign merges their tallies: the report
/// (runs, fault tallies, invariants, failures) is that of tallying every run in seed
/// order, whatever the number of jobs, and a campaign that stops at its first
/// violation counts exactly the runs up to it.
#[test]
fn worker_tallies_give_the_report_of_one_job() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let base = ["run", "demo/lock", "--variant", "check-then-set", "--no-shrink", "--no-corpus", "--format", "json"];
    for (jobs, going, out) in [("1", true, "k1"), ("2", true, "k2"), ("1", false, "s1"), ("2", false, "s2")] {
        let mut args: Vec<&str> = [&base[..], &["--runs", "700", "--jobs", jobs, "--report", out]].concat();
        if going {
            args.push("--keep-going");
        }
        let o = lockstep_in(d, &args);
        assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    }
    assert_eq!(report(&d.join("k1")), report(&d.join("k2")));
    assert_eq!(report(&d.join("s1")), report(&d.join("s2")));
    let (all, stopped) = (report(&d.join("k1")), report(&d.join("s1")));
    assert_eq!(all["runs"], 700);
    let first = all["invariants"].as_array().unwrap().iter().filter_map(|t| t["first_seed"].as_u64()).min();
    let first = first.expect("check-then-set fails within 700 runs");
    assert_eq!(stopped["runs"].as_u64(), Some(first + 1), "seeds 0..={first} ran, then the campaign stopped");
    assert!(all["faults"].as_object().unwrap().values().any(|t| t["fired"].as_u64() > Some(0)), "{all}");
}

#[test]
fn bench_prints_one_scenario_the_jobs_table_and_memory() {
    let dir = tempfile::tempdir().unwrap();
    let args = ["bench", "--runs", "20", "--scenario", "demo/lock", "--variant", "compare-and-set", "--jobs", "2"];
    let o = lockstep_in(dir.path(), &args);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("demo/lock compare-and-set (swarm)"), "{out}");
    assert!(!out.contains("check-then-set"), "only the chosen variant: {out}");
    assert!(out.contains("ratio (plain / executor"), "{out}");
    assert!(out.lines().any(|l| l.starts_with("memory: resident")), "{out}");
    let rows: Vec<&str> =
        out.lines().filter(|l| l.split_whitespace().next().is_some_and(|w| w == "1" || w == "2")).collect();
    assert_eq!(rows.len(), 2, "one row per job count: {out}");
    for bad in [&["bench", "--scenario", "nope"][..], &["bench", "--jobs", "0"], &["bench", "--variant", "v1"]] {
        let o = lockstep_in(dir.path(), bad);
        assert_eq!(o.status.code(), Some(2), "{bad:?}: {}", text(&o));
        assert_eq!(String::from_utf8_lossy(&o.stderr).trim().lines().count(), 1, "{bad:?}: {}", text(&o));
    }
}

#[test]
fn check_everything_finds_what_the_incremental_checks_find() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let base = ["run", "restart/coalescer", "--variant", "v1", "--runs", "150", "--keep-going", "--no-shrink"];
    for (extra, out) in [(None, "incremental"), (Some("--check-everything"), "everything")] {
        let mut args: Vec<&str> = [&base[..], &["--no-corpus", "--format", "json", "--report", out]].concat();
        args.extend(extra);
        let o = lockstep_in(d, &args);
        assert_eq!(o.status.code(), Some(1), "restart v1 fails within 150 runs: {}", text(&o));
    }
    let (fast, every) = (report(&d.join("incremental")), report(&d.join("everything")));
    assert!(fast["violating_runs"].as_u64() > Some(0), "{fast}");
    assert_eq!(fast, every, "the incremental checks must report what checking everything reports");
}
