//! Every recorded, shrunk failing case in `tests/regressions/<folder>/` replayed as a
//! fast regression test, one folder per system. Each folder's `bugs.md` is its
//! expectation: a Markdown table with one row per bug naming its case (a file name
//! prefix up to `.seed-N`, or a whole file stem), the actions of its minimal schedule
//! in SYSTEMS.md where known, and, for a case allowed over twice that, why. A new
//! system's cases are picked up by adding a folder with its `bugs.md`.
//!
//! For every case: it still fails its invariant, with the very trace and model steps
//! it was recorded with (a model change that alters a trace fails here first; the
//! folder's `bugs.md` says how to re-record); it is recorded with labels, unless it is
//! an older format that must replay by position; it fails by its bug's mechanism
//! where the system defines one (tools/siblings); and it is within twice its schedule
//! unless the row explains why not.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use corpus::{load_dir, Case};
use sim::Outcome;

/// One row of a folder's `bugs.md`.
struct Expected {
    bug: String,
    case: String,
    schedule: Option<u64>,
    over_twice_because: Option<String>,
}

fn regressions_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/regressions")
}

/// The system folders, sorted.
fn folders() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(regressions_dir())
        .expect("tests/regressions exists")
        .map(|e| e.expect("a readable entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

/// The rows of `dir/bugs.md`'s table (the header and its rule skipped).
fn expectations(dir: &Path) -> Vec<Expected> {
    let path = dir.join("bugs.md");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: every folder of recorded cases needs its bugs.md: {e}", path.display()));
    let rows = text.lines().filter(|l| l.starts_with('|')).skip(2);
    rows.map(|line| {
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        assert_eq!(cells.len(), 4, "{}: a row has 4 cells: {line}", path.display());
        let schedule = (!cells[2].is_empty())
            .then(|| cells[2].parse().unwrap_or_else(|_| panic!("{}: schedule {:?}", path.display(), cells[2])));
        Expected {
            bug: cells[0].to_string(),
            case: cells[1].to_string(),
            schedule,
            over_twice_because: (!cells[3].is_empty()).then(|| cells[3].to_string()),
        }
    })
    .collect()
}

/// The row's case: the file whose stem is the row's, or starts with it and `.seed-`.
fn names(row: &Expected, path: &Path) -> bool {
    let stem = path.file_stem().expect("a file").to_string_lossy();
    stem == row.case || stem.starts_with(&format!("{}.seed-", row.case))
}

/// The folder's cases paired with their rows: one case per row, no case without one.
fn paired(dir: &Path) -> Vec<(Expected, PathBuf, Case)> {
    let rows = expectations(dir);
    assert!(!rows.is_empty(), "{}: bugs.md lists no case", dir.display());
    let mut cases = load_dir(dir).unwrap_or_else(|e| panic!("{}: the recorded cases load: {e}", dir.display()));
    let mut pairs = Vec::new();
    for row in rows {
        let at = cases.iter().position(|(p, _)| names(&row, p));
        let (path, case) = cases
            .remove(at.unwrap_or_else(|| panic!("{}: no recorded case for {} ({})", dir.display(), row.bug, row.case)));
        assert!(!cases.iter().any(|(p, _)| names(&row, p)), "{}: two cases for {}", dir.display(), row.bug);
        pairs.push((row, path, case));
    }
    let unlisted: Vec<_> = cases.iter().map(|(p, _)| p.display().to_string()).collect();
    assert!(unlisted.is_empty(), "cases no row of bugs.md names: {unlisted:?}");
    pairs
}

/// The bug's own test of a violation message, where the system defines one.
fn mechanism(case: &Case, bug: &str) -> Option<fn(&str) -> bool> {
    (case.scenario == "tools/siblings").then(|| scenarios::tools::bugs::bug(bug).expect("a reported S004 bug").matches)
}

#[test]
fn every_recorded_case_still_fails_with_its_recorded_trace() {
    let mut bugs = 0;
    for dir in folders() {
        for (row, path, case) in paired(&dir) {
            let at = format!("{} {}: {}", dir.file_name().unwrap().to_string_lossy(), row.bug, path.display());
            let (scenario, _) = case.target(&path).expect("a known scenario");
            let replay = case.replay(scenario, false);
            assert!(replay.still_fails, "{at} no longer fails {}", case.invariant);
            assert!(replay.same_trace, "{at} replays to a different trace");
            assert_eq!(replay.result.model_steps, case.model_steps, "{at}");
            if case.format_version < corpus::FORMAT_VERSION {
                assert!(!case.tape.is_labelled(), "{at}: an old format has no labels");
                assert!(replay.fit.is_none(), "{at}: an unlabelled tape replays by position");
            } else {
                assert!(case.tape.is_labelled(), "{at} is recorded with labels");
            }
            if let Some(matches) = mechanism(&case, &row.bug) {
                let Outcome::Violation(v) = &replay.result.outcome else { unreachable!("it still fails") };
                assert!(matches(&v.message), "{at}: the case now fails another way: {}", v.message);
            }
            bugs += 1;
        }
    }
    assert!(bugs >= 30, "only {bugs} recorded cases: a folder went missing");
}

#[test]
fn every_recorded_case_is_within_twice_its_minimal_schedule_or_says_why() {
    let mut over = BTreeSet::new();
    for dir in folders() {
        for (row, path, case) in paired(&dir) {
            let Some(schedule) = row.schedule else { continue };
            let within = case.model_steps <= 2 * schedule;
            let at = format!("{} {}: {} model steps, schedule {schedule}", row.bug, path.display(), case.model_steps);
            match &row.over_twice_because {
                None => assert!(within, "{at}"),
                Some(_) if within => {
                    over.insert(at);
                }
                Some(_) => {}
            }
        }
    }
    assert!(over.is_empty(), "within twice their schedule now: drop the reason from bugs.md: {over:?}");
}

#[test]
fn no_case_lies_outside_a_system_folder() {
    let loose = load_dir(&regressions_dir()).expect("the top level loads");
    let loose: Vec<_> = loose.iter().map(|(p, _)| p.display().to_string()).collect();
    assert!(loose.is_empty(), "move these into their system's folder and list them in its bugs.md: {loose:?}");
}
