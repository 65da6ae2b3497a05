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
    let verdict = match report.verdict() {
        "PASS" => "✅ **PASS**",
        "INCOMPLETE" => "⚠️ **INCOMPLETE**",
        "NONDETERMINISM" => "❌ **NONDETERMINISM**",
        _ => "❌ **FAIL**",
    };
    let _ = writeln!(
        out,
        "{verdict}: {} of {} runs violated an invariant{} (seeds {}, budget {}).\n",
        report.violating_runs,
        report.runs,
        corpus_clause(report),
        seeds_text(report),
        report.budget
    );
    for line in notes(report) {
        let _ = writeln!(out, "> {line}\n");
    }
    out.push_str("| invariant | kind | violating runs | first seed |\n|---|---|---:|---:|\n");
    for t in &report.invariants {
        let first = t.first_seed.map_or_else(|| "–".to_string(), |s| s.to_string());
        let runs = match (t.checked, t.corpus_failures) {
            (false, _) => "not checked".to_string(),
            (true, 0) => t.violating_runs.to_string(),
            (true, n) => format!("{} (+{n} corpus)", t.violating_runs),
        };
        let _ = writeln!(out, "| `{}` | {} | {runs} | {first} |", cell(&t.name), t.kind);
    }
    if !report.faults.is_empty() {
        out.push_str("\n| fault point | runs enabled | runs fired | times fired |\n|---|---:|---:|---:|\n");
        for (name, t) in &report.faults {
            let _ = writeln!(out, "| `{}` | {} | {} | {} |", cell(name), t.runs_enabled, t.runs_fired, t.fired);
        }
    }
    if !report.goals.is_empty() {
        out.push_str("\n| sometimes goal | runs reached | first seed |\n|---|---:|---:|\n");
        for g in &report.goals {
            let first = g.first_seed.map_or_else(|| "-".to_string(), |s| s.to_string());
            let runs = if g.runs_reached == 0 { "0 (never reached)".to_string() } else { g.runs_reached.to_string() };
            let _ = writeln!(out, "| `{}` | {runs} | {first} |", cell(&g.name));
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

/// The seeds a report covers; a report of no runs covers none.
pub fn seeds_text(report: &CampaignReport) -> String {
    if report.runs == 0 {
        "none".to_string()
    } else {
        report.seeds.to_string()
    }
}

/// ", and 2 corpus cases still fail" when the corpus has failures; the same for
/// every format that states the verdict.
pub fn corpus_clause(report: &CampaignReport) -> String {
    match report.corpus.still_failing {
        0 => String::new(),
        n => format!(", and {n} of {} corpus cases still fail", report.corpus.replayed),
    }
}

/// What a reader must know before the tables: nondeterminism, a focus, an
/// unfinished campaign. One sentence each.
pub fn notes(report: &CampaignReport) -> Vec<String> {
    let mut notes = Vec::new();
    if let Some(what) = &report.nondeterminism {
        notes.push(format!("Nondeterminism: {what}. No result of this campaign can be trusted until it is fixed."));
    }
    if let Some(focus) = &report.focus {
        notes.push(format!("Only `{focus}` was checked (`--invariant`); the other invariants were not checked."));
    }
    if !report.complete {
        notes.push(format!(
            "The campaign did not finish (interrupted, or this report was written while it ran): {} runs so far.",
            report.runs
        ));
    }
    if let Some(base) = &report.seeds.base {
        notes.push(format!("Seeds offset by the seed base {} ({}).", base.value, base.source));
    }
    notes
}

/// Appends `markdown` to the step summary file, when `github_step_summary` (the
/// value of `$GITHUB_STEP_SUMMARY`) names one. Returns whether it did.
pub fn append_to_step_summary(markdown: &str, github_step_summary: Option<&Path>) -> Result<bool, ReportError> {
    let Some(path) = github_step_summary.filter(|p| !p.as_os_str().is_empty()) else {
        return Ok(false);
    };
    let write_error = |source| ReportError::Write { path: path.to_path_buf(), source };
    let mut file = std::fs::OpenOptions::new().create(true).append(true).open(path).map_err(write_error)?;
    let before = file.metadata().map_err(write_error)?.len();
    let mut text = markdown.to_string();
    text.push('\n');
    if let Err(e) = file.write_all(text.as_bytes()).and_then(|()| file.flush()) {
        // A full disk may take half the summary: cut the file back to what it was,
        // so a person never reads a fragment. (A device has no length to cut.)
        let _ = file.set_len(before);
        return Err(write_error(e));
    }
    Ok(true)
}

/// Text safe inside a table cell: no pipes, no line breaks.
fn cell(text: &str) -> String {
    line(text).replace('|', "\\|")
}

fn line(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
}
