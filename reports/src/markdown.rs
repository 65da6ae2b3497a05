//! The Markdown summary of a campaign: what a CI job page shows (GitHub Actions
//! renders `$GITHUB_STEP_SUMMARY`). A verdict line, the invariant table, the fault
//! table, and the first failures with the commands that replay them.

use std::fmt::Write;
use std::io::Write as _;
use std::path::Path;

use crate::campaign::CampaignReport;
use crate::write::ReportError;

/// Failures listed in the summary; the JSON and HTML reports have all that were kept.
const FAILURES_LISTED: usize = 10;

/// The summary of `report`.
pub fn render(report: &CampaignReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "## lockstep: `{}` --variant `{}`\n", report.scenario, report.variant);
    let verdict = if report.failed() { "❌ **FAIL**" } else { "✅ **PASS**" };
    let _ = writeln!(
        out,
        "{verdict}: {} of {} runs violated an invariant (seeds {}, budget {}).\n",
        report.violating_runs, report.runs, report.seeds, report.budget
    );
    out.push_str("| invariant | kind | violating runs | first seed |\n|---|---|---:|---:|\n");
    for t in &report.invariants {
        let first = t.first_seed.map_or_else(|| "–".to_string(), |s| s.to_string());
        let _ = writeln!(out, "| `{}` | {} | {} | {first} |", cell(&t.name), t.kind, t.violating_runs);
    }
    if !report.faults.is_empty() {
        out.push_str("\n| fault point | runs enabled | runs fired | times fired |\n|---|---:|---:|---:|\n");
        for (name, t) in &report.faults {
            let _ = writeln!(out, "| `{}` | {} | {} | {} |", cell(name), t.runs_enabled, t.runs_fired, t.fired);
        }
    }
    if !report.failures.is_empty() {
        let _ = writeln!(out, "\n### Failures\n");
        for f in report.failures.iter().take(FAILURES_LISTED) {
            let _ =
                writeln!(out, "- seed {} broke `{}` at t={}ms: {}", f.seed, f.invariant, f.time_ms, line(&f.message));
            let _ = writeln!(out, "  replay: `{}`", f.replay);
            if let Some(case) = &f.case_file {
                let _ = writeln!(out, "  case file: `{case}`");
            }
        }
        if report.failures.len() > FAILURES_LISTED {
            let _ =
                writeln!(out, "- … and {} more in the JSON and HTML reports", report.failures.len() - FAILURES_LISTED);
        }
    }
    let t = &report.timing;
    let _ = writeln!(
        out,
        "\n<sub>{} runs in {:.1} s with {} jobs ({:.0} runs/s), lockstep {}</sub>",
        report.runs, t.wall_secs, t.jobs, t.runs_per_sec, report.lockstep_version
    );
    out
}

/// Appends `markdown` to the step summary file, when `github_step_summary` (the
/// value of `$GITHUB_STEP_SUMMARY`) names one. Returns whether it did.
pub fn append_to_step_summary(markdown: &str, github_step_summary: Option<&Path>) -> Result<bool, ReportError> {
    let Some(path) = github_step_summary.filter(|p| !p.as_os_str().is_empty()) else {
        return Ok(false);
    };
    let write_error = |source| ReportError::Write { path: path.to_path_buf(), source };
    let mut file = std::fs::OpenOptions::new().create(true).append(true).open(path).map_err(write_error)?;
    file.write_all(markdown.as_bytes()).map_err(write_error)?;
    file.write_all(b"\n").map_err(write_error)?;
    Ok(true)
}

/// Text safe inside a table cell: no pipes, no line breaks.
fn cell(text: &str) -> String {
    line(text).replace('|', "\\|")
}

fn line(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
}
