//! The HTML report: one self-contained page a person opens from a CI artifact. Inline
//! CSS and inline SVG only: no script, no font, no stylesheet and no link that
//! leaves the file, so it reads the same offline, years later, behind any firewall.
//!
//! A summary (verdict, parameters, invariants, fault points), then each failure with
//! its replay command and the sequence diagram of its (shrunk) counterexample.

use std::fmt::Write;

use crate::campaign::{CampaignReport, Failure};
use crate::svg::{self, escape};

const STYLE: &str = r#"
body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; color: #111827; margin: 24px 32px; max-width: 1500px; }
h1 { font-size: 22px; margin: 0 0 4px 0; }
h2 { font-size: 18px; margin: 28px 0 10px 0; border-bottom: 1px solid #e5e7eb; padding-bottom: 4px; }
h3 { font-size: 16px; margin: 0 0 8px 0; }
code, pre, .mono { font-family: "DejaVu Sans Mono", monospace; font-size: 13px; }
.target { font-size: 16px; color: #374151; margin: 0 0 12px 0; }
.badge { display: inline-block; padding: 3px 10px; border-radius: 4px; font-weight: bold; color: #fff; margin-right: 8px; }
.badge.fail { background: #dc2626; } .badge.pass { background: #16a34a; }
.verdict { font-size: 15px; margin: 8px 0 16px 0; }
dl.params { display: grid; grid-template-columns: max-content auto; gap: 4px 16px; margin: 0; }
dl.params dt { color: #6b7280; } dl.params dd { margin: 0; }
table { border-collapse: collapse; margin: 4px 0; }
th, td { border: 1px solid #d1d5db; padding: 4px 10px; text-align: left; vertical-align: top; }
th { background: #f3f4f6; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.bad td { background: #fef2f2; } tr.bad td.num { color: #b91c1c; font-weight: bold; }
td.doc { color: #4b5563; font-size: 13px; max-width: 560px; }
.muted { color: #6b7280; }
article.failure { border: 1px solid #e5e7eb; border-left: 4px solid #dc2626; border-radius: 4px; padding: 14px 16px; margin: 0 0 24px 0; }
.message { font-size: 15px; margin: 0 0 10px 0; }
.replay { background: #f3f4f6; padding: 6px 10px; border-radius: 4px; display: inline-block; user-select: all; }
.diagram { overflow-x: auto; margin: 12px 0; border: 1px solid #e5e7eb; border-radius: 4px; }
.legend { margin: 4px 0 16px 0; }
ol.index li { margin: 2px 0; }
footer { margin-top: 32px; color: #6b7280; font-size: 13px; }
"#;

/// The page for `report`.
pub fn render(report: &CampaignReport) -> String {
    let mut out = String::new();
    let target = format!("{} --variant {}", report.scenario, report.variant);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>lockstep: {}</title><style>{STYLE}</style></head><body>\n",
        escape(&target)
    );
    summary(&mut out, report, &target);
    invariants(&mut out, report);
    faults(&mut out, report);
    goals(&mut out, report);
    failures(&mut out, report);
    let t = &report.timing;
    let _ = write!(
        out,
        "<footer>{} runs in {:.1} s with {} jobs ({:.0} runs/s) · lockstep {} · report format {}</footer>\n</body></html>\n",
        report.runs,
        t.wall_secs,
        t.jobs,
        t.runs_per_sec,
        escape(&report.lockstep_version),
        report.format_version
    );
    out
}

fn summary(out: &mut String, report: &CampaignReport, target: &str) {
    let word = report.verdict();
    let class = if word == "PASS" { "pass" } else { "fail" };
    let _ = write!(
        out,
        "<header><h1>lockstep campaign report</h1><p class=\"target mono\">{}</p></header>\n\
         <p class=\"verdict\"><span class=\"badge {class}\">{word}</span>{} of {} runs violated an invariant{}.</p>\n",
        escape(target),
        report.violating_runs,
        report.runs,
        escape(&crate::markdown::corpus_clause(report))
    );
    for note in crate::markdown::notes(report) {
        let _ = writeln!(out, "<p class=\"verdict\">{}</p>", escape(&note.replace('`', "")));
    }
    let _ = writeln!(
        out,
        "<dl class=\"params\"><dt>seeds</dt><dd class=\"mono\">{}</dd><dt>budget</dt><dd>{}</dd>\
         <dt>failures kept</dt><dd>{} (at most {} per invariant, lowest seeds first)</dd></dl>",
        escape(&crate::markdown::seeds_text(report)),
        escape(&report.budget),
        report.failures.len(),
        report.max_failures_per_invariant
    );
}

fn invariants(out: &mut String, report: &CampaignReport) {
    out.push_str(
        "<h2>Invariants</h2>\n<table><tr><th>invariant</th><th>kind</th><th>violating runs</th><th>first seed</th><th>what it says</th></tr>\n",
    );
    for t in &report.invariants {
        let class = if t.failed() { " class=\"bad\"" } else { "" };
        let first = match t.first_seed {
            Some(seed) => match report.failures.iter().position(|f| f.invariant == t.name && f.seed == seed) {
                Some(i) => format!("<a href=\"#failure-{i}\">{seed}</a>"),
                None => seed.to_string(),
            },
            None => "<span class=\"muted\">–</span>".to_string(),
        };
        let runs = match (t.checked, t.corpus_failures) {
            (false, _) => "<span class=\"muted\">not checked</span>".to_string(),
            (true, 0) => t.violating_runs.to_string(),
            (true, n) => format!("{} (+{n} corpus)", t.violating_runs),
        };
        let _ = writeln!(
            out,
            "<tr{class}><td class=\"mono\">{}</td><td>{}</td><td class=\"num\">{runs}</td><td class=\"num\">{first}</td><td class=\"doc\">{}</td></tr>",
            escape(&t.name),
            escape(&t.kind),
            escape(&t.doc)
        );
    }
    out.push_str("</table>\n");
}

fn faults(out: &mut String, report: &CampaignReport) {
    if report.faults.is_empty() {
        return;
    }
    out.push_str(
        "<h2>Fault points</h2>\n<table><tr><th>fault point</th><th>runs enabled</th><th>runs fired</th><th>times fired</th></tr>\n",
    );
    for (name, t) in &report.faults {
        let never = if t.fired == 0 { " <span class=\"muted\">(never fired)</span>" } else { "" };
        let _ = writeln!(
            out,
            "<tr><td class=\"mono\">{}{never}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            escape(name),
            t.runs_enabled,
            t.runs_fired,
            t.fired
        );
    }
    out.push_str("</table>\n");
}

fn goals(out: &mut String, report: &CampaignReport) {
    if report.goals.is_empty() {
        return;
    }
    out.push_str("<h2>Sometimes goals</h2>\n<table><tr><th>goal</th><th>runs reached</th><th>first seed</th><th>what it means</th></tr>\n");
    for g in &report.goals {
        let never = if g.runs_reached == 0 { " <span class=\"muted\">(never reached)</span>" } else { "" };
        let first = g.first_seed.map_or_else(|| "-".to_string(), |s| s.to_string());
        let _ = writeln!(
            out,
            "<tr><td class=\"mono\">{}{never}</td><td class=\"num\">{}</td><td class=\"num\">{first}</td><td>{}</td></tr>",
            escape(&g.name),
            g.runs_reached,
            escape(&g.doc)
        );
    }
    out.push_str("</table>\n");
}

fn failures(out: &mut String, report: &CampaignReport) {
    if report.failures.is_empty() {
        return;
    }
    let _ = writeln!(out, "<h2>Failures ({})</h2>\n<ol class=\"index\">", report.failures.len());
    for (i, f) in report.failures.iter().enumerate() {
        let _ = writeln!(
            out,
            "<li><a href=\"#failure-{i}\">seed {}</a>: <span class=\"mono\">{}</span>: {}</li>",
            f.seed,
            escape(&f.invariant),
            escape(&f.message)
        );
    }
    out.push_str("</ol>\n<div class=\"legend\">");
    out.push_str(&svg::legend());
    out.push_str("</div>\n");
    for (i, f) in report.failures.iter().enumerate() {
        failure(out, i, f);
    }
}

fn failure(out: &mut String, index: usize, f: &Failure) {
    let _ = write!(
        out,
        "<article class=\"failure\" id=\"failure-{index}\"><h3>seed {}: <span class=\"mono\">{}</span> ({})</h3>\n\
         <p class=\"message\">{}</p>\n<dl class=\"params\"><dt>found at</dt><dd>step {}, t={}.{:03}s</dd>\
         <dt>replay</dt><dd><code class=\"replay\">{}</code></dd>",
        f.seed,
        escape(&f.invariant),
        escape(&f.kind),
        escape(&f.message),
        f.step,
        f.time_ms / 1000,
        f.time_ms % 1000,
        escape(&f.replay)
    );
    if let Some(case) = &f.case_file {
        let _ = write!(out, "<dt>case file</dt><dd><code>{}</code></dd>", escape(case));
    }
    match (f.steps_before_shrink, f.steps_after_shrink) {
        (Some(before), Some(after)) => {
            let _ = write!(
                out,
                "<dt>shrunk</dt><dd>from {before} steps to {after} steps (the diagram shows the shrunk run)</dd>"
            );
        }
        _ => out.push_str("<dt>shrunk</dt><dd class=\"muted\">no (the diagram shows the seed's own run)</dd>"),
    }
    out.push_str("</dl>\n");
    match &f.diagram {
        Some(d) => {
            let _ = writeln!(out, "<div class=\"diagram\">{}</div>", svg::render(d));
        }
        None => out.push_str("<p class=\"muted\">No diagram: the run was recorded without its full trace.</p>\n"),
    }
    if !f.timeline.is_empty() {
        let _ = writeln!(out, "<details><summary>text timeline</summary><pre>{}</pre></details>", escape(&f.timeline));
    }
    out.push_str("</article>\n");
}
