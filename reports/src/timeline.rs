//! The text timeline of a run: one line per model-level event (messages, faults,
//! crashes, the model's own notes), stamped with simulated time and the node it
//! happened on. The same run prints the same bytes, always.

use std::fmt::Write;

use sim::{Event, EventKind, NodeId, Outcome, RunResult};

/// Formats the model-level events of `result`, or only the last `tail` of them.
pub fn render(result: &RunResult, tail: Option<usize>) -> String {
    render_filtered(result, tail, EventKind::is_model_level)
}

/// Formats only the model steps of `result` (decisions, faults, crashes: what a bug
/// report's schedule lists), or the last `tail` of them: the shape of a shrunk
/// counterexample without the messages that carry it.
pub fn render_steps(result: &RunResult, tail: Option<usize>) -> String {
    render_filtered(result, tail, EventKind::is_model_step)
}

fn render_filtered(result: &RunResult, tail: Option<usize>, keep: fn(&EventKind) -> bool) -> String {
    let events: Vec<&Event> = result.trace.iter().filter(|e| keep(&e.kind)).collect();
    let skip = tail.map_or(0, |n| events.len().saturating_sub(n));
    let width = result.node_names().iter().map(String::len).max().unwrap_or(4).max(4);
    let mut out = String::new();
    if skip > 0 {
        let _ = writeln!(out, "  … {skip} earlier events");
    }
    for e in &events[skip..] {
        let node = name(result, e.node);
        let _ = writeln!(out, "  {:>10}  {node:<width$}  {}", e.time.to_string(), describe(result, e));
    }
    out
}

fn name(result: &RunResult, node: NodeId) -> &str {
    result.node_names().get(node.0 as usize).map_or("?", String::as_str)
}

/// One event in words, without its time and node.
pub(crate) fn describe(result: &RunResult, e: &Event) -> String {
    match &e.kind {
        EventKind::Send { to, label } => format!("-> {} {label}", name(result, *to)),
        EventKind::Deliver { from, label } => format!("receives {label} from {}", name(result, *from)),
        EventKind::Reply { label, .. } => format!("<- reply to {label}"),
        EventKind::Lost { to, label, why } => format!("x {label} for {} lost: {why}", name(result, *to)),
        EventKind::Crash => "CRASH: tasks dropped, volatile state lost".to_string(),
        EventKind::Restart => "restarts".to_string(),
        EventKind::ClockJump { delta_ms } => format!("clock jumps {delta_ms:+} ms"),
        EventKind::Fault { point, object } if object.is_empty() => format!("fault {point} fires"),
        EventKind::Fault { point, object } => format!("fault {point} fires: {object}"),
        EventKind::Pause { for_ms } => format!("PAUSE: stops for {for_ms} ms, memory intact"),
        EventKind::Resume => "resumes after its pause".to_string(),
        EventKind::ClockDrift { ppm: 0, .. } => "clock drift ends".to_string(),
        EventKind::ClockDrift { ppm, for_ms } => format!("clock runs {ppm:+} ppm for {for_ms} ms"),
        EventKind::FaultPhaseEnd => "fault phase ends; liveness must now be reached".to_string(),
        EventKind::Note { text } => text.clone(),
        EventKind::Spawn { name } => format!("spawns {name}"),
        EventKind::Poll => "polled".to_string(),
    }
}

/// One line saying how the run ended.
pub fn outcome_line(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Pass => "pass".to_string(),
        Outcome::Violation(v) => {
            format!("violation of {} ({}) at step {}, t={}: {}", v.invariant, v.kind, v.step, v.time, v.message)
        }
        Outcome::Panic { message, step, time } => format!("panic in model code at step {step}, t={time}: {message}"),
        Outcome::NoProgress { reason, step, time } => format!("no progress at step {step}, t={time}: {reason}"),
    }
}
