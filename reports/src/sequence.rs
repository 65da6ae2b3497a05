//! A run as a sequence diagram: one lifeline per node, one row per model-level event
//! in trace order, messages as arrows between the row that sent them and the row that
//! received (or lost) them, and the rows of the violating step highlighted.
//!
//! The diagram is data (serialised into the JSON report), so the HTML page and any
//! later renderer draw the same thing. Pairing follows what `sim::net` records: a
//! request is `Send` on the caller, then `Deliver` or `Lost` (recorded on the
//! destination, `to` = destination); its reply leaves the destination at delivery
//! time and ends as `Reply` on the caller or as `Lost` recorded on the destination
//! with `to` = the caller. The trace names no message ids, so a receipt is paired
//! with the oldest open message of the same (from, to, label): FIFO.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sim::{Event, EventKind, NodeId, Outcome, RunResult};

use crate::timeline;

/// Rows a diagram shows by default: the last ones, since the violation is at the end.
pub const MAX_ROWS: usize = 200;

/// A run drawn as lifelines, rows and arrows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagram {
    /// Node names, in node order; only nodes that appear in the shown rows or arrows.
    pub lifelines: Vec<String>,
    /// Model-level events before the first shown row, left out to keep it readable.
    pub omitted_events: u64,
    pub rows: Vec<Row>,
    pub arrows: Vec<Arrow>,
    /// How the run ended, drawn below the last row; `None` for a passing run.
    pub outcome: Option<OutcomeMark>,
}

/// One event on one lifeline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    pub time_ms: u64,
    /// Index into [`Diagram::lifelines`].
    pub lifeline: usize,
    pub mark: Mark,
    /// The event in words, as the text timeline says it.
    pub text: String,
    /// Part of the step that violated the invariant.
    pub violating: bool,
}

/// What a row draws on its lifeline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mark {
    Send,
    Deliver,
    Reply,
    Lost,
    Fault,
    Crash,
    Restart,
    ClockJump,
    FaultPhaseEnd,
    Note,
}

/// A message between two lifelines.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Arrow {
    pub from: usize,
    pub to: usize,
    pub label: String,
    pub kind: ArrowKind,
    /// The row it left from; `None` when that row is among the omitted events.
    pub start_row: Option<usize>,
    /// The row where it arrived or was lost; `None` when it was still in flight.
    pub end_row: Option<usize>,
    /// Why it was lost, if it was.
    pub lost: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ArrowKind {
    Request,
    Reply,
}

/// The violation (or panic, or lack of progress) that ended the run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutcomeMark {
    pub time_ms: u64,
    pub text: String,
}

/// A message in the full trace, by event index.
struct Message {
    from: NodeId,
    to: NodeId,
    label: &'static str,
    kind: ArrowKind,
    start: usize,
    end: Option<usize>,
    lost: Option<&'static str>,
}

impl Diagram {
    /// The diagram of `result`, which should have a full trace, showing its last
    /// [`MAX_ROWS`] events.
    pub fn from_run(result: &RunResult) -> Diagram {
        Diagram::from_run_capped(result, MAX_ROWS)
    }

    /// The diagram of `result` showing at most its last `max_rows` events.
    pub fn from_run_capped(result: &RunResult, max_rows: usize) -> Diagram {
        let events: Vec<&Event> = result.trace.iter().filter(|e| e.kind.is_model_level()).collect();
        let messages = pair_messages(&events);
        let first = events.len().saturating_sub(max_rows);
        let violating = violating_events(&events, &result.outcome);

        let mut nodes: Vec<NodeId> = events[first..].iter().map(|e| e.node).collect();
        let shown_messages: Vec<&Message> =
            messages.iter().filter(|m| m.start >= first || m.end.is_some_and(|e| e >= first)).collect();
        nodes.extend(shown_messages.iter().flat_map(|m| [m.from, m.to]));
        nodes.sort_unstable();
        nodes.dedup();
        let lane: BTreeMap<NodeId, usize> = nodes.iter().enumerate().map(|(i, n)| (*n, i)).collect();
        let lifelines = nodes.iter().map(|n| node_name(result, *n)).collect();

        let rows = events[first..]
            .iter()
            .enumerate()
            .map(|(i, e)| Row {
                time_ms: e.time.as_ms(),
                lifeline: lane[&e.node],
                mark: mark(&e.kind),
                text: timeline::describe(result, e),
                violating: first + i >= violating,
            })
            .collect();
        let row_of = |index: usize| index.checked_sub(first);
        let arrows = shown_messages
            .iter()
            .map(|m| Arrow {
                from: lane[&m.from],
                to: lane[&m.to],
                label: m.label.to_string(),
                kind: m.kind,
                start_row: row_of(m.start),
                end_row: m.end.and_then(row_of),
                lost: m.lost.map(str::to_string),
            })
            .collect();
        Diagram { lifelines, omitted_events: first as u64, rows, arrows, outcome: outcome_mark(&result.outcome) }
    }
}

