//! The trace: every step of a run as a structured event, and a hash that summarises
//! them. Two runs are the same run exactly when their trace hashes match.
//!
//! Campaigns keep only the hash (cheap); `repro` and failure reports keep every event.
//! Model notes and faults are also emitted through `tracing`, stamped with simulated
//! time, so `RUST_LOG=lockstep=debug` shows a run as it happens.

use serde::Serialize;
use xxhash_rust::xxh3::Xxh3;

use crate::executor::TaskId;
use crate::node::NodeId;
use crate::time::SimTime;

/// Whether a trace keeps its events or only their hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TraceMode {
    HashOnly,
    Full,
}

/// What happened in one step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum EventKind {
    /// A task was created.
    Spawn { name: &'static str },
    /// A task was polled.
    Poll,
    /// Time jumped to the next timer; `fired` timers became due together.
    Advance { fired: u32 },
    /// A request or message left `from` for `to`.
    Send { to: NodeId, label: &'static str },
    /// A request or message was applied at its destination.
    Deliver { from: NodeId, label: &'static str },
    /// A reply reached its caller.
    Reply { to: NodeId, label: &'static str },
    /// A message was dropped: destination down, partitioned, or a loss fault.
    Lost { to: NodeId, label: &'static str, why: &'static str },
    /// The node crashed: its tasks are gone and its volatile state is lost.
    Crash,
    /// The node came back.
    Restart,
    /// The node's clock jumped by `delta_ms`.
    ClockJump { delta_ms: i64 },
    /// A fault point fired.
    Fault { point: &'static str },
    /// The fault phase ended; from here on only liveness is at stake.
    FaultPhaseEnd,
    /// A model-level step, in the model's own words.
    Note { text: String },
}

impl EventKind {
    /// Whether a timeline for people shows this event. Polls, spawns and time
    /// advances are hashed but are noise to a reader.
    pub fn is_model_level(&self) -> bool {
        !matches!(self, EventKind::Spawn { .. } | EventKind::Poll | EventKind::Advance { .. })
    }
}

/// One step of a run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Event {
    pub time: SimTime,
    pub node: NodeId,
    pub task: Option<TaskId>,
    #[serde(flatten)]
    pub kind: EventKind,
}

/// The events of one run and their running hash.
pub struct Trace {
    mode: TraceMode,
    hasher: Xxh3,
    events: Vec<Event>,
    count: u64,
}

impl Trace {
    pub fn new(mode: TraceMode) -> Trace {
        Trace { mode, hasher: Xxh3::new(), events: Vec::new(), count: 0 }
    }

    pub(crate) fn record(&mut self, event: Event) {
        self.hash_event(&event);
        self.count += 1;
        if let EventKind::Note { text } = &event.kind {
            tracing::debug!(target: "lockstep::trace", sim_ms = event.time.as_ms(), node = event.node.0, "{text}");
        }
        if self.mode == TraceMode::Full {
            self.events.push(event);
        }
    }

    fn hash_event(&mut self, e: &Event) {
        let h = &mut self.hasher;
        h.update(&e.time.as_ms().to_le_bytes());
        h.update(&e.node.0.to_le_bytes());
        h.update(&e.task.map_or(u64::MAX, TaskId::to_bits).to_le_bytes());
        match &e.kind {
            EventKind::Spawn { name } => hash_tagged(h, 0, name.as_bytes()),
            EventKind::Poll => h.update(&[1]),
            EventKind::Advance { fired } => hash_tagged(h, 2, &fired.to_le_bytes()),
            EventKind::Send { to, label } => hash_msg(h, 3, *to, label),
            EventKind::Deliver { from, label } => hash_msg(h, 4, *from, label),
            EventKind::Reply { to, label } => hash_msg(h, 5, *to, label),
            EventKind::Lost { to, label, why } => {
                hash_msg(h, 6, *to, label);
                h.update(why.as_bytes());
            }
            EventKind::Crash => h.update(&[7]),
            EventKind::Restart => h.update(&[8]),
            EventKind::ClockJump { delta_ms } => hash_tagged(h, 9, &delta_ms.to_le_bytes()),
            EventKind::Fault { point } => hash_tagged(h, 10, point.as_bytes()),
            EventKind::FaultPhaseEnd => h.update(&[11]),
            EventKind::Note { text } => hash_tagged(h, 12, text.as_bytes()),
        }
    }

    /// The hash of every event so far.
    pub fn hash(&self) -> u64 {
        self.hasher.digest()
    }

    /// How many events were recorded (in either mode).
    pub fn len(&self) -> u64 {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The recorded events; empty in [`TraceMode::HashOnly`].
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    pub fn into_events(self) -> Vec<Event> {
        self.events
    }
}

fn hash_tagged(h: &mut Xxh3, tag: u8, bytes: &[u8]) {
    h.update(&[tag]);
    h.update(bytes);
}

fn hash_msg(h: &mut Xxh3, tag: u8, peer: NodeId, label: &str) {
    h.update(&[tag]);
    h.update(&peer.0.to_le_bytes());
    h.update(label.as_bytes());
}
