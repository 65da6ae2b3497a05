//! Writing a campaign's reports where `--report` and `--format` say, and the Markdown
//! summary into `$GITHUB_STEP_SUMMARY` when CI sets it.

use std::path::PathBuf;

use reports::campaign::CampaignReport;
use reports::markdown;
use reports::write::{write_report, Format};

use crate::cli::ReportArgs;

/// The formats asked for; an unknown one is bad input, reported before any run.
pub fn formats(args: &ReportArgs) -> anyhow::Result<Vec<Format>> {
    Ok(Format::parse_list(&args.format)?)
}

/// Writes `report` as asked and prints where it went.
pub fn write(report: &CampaignReport, args: &ReportArgs, formats: &[Format]) -> anyhow::Result<()> {
    if let Some(dir) = &args.report {
        for path in write_report(report, dir, formats)? {
            println!("report: {}", path.display());
        }
    }
    let summary = std::env::var_os("GITHUB_STEP_SUMMARY").map(PathBuf::from);
    if markdown::append_to_step_summary(&markdown::render(report), summary.as_deref())? {
        println!("report: appended the summary to $GITHUB_STEP_SUMMARY");
    }
    Ok(())
}

/// Checks before a campaign starts that the report folder can be written, so a typo
/// costs one line and not a night of runs.
pub fn check_writable(args: &ReportArgs) -> anyhow::Result<()> {
    let Some(dir) = &args.report else { return Ok(()) };
    std::fs::create_dir_all(dir).map_err(|e| anyhow::anyhow!("cannot write reports into {}: {e}", dir.display()))?;
    tempfile::tempfile_in(dir).map_err(|e| anyhow::anyhow!("cannot write reports into {}: {e}", dir.display()))?;
    Ok(())
}
