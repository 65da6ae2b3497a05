use reports::campaign::{CampaignReport, FORMAT_VERSION};
use reports::write::{read_report, write_report, Format, ReportError};

use crate::fixtures::{campaign, Plan};

fn demo() -> CampaignReport {
    campaign("demo/lock", "check-then-set", 0..=59, Plan::default())
}

#[test]
fn a_report_round_trips_through_its_json_file() {
    let report = demo();
    assert!(report.failed() && !report.failures.is_empty());
    assert!(report.failures.iter().all(|f| f.diagram.is_some() && !f.timeline.is_empty()));
    let dir = tempfile::tempdir().unwrap();
    let written = write_report(&report, dir.path(), &[Format::Json]).unwrap();
    assert_eq!(written, [dir.path().join("lockstep-report.json")]);
    assert_eq!(read_report(&written[0]).unwrap(), report);
    assert_eq!(read_report(dir.path()).unwrap(), report, "the folder names its JSON report");
}

#[test]
fn the_json_says_its_format_version_and_every_tally() {
    let report = demo();
    let json: serde_json::Value =
        serde_json::from_str(&reports::write::render(&report, Format::Json).unwrap()).unwrap();
    assert_eq!(json["format_version"], FORMAT_VERSION);
    assert_eq!(json["runs"], 60);
    let invariants = json["invariants"].as_array().unwrap();
    let names: Vec<&str> = invariants.iter().map(|i| i["name"].as_str().unwrap()).collect();
    assert_eq!(names.last(), Some(&"no-progress"), "harness keys follow the scenario's invariants: {names:?}");
    assert!(invariants.iter().any(|i| i["violating_runs"] == 0), "zero counts are listed");
    let faults = json["faults"].as_object().unwrap();
    assert!(faults.contains_key("net.reply.lost") && faults.contains_key("node.crash"), "{faults:?}");
    let total_enabled: u64 = faults.values().map(|f| f["runs_enabled"].as_u64().unwrap()).sum();
    assert!(total_enabled > 0);
    let seeds: Vec<u64> = json["failures"].as_array().unwrap().iter().map(|f| f["seed"].as_u64().unwrap()).collect();
    assert!(seeds.windows(2).all(|w| w[0] < w[1]), "failures sorted by seed: {seeds:?}");
    assert!(json["failures"][0]["case_file"].is_string());
    assert!(json["timing"]["jobs"].is_u64());
}

#[test]
fn corrupt_and_newer_reports_are_refused_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let corrupt = dir.path().join("corrupt.json");
    std::fs::write(&corrupt, "{ not json").unwrap();
    let err = read_report(&corrupt).unwrap_err();
    assert!(matches!(err, ReportError::Corrupt { .. }), "{err}");
    assert!(err.to_string().contains("corrupt.json") && !err.to_string().contains('\n'), "{err}");

    let mut newer = serde_json::to_value(demo()).unwrap();
    newer["format_version"] = (FORMAT_VERSION + 1).into();
    newer["something_new"] = "?".into();
    let path = dir.path().join("newer.json");
    std::fs::write(&path, newer.to_string()).unwrap();
    let err = read_report(&path).unwrap_err();
    assert!(matches!(err, ReportError::UnsupportedVersion { found, .. } if found == u64::from(FORMAT_VERSION) + 1));
    assert!(!err.to_string().contains('\n'), "{err}");

    let missing = read_report(&dir.path().join("missing.json")).unwrap_err();
    assert!(matches!(missing, ReportError::Read { .. }), "{missing}");
}