fn node_name(result: &RunResult, node: NodeId) -> String {
    result.node_names().get(node.0 as usize).cloned().unwrap_or_else(|| node.to_string())
}

fn mark(kind: &EventKind) -> Mark {
    match kind {
        EventKind::Send { .. } => Mark::Send,
        EventKind::Deliver { .. } => Mark::Deliver,
        EventKind::Reply { .. } => Mark::Reply,
        EventKind::Lost { .. } => Mark::Lost,
        EventKind::Crash => Mark::Crash,
        EventKind::Restart => Mark::Restart,
        EventKind::ClockJump { .. } | EventKind::ClockDrift { .. } => Mark::ClockJump,
        EventKind::Pause { .. } => Mark::Crash,
        EventKind::Resume => Mark::Restart,
        EventKind::Fault { .. } => Mark::Fault,
        EventKind::FaultPhaseEnd => Mark::FaultPhaseEnd,
        EventKind::Note { .. } | EventKind::Spawn { .. } | EventKind::Poll => Mark::Note,
    }
}

/// Pairs every send with its receipt, and every delivered request with its reply.
fn pair_messages(events: &[&Event]) -> Vec<Message> {
    let mut messages: Vec<Message> = Vec::new();
    // Open requests by (from, to, label) and open replies by (server, caller, label),
    // each holding indices into `messages`, oldest first.
    let mut requests = Open::new();
    let mut replies = Open::new();
    for (i, e) in events.iter().enumerate() {
        match &e.kind {
            EventKind::Send { to, label } => {
                requests.entry((e.node, *to, label)).or_default().push(messages.len());
                messages.push(Message {
                    from: e.node,
                    to: *to,
                    label,
                    kind: ArrowKind::Request,
                    start: i,
                    end: None,
                    lost: None,
                });
            }
            EventKind::Deliver { from, label } => {
                if let Some(m) = take_oldest(&mut requests, (*from, e.node, label)) {
                    messages[m].end = Some(i);
                }
                // Whether the sender waits for a reply is not traced: a one-way
                // message keeps an open reply that nothing ever closes.
                replies.entry((e.node, *from, label)).or_default().push(messages.len());
                messages.push(Message {
                    from: e.node,
                    to: *from,
                    label,
                    kind: ArrowKind::Reply,
                    start: i,
                    end: None,
                    lost: None,
                });
            }
            EventKind::Reply { to, label } => {
                let open =
                    replies.iter_mut().find(|((_, caller, l), open)| caller == to && l == label && !open.is_empty());
                if let Some((_, open)) = open {
                    let m = open.remove(0);
                    messages[m].end = Some(i);
                }
            }
            EventKind::Lost { to, label, why } => {
                let lost = if *to == e.node {
                    take_oldest_to(&mut requests, *to, label)
                } else {
                    take_oldest(&mut replies, (e.node, *to, label))
                };
                if let Some(m) = lost {
                    messages[m].end = Some(i);
                    messages[m].lost = Some(why);
                }
            }
            _ => {}
        }
    }
    // Replies that never left (one-way messages) are not messages at all.
    messages.retain(|m| m.kind == ArrowKind::Request || m.end.is_some());
    messages
}

/// Open messages by (from, to, label), each queue oldest first.
type Open<'a> = BTreeMap<(NodeId, NodeId, &'a str), Vec<usize>>;

fn take_oldest<'a>(open: &mut Open<'a>, key: (NodeId, NodeId, &'a str)) -> Option<usize> {
    let queue = open.get_mut(&key).filter(|q| !q.is_empty())?;
    Some(queue.remove(0))
}

/// A lost request is recorded on its destination without its sender: the oldest open
/// request to that destination with that label, from any sender.
fn take_oldest_to(open: &mut Open<'_>, to: NodeId, label: &str) -> Option<usize> {
    let oldest = open
        .iter()
        .filter(|((_, t, l), q)| *t == to && *l == label && !q.is_empty())
        .min_by_key(|(_, q)| q[0])
        .map(|(k, _)| *k)?;
    take_oldest(open, oldest)
}

