//! Writing a campaign's reports where `--report` and `--format` say, and the Markdown
//! summary into `$GITHUB_STEP_SUMMARY` when CI sets it.

use std::path::PathBuf;

use reports::campaign::CampaignReport;
use reports::markdown;
use reports::write::{write_report, Format};

use crate::cli::ReportArgs;

/// The formats asked for; an unknown one, or none at all, is bad input, reported
/// before any run.
pub fn formats(args: &ReportArgs) -> anyhow::Result<Vec<Format>> {
    let formats = Format::parse_list(&args.format)?;
    if formats.is_empty() {
        anyhow::bail!("--format '{}' names no report format (known: json, junit, markdown, html, all)", args.format);
    }
    Ok(formats)
}

/// Writes `report` as asked and prints where it went. Every format is tried; each
/// error is printed as one line, and the result says whether all were written. A
/// write error never changes what the campaign found: the caller decides the exit.
pub fn write(report: &CampaignReport, args: &ReportArgs, formats: &[Format]) -> bool {
    let mut ok = true;
    if let Some(dir) = &args.report {
        for format in formats {
            match write_report(report, dir, &[*format]) {
                Ok(paths) => paths.iter().for_each(|p| println!("report: {}", p.display())),
                Err(e) => {
                    eprintln!("error: {e}");
                    ok = false;
                }
            }
        }
    }
    let summary = std::env::var_os("GITHUB_STEP_SUMMARY").map(PathBuf::from);
    match markdown::append_to_step_summary(&markdown::render(report), summary.as_deref()) {
        Ok(true) => println!("report: appended the summary to $GITHUB_STEP_SUMMARY"),
        Ok(false) => {}
        Err(e) => {
            eprintln!("error: {e} (from the environment variable GITHUB_STEP_SUMMARY)");
            ok = false;
        }
    }
    ok
}

/// Writes the JSON report of a campaign still running (marked `complete: false`), so
/// that a job killed at any moment leaves a valid report of what it found so far.
/// Atomic, like every report file; an error is printed and the campaign goes on.
pub fn checkpoint(report: &CampaignReport, args: &ReportArgs, formats: &[Format]) {
    let (Some(dir), true) = (&args.report, checkpoints(args, formats)) else { return };
    if let Err(e) = write_report(report, dir, &[Format::Json]) {
        eprintln!("error: {e}");
    }
}

/// Whether [`checkpoint`] writes anything: callers skip building a partial report
/// that would not be written.
pub fn checkpoints(args: &ReportArgs, formats: &[Format]) -> bool {
    args.report.is_some() && formats.contains(&Format::Json)
}

/// Checks before a campaign starts that the report folder can be written, so a typo
/// costs one line and not a night of runs.
pub fn check_writable(args: &ReportArgs) -> anyhow::Result<()> {
    let Some(dir) = &args.report else { return Ok(()) };
    std::fs::create_dir_all(dir).map_err(|e| anyhow::anyhow!("cannot write reports into {}: {e}", dir.display()))?;
    tempfile::tempfile_in(dir).map_err(|e| anyhow::anyhow!("cannot write reports into {}: {e}", dir.display()))?;
    Ok(())
}
