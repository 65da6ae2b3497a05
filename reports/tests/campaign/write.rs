use reports::write::{write_report, Format, ReportError};

use crate::fixtures::{campaign, Plan};

#[test]
fn every_format_is_written_under_its_fixed_name() {
    let report = campaign("demo/lock", "check-then-set", 0..=9, Plan::default());
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("new/report");
    let written = write_report(&report, &folder, &Format::ALL).unwrap();
    let names: Vec<String> = written.iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
    assert_eq!(names, ["lockstep-report.json", "junit.xml", "summary.md", "report.html"]);
    let mut entries: Vec<String> =
        std::fs::read_dir(&folder).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    entries.sort();
    assert_eq!(entries.len(), 4, "no temporary files left behind: {entries:?}");
    // The same report writes the same bytes.
    let again = tempfile::tempdir().unwrap();
    write_report(&report, again.path(), &Format::ALL).unwrap();
    for name in &names {
        assert_eq!(
            std::fs::read(folder.join(name)).unwrap(),
            std::fs::read(again.path().join(name)).unwrap(),
            "{name}"
        );
    }
}

#[test]
fn an_unwritable_folder_is_one_line_naming_it() {
    let report = campaign("demo/lock", "check-then-set", 0..=1, Plan::default());
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "").unwrap();
    let err = write_report(&report, &file.join("reports"), &[Format::Json]).unwrap_err();
    assert!(matches!(err, ReportError::Write { .. }), "{err}");
    let line = err.to_string();
    assert!(line.contains("a-file/reports") && !line.contains('\n'), "{line}");
}

#[test]
fn formats_parse_by_name_and_unknown_ones_are_refused() {
    assert_eq!("html".parse::<Format>().unwrap(), Format::Html);
    assert_eq!(Format::parse_list("json, junit,json").unwrap(), [Format::Json, Format::Junit]);
    assert_eq!(Format::parse_list("all").unwrap(), Format::ALL);
    let err = "pdf".parse::<Format>().unwrap_err();
    assert!(matches!(err, ReportError::UnknownFormat(ref name) if name == "pdf"));
    assert_eq!(err.to_string(), "unknown report format 'pdf' (known: json, junit, markdown, html, all)");
    assert!(Format::parse_list("json,yaml").is_err());
}

#[cfg(unix)]
#[test]
fn reports_are_readable_by_others_like_any_new_file() {
    use std::os::unix::fs::PermissionsExt;
    let report = campaign("demo/lock", "check-then-set", 0..=1, Plan::default());
    let dir = tempfile::tempdir().unwrap();
    let written = write_report(&report, dir.path(), &[Format::Html]).unwrap();
    let mode = std::fs::metadata(&written[0]).unwrap().permissions().mode();
    assert_eq!(mode & 0o044, 0o044, "mode {mode:o}");
}