/// The index of the first event of the violating step: the trailing events at the
/// time the violation was found (safety is checked right after the step that broke
/// it). `events.len()` when nothing is highlighted.
fn violating_events(events: &[&Event], outcome: &Outcome) -> usize {
    let time = match outcome {
        Outcome::Pass => return events.len(),
        Outcome::Violation(v) => v.time,
        Outcome::Panic { time, .. } | Outcome::NoProgress { time, .. } => *time,
    };
    let trailing = events.iter().rev().take_while(|e| e.time == time).count();
    events.len() - trailing
}

fn outcome_mark(outcome: &Outcome) -> Option<OutcomeMark> {
    let time = match outcome {
        Outcome::Pass => return None,
        Outcome::Violation(v) => v.time,
        Outcome::Panic { time, .. } | Outcome::NoProgress { time, .. } => *time,
    };
    Some(OutcomeMark { time_ms: time.as_ms(), text: timeline::outcome_line(outcome) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim::{ChoiceSource, SimTime, TaskId};

    fn event(time: u64, node: u32, kind: EventKind) -> Event {
        Event { time: SimTime(time), node: NodeId(node), task: None::<TaskId>, kind }
    }

    fn result(trace: Vec<Event>, outcome: Outcome) -> RunResult {
        let mut r = sim::run(ChoiceSource::Seed(0), &sim::RunConfig::default(), |_| (), &[] as &[sim::Invariant<()>]);
        r.trace = trace;
        r.outcome = outcome;
        r.tape.actors = vec!["sim".into(), "kv".into(), "c1".into(), "c2".into()];
        r
    }

    #[test]
    fn requests_and_replies_pair_first_in_first_out() {
        let (kv, c2) = (NodeId(1), NodeId(3));
        let trace = vec![
            event(0, 2, EventKind::Send { to: kv, label: "GET" }),
            event(0, 3, EventKind::Send { to: kv, label: "GET" }),
            event(5, 1, EventKind::Deliver { from: c2, label: "GET" }),
            event(7, 1, EventKind::Lost { to: kv, label: "GET", why: "request lost" }),
            event(9, 1, EventKind::Lost { to: c2, label: "GET", why: "reply lost" }),
            event(9, 2, EventKind::Note { text: "gives up".into() }),
        ];
        let d = Diagram::from_run(&result(trace, Outcome::Pass));
        assert_eq!(d.lifelines, ["kv", "c1", "c2"]);
        let summary: Vec<_> =
            d.arrows.iter().map(|a| (a.from, a.to, a.kind, a.start_row, a.end_row, a.lost.as_deref())).collect();
        assert_eq!(
            summary,
            [
                (1, 0, ArrowKind::Request, Some(0), Some(3), Some("request lost")),
                (2, 0, ArrowKind::Request, Some(1), Some(2), None),
                (0, 2, ArrowKind::Reply, Some(2), Some(4), Some("reply lost")),
            ]
        );
        assert!(d.rows.iter().all(|r| !r.violating));
    }

    #[test]
    fn a_capped_diagram_keeps_the_last_rows_and_arrows_into_them() {
        let (kv, c1) = (NodeId(1), NodeId(2));
        let mut trace = vec![event(0, 2, EventKind::Send { to: kv, label: "SET" })];
        trace.extend((1..10).map(|t| event(t, 3, EventKind::Note { text: format!("step {t}") })));
        trace.push(event(20, 1, EventKind::Deliver { from: c1, label: "SET" }));
        trace.push(event(30, 2, EventKind::Note { text: "done".into() }));
        let violation = sim::Violation {
            invariant: "x",
            kind: sim::InvariantKind::Safety,
            message: "broken".into(),
            step: 3,
            time: SimTime(30),
        };
        let d = Diagram::from_run_capped(&result(trace, Outcome::Violation(violation)), 3);
        assert_eq!(d.omitted_events, 9);
        assert_eq!(d.rows.len(), 3);
        assert_eq!(d.arrows.len(), 1, "the SET request; a reply that never left is not drawn");
        assert_eq!(d.arrows[0].start_row, None);
        assert_eq!(d.arrows[0].end_row, Some(1));
        let violating: Vec<bool> = d.rows.iter().map(|r| r.violating).collect();
        assert_eq!(violating, [false, false, true]);
        assert!(d.outcome.expect("a violation").text.contains("broken"));
    }
}
