//! Draws a [`Diagram`] as SVG: simulated time down the left margin, one column per
//! lifeline, the event in words on the right, so the picture and the text timeline
//! read side by side.
//!
//! Hand-written strings, because the shapes are few and fixed. Every piece of text
//! (node names, labels, model notes) goes through [`escape`], so a note containing
//! `<&>` is shown, not parsed. The output has no `xmlns` and no ids, so any number of
//! diagrams can sit inline in one HTML page without references to anything.

use std::fmt::Write;

use crate::sequence::{Arrow, ArrowKind, Diagram, Mark};

/// Width of the time margin on the left.
const TIME_W: f64 = 86.0;
/// Width of one lifeline column.
const LANE_W: f64 = 118.0;
/// Height of one event row.
const ROW_H: f64 = 22.0;
/// Height of the lifeline name boxes above the rows.
const HEAD_H: f64 = 46.0;
/// Advance of one character of the 12px monospace text column (DejaVu Sans Mono is
/// 0.602 em); used only to size the picture.
const CHAR_W: f64 = 7.3;
/// Longest event text shown in full; longer ones end in "…".
const TEXT_MAX_CHARS: usize = 110;

const REQUEST: &str = "#2563eb";
const REPLY: &str = "#059669";
const LOST: &str = "#dc2626";
const FAULT: &str = "#d97706";
const MUTED: &str = "#6b7280";

/// Text made safe for SVG and HTML, in content and in attribute values.
pub fn escape(text: &str) -> String {
    quick_xml::escape::escape(text).into_owned()
}

/// The SVG of `diagram`, ready to be placed inline in an HTML page.
pub fn render(diagram: &Diagram) -> String {
    Layout::new(diagram).draw()
}

struct Layout<'a> {
    d: &'a Diagram,
    /// Rows before the first event row (the "earlier events" line).
    offset: usize,
    text_x: f64,
    width: f64,
    height: f64,
    out: String,
}

impl<'a> Layout<'a> {
    fn new(d: &'a Diagram) -> Layout<'a> {
        let offset = usize::from(d.omitted_events > 0);
        let text_x = TIME_W + LANE_W * d.lifelines.len() as f64 + 14.0;
        let longest = d.rows.iter().map(|r| row_text(d, r.lifeline, &r.text).chars().count()).max().unwrap_or(0);
        let outcome_chars = d.outcome.as_ref().map_or(0, |o| o.text.chars().count() + 4);
        let width = (text_x + CHAR_W * longest.min(TEXT_MAX_CHARS + 2) as f64 + 16.0)
            .max(TIME_W + CHAR_W * outcome_chars.min(TEXT_MAX_CHARS + 4) as f64 + 16.0)
            .max(480.0);
        let rows = offset + d.rows.len() + if d.outcome.is_some() { 2 } else { 1 };
        let height = HEAD_H + ROW_H * rows as f64 + 8.0;
        Layout { d, offset, text_x, width, height, out: String::new() }
    }

    fn lane_x(&self, lane: usize) -> f64 {
        TIME_W + LANE_W * (lane as f64 + 0.5)
    }

    /// The middle of row `row` (an index into the diagram's rows).
    fn row_y(&self, row: usize) -> f64 {
        HEAD_H + ROW_H * ((row + self.offset) as f64 + 0.5)
    }

    fn bottom(&self) -> f64 {
        self.row_y(self.d.rows.len()) - ROW_H / 2.0
    }

    fn draw(mut self) -> String {
        let (w, h) = (self.width, self.height);
        let _ = write!(
            self.out,
            r#"<svg class="sequence" width="{w:.0}" height="{h:.0}" viewBox="0 0 {w:.0} {h:.0}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="12" role="img" aria-label="sequence diagram">"#
        );
        let _ = write!(self.out, r##"<rect width="{w:.0}" height="{h:.0}" fill="#ffffff"/>"##);
        self.highlights();
        self.heads();
        self.crashed_spans();
        for arrow in &self.d.arrows {
            self.arrow(arrow);
        }
        self.rows();
        self.out.push_str("</svg>");
        self.out
    }

    fn highlights(&mut self) {
        for (i, row) in self.d.rows.iter().enumerate() {
            if row.violating {
                let y = self.row_y(i) - ROW_H / 2.0;
                let w = self.width;
                let _ =
                    write!(self.out, r##"<rect x="0" y="{y:.1}" width="{w:.0}" height="{ROW_H}" fill="#fee2e2"/>"##);
            }
        }
    }

    fn heads(&mut self) {
        let bottom = self.bottom();
        let _ = write!(
            self.out,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="end" fill="{MUTED}" font-size="11">sim time</text>"##,
            TIME_W - 10.0,
            HEAD_H - 10.0
        );
        for (lane, name) in self.d.lifelines.iter().enumerate() {
            let x = self.lane_x(lane);
            let _ = write!(
                self.out,
                r##"<line x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{bottom:.1}" stroke="#9ca3af" stroke-dasharray="4 3"/>"##,
                HEAD_H - 8.0
            );
            let _ = write!(
                self.out,
                r##"<rect x="{:.1}" y="8" width="{:.1}" height="24" rx="4" fill="#f3f4f6" stroke="#6b7280"/><text x="{x:.1}" y="24.5" text-anchor="middle" font-weight="bold">{}</text>"##,
                x - LANE_W / 2.0 + 8.0,
                LANE_W - 16.0,
                escape(&clip(name, 14))
            );
        }
        if self.d.omitted_events > 0 {
            let y = HEAD_H + ROW_H * 0.5 + 4.0;
            let _ = write!(
                self.out,
                r##"<text x="{:.1}" y="{y:.1}" fill="{MUTED}" font-style="italic">… {} earlier events not shown</text>"##,
                self.text_x, self.d.omitted_events
            );
        }
    }

    /// A crashed node's lifeline is struck through in red until it restarts.
    fn crashed_spans(&mut self) {
        for lane in 0..self.d.lifelines.len() {
            let mut down_from: Option<f64> = None;
            for (i, row) in self.d.rows.iter().enumerate().filter(|(_, r)| r.lifeline == lane) {
                match row.mark {
                    Mark::Crash => down_from = Some(self.row_y(i)),
                    Mark::Restart => {
                        if let Some(y) = down_from.take() {
                            self.down_span(lane, y, self.row_y(i));
                        }
                    }
                    _ => {}
                }
            }
            if let Some(y) = down_from {
                self.down_span(lane, y, self.bottom());
            }
        }
    }

    fn down_span(&mut self, lane: usize, from: f64, to: f64) {
        let x = self.lane_x(lane);
        let _ = write!(
            self.out,
            r##"<line x1="{x:.1}" y1="{from:.1}" x2="{x:.1}" y2="{to:.1}" stroke="{LOST}" stroke-width="5" stroke-opacity="0.25"/>"##
        );
    }

    fn arrow(&mut self, a: &Arrow) {
        let color = if a.lost.is_some() {
            LOST
        } else if a.kind == ArrowKind::Reply {
            REPLY
        } else {
            REQUEST
        };
        let dash = match (a.kind, a.end_row) {
            (_, None) => r#" stroke-dasharray="2 2""#,
            (ArrowKind::Reply, _) => r#" stroke-dasharray="5 3""#,
            (ArrowKind::Request, _) => "",
        };
        let (x1, x2) = (self.lane_x(a.from), self.lane_x(a.to));
        let y1 = a.start_row.map_or(HEAD_H, |r| self.row_y(r));
        let (mut ex, ey) = match a.end_row {
            Some(r) => (x2, self.row_y(r)),
            // Still in flight when the run ended: a short dotted stub towards its
            // destination, ending in "…".
            None => (x1 + (x2 - x1).clamp(-LANE_W, LANE_W) * 0.35, y1 + ROW_H * 0.8),
        };
        if a.lost.is_some() {
            ex = x1 + (x2 - x1) * 0.7;
        }
        if a.from == a.to {
            let _ = write!(
                self.out,
                r#"<path d="M{x1:.1} {y1:.1} C{:.1} {y1:.1} {:.1} {ey:.1} {ex:.1} {ey:.1}" fill="none" stroke="{color}" stroke-width="1.4"{dash}/>"#,
                x1 + 40.0,
                x1 + 40.0
            );
        } else {
            let _ = write!(
                self.out,
                r#"<line x1="{x1:.1}" y1="{y1:.1}" x2="{ex:.1}" y2="{ey:.1}" stroke="{color}" stroke-width="1.4"{dash}/>"#
            );
        }
        if a.lost.is_some() {
            cross(&mut self.out, ex, ey, LOST);
        } else if a.end_row.is_some() {
            let from = if a.from == a.to { (ex + 40.0, ey) } else { (x1, y1) };
            arrowhead(&mut self.out, from, (ex, ey), color);
        } else {
            let (tx, anchor) = if ex >= x1 { (ex + 2.0, "start") } else { (ex - 2.0, "end") };
            let _ = write!(
                self.out,
                r#"<text x="{tx:.1}" y="{:.1}" text-anchor="{anchor}" fill="{color}">…</text>"#,
                ey + 4.0
            );
        }
        // The label sits near the sender, where arrows from one lifeline fan out.
        let t = if a.from == a.to { 0.0 } else { 0.22 };
        let (lx, ly) = (x1 + (ex - x1) * t, y1 + (ey - y1) * t - 4.0);
        let anchor = if a.from == a.to || ex >= x1 { "start" } else { "end" };
        let _ = write!(
            self.out,
            r##"<text x="{:.1}" y="{ly:.1}" text-anchor="{anchor}" font-size="10" fill="{color}" stroke="#ffffff" stroke-width="3" paint-order="stroke">{}</text>"##,
            if anchor == "start" { lx + 4.0 } else { lx - 4.0 },
            escape(&clip(&a.label, 18))
        );
    }

    fn rows(&mut self) {
        let mut last_time = None;
        for (i, row) in self.d.rows.iter().enumerate() {
            let y = self.row_y(i);
            if last_time != Some(row.time_ms) {
                last_time = Some(row.time_ms);
                let _ = write!(
                    self.out,
                    r##"<text x="{:.1}" y="{:.1}" text-anchor="end" font-family="DejaVu Sans Mono, monospace" fill="#374151">{}</text>"##,
                    TIME_W - 10.0,
                    y + 4.0,
                    seconds(row.time_ms)
                );
            }
            let span = (TIME_W, TIME_W + LANE_W * self.d.lifelines.len() as f64);
            let x = self.lane_x(row.lifeline);
            mark(&mut self.out, row.mark, x, y, span);
            let weight = if row.violating { r#" font-weight="bold""# } else { "" };
            let fill = match row.mark {
                Mark::Crash | Mark::Lost => LOST,
                Mark::Fault | Mark::ClockJump => FAULT,
                Mark::FaultPhaseEnd => MUTED,
                _ => "#111827",
            };
            let _ = write!(
                self.out,
                r##"<text x="{:.1}" y="{:.1}" font-family="DejaVu Sans Mono, monospace" fill="{fill}"{weight}>{}</text>"##,
                self.text_x,
                y + 4.0,
                escape(&clip(&row_text(self.d, row.lifeline, &row.text), TEXT_MAX_CHARS))
            );
        }
        if let Some(outcome) = &self.d.outcome {
            let y = self.row_y(self.d.rows.len()) + 6.0;
            let _ = write!(
                self.out,
                r##"<text x="{:.1}" y="{y:.1}" fill="{LOST}" font-weight="bold">✗ {}</text>"##,
                TIME_W - 10.0,
                escape(&clip(&outcome.text, TEXT_MAX_CHARS))
            );
        }
    }
}

/// A filled arrowhead at `to`, pointing away from `from`.
fn arrowhead(out: &mut String, from: (f64, f64), to: (f64, f64), color: &str) {
    let (dx, dy) = (to.0 - from.0, to.1 - from.1);
    let len = (dx * dx + dy * dy).sqrt().max(1e-6);
    let (ux, uy) = (dx / len, dy / len);
    let (bx, by) = (to.0 - ux * 8.0, to.1 - uy * 8.0);
    let (px, py) = (-uy * 4.0, ux * 4.0);
    let _ = write!(
        out,
        r#"<polygon points="{:.1},{:.1} {:.1},{:.1} {:.1},{:.1}" fill="{color}"/>"#,
        to.0,
        to.1,
        bx + px,
        by + py,
        bx - px,
        by - py
    );
}

/// An X: where a message was lost.
fn cross(out: &mut String, x: f64, y: f64, color: &str) {
    let s = 5.0;
    let _ = write!(
        out,
        r#"<path d="M{:.1} {:.1} L{:.1} {:.1} M{:.1} {:.1} L{:.1} {:.1}" stroke="{color}" stroke-width="2.5"/>"#,
        x - s,
        y - s,
        x + s,
        y + s,
        x - s,
        y + s,
        x + s,
        y - s
    );
}

/// The symbol of `mark` at (`x`, `y`); a fault phase end spans `x_span`.
fn mark(out: &mut String, mark: Mark, x: f64, y: f64, x_span: (f64, f64)) {
    let _ = match mark {
        Mark::Send => write!(out, r#"<circle cx="{x:.1}" cy="{y:.1}" r="3" fill="{REQUEST}"/>"#),
        Mark::Deliver | Mark::Reply => Ok(()),
        Mark::Note => write!(out, r##"<circle cx="{x:.1}" cy="{y:.1}" r="3.5" fill="#ffffff" stroke="#111827"/>"##),
        Mark::Fault => write!(
            out,
            r##"<polygon points="{x:.1},{:.1} {:.1},{y:.1} {x:.1},{:.1} {:.1},{y:.1}" fill="{FAULT}" stroke="#92400e"/>"##,
            y - 7.0,
            x + 7.0,
            y + 7.0,
            x - 7.0
        ),
        Mark::Crash => write!(
            out,
            r##"<rect x="{:.1}" y="{:.1}" width="14" height="14" fill="{LOST}"/><path d="M{:.1} {:.1} L{:.1} {:.1} M{:.1} {:.1} L{:.1} {:.1}" stroke="#ffffff" stroke-width="2"/>"##,
            x - 7.0,
            y - 7.0,
            x - 4.0,
            y - 4.0,
            x + 4.0,
            y + 4.0,
            x - 4.0,
            y + 4.0,
            x + 4.0,
            y - 4.0
        ),
        Mark::Restart => write!(
            out,
            r##"<polygon points="{x:.1},{:.1} {:.1},{:.1} {:.1},{:.1}" fill="#16a34a"/>"##,
            y - 7.0,
            x + 7.0,
            y + 6.0,
            x - 7.0,
            y + 6.0
        ),
        Mark::ClockJump => write!(
            out,
            r##"<circle cx="{x:.1}" cy="{y:.1}" r="6.5" fill="#ffffff" stroke="{FAULT}" stroke-width="2"/><path d="M{x:.1} {:.1} L{x:.1} {y:.1} L{:.1} {y:.1}" stroke="{FAULT}" stroke-width="1.5" fill="none"/>"##,
            y - 4.5,
            x + 3.5
        ),
        Mark::Lost => write!(out, r#"<circle cx="{x:.1}" cy="{y:.1}" r="2.5" fill="{LOST}"/>"#),
        Mark::FaultPhaseEnd => {
            let (x1, x2) = x_span;
            write!(
                out,
                r#"<line x1="{x1:.1}" y1="{y:.1}" x2="{x2:.1}" y2="{y:.1}" stroke="{MUTED}" stroke-width="1.5" stroke-dasharray="8 4"/>"#
            )
        }
    };
}

/// A one-line key to the symbols of every diagram, shown once per page.
pub fn legend() -> String {
    let mut out = String::from(
        r#"<svg class="legend" width="1000" height="26" viewBox="0 0 1000 26" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="12" role="img" aria-label="legend">"#,
    );
    let y = 13.0;
    let mut x = 4.0;
    let label = |out: &mut String, x: &mut f64, text: &str| {
        let _ = write!(out, r##"<text x="{:.1}" y="{:.1}" fill="#374151">{text}</text>"##, *x, y + 4.0);
        *x += CHAR_W * text.chars().count() as f64 + 22.0;
    };
    for (color, dash, text) in [(REQUEST, "", "request"), (REPLY, r#" stroke-dasharray="5 3""#, "reply")] {
        let _ = write!(
            out,
            r#"<line x1="{x:.1}" y1="{y}" x2="{:.1}" y2="{y}" stroke="{color}" stroke-width="1.4"{dash}/>"#,
            x + 30.0
        );
        arrowhead(&mut out, (x, y), (x + 30.0, y), color);
        x += 36.0;
        label(&mut out, &mut x, text);
    }
    let _ =
        write!(out, r#"<line x1="{x:.1}" y1="{y}" x2="{:.1}" y2="{y}" stroke="{LOST}" stroke-width="1.4"/>"#, x + 24.0);
    cross(&mut out, x + 24.0, y, LOST);
    x += 36.0;
    label(&mut out, &mut x, "lost");
    for (m, text) in [
        (Mark::Fault, "fault fires"),
        (Mark::Crash, "crash"),
        (Mark::Restart, "restart"),
        (Mark::ClockJump, "clock jump"),
        (Mark::Note, "model step"),
    ] {
        mark(&mut out, m, x + 8.0, y, (x, x + 16.0));
        x += 22.0;
        label(&mut out, &mut x, text);
    }
    let _ = write!(out, r##"<rect x="{x:.1}" y="3" width="22" height="20" fill="#fee2e2"/>"##);
    x += 28.0;
    label(&mut out, &mut x, "violating step");
    out.push_str("</svg>");
    out
}

/// The text column: the node's name, then what happened.
fn row_text(d: &Diagram, lane: usize, text: &str) -> String {
    let name = d.lifelines.get(lane).map_or("?", String::as_str);
    format!("{name}: {text}")
}

/// Simulated milliseconds as seconds, the way the text timeline prints them.
fn seconds(ms: u64) -> String {
    format!("{}.{:03}s", ms / 1000, ms % 1000)
}

fn clip(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        text.to_string()
    } else {
        let mut s: String = text.chars().take(max_chars.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sequence::{OutcomeMark, Row};

    fn diagram(note: &str) -> Diagram {
        Diagram {
            lifelines: vec!["a<b".into(), "c".into()],
            omitted_events: 3,
            rows: vec![
                Row { time_ms: 1500, lifeline: 0, mark: Mark::Send, text: "-> c GET".into(), violating: false },
                Row { time_ms: 1600, lifeline: 1, mark: Mark::Crash, text: "CRASH".into(), violating: false },
                Row { time_ms: 1600, lifeline: 0, mark: Mark::Note, text: note.into(), violating: true },
            ],
            arrows: vec![Arrow {
                from: 0,
                to: 1,
                label: "GET&\"".into(),
                kind: ArrowKind::Request,
                start_row: Some(0),
                end_row: Some(1),
                lost: Some("destination down".into()),
            }],
            outcome: Some(OutcomeMark { time_ms: 1600, text: "violation of x: 1 < 2".into() }),
        }
    }

    #[test]
    fn text_is_escaped_and_survives() {
        let svg = render(&diagram("a note with <&> inside"));
        assert!(svg.contains("a note with &lt;&amp;&gt; inside"), "{svg}");
        assert!(svg.contains("a&lt;b"));
        assert!(svg.contains("GET&amp;&quot;"));
        assert!(svg.contains("1 &lt; 2"));
        assert!(!svg.contains("<&>"));
    }

    #[test]
    fn the_picture_has_no_references_and_marks_what_happened() {
        let svg = render(&diagram("note"));
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(!svg.contains("http") && !svg.contains("href") && !svg.contains(" id="));
        assert!(svg.contains("3 earlier events"));
        assert!(svg.contains("1.500s") && svg.contains("#fee2e2"), "time on the side, violating row highlighted");
        assert_eq!(svg.matches("1.600s").count(), 1, "a time is printed once per change");
    }
}
