//! The trace: every step of a run as a structured event, and a hash that summarises
//! them. Two runs are the same run exactly when their trace hashes match.
//!
//! Campaigns keep only the hash (cheap); `repro` and failure reports keep every event.
//! Model notes are also emitted through `tracing`, stamped with simulated
//! time, so `RUST_LOG=lockstep=debug` shows a run as it happens.

use std::cell::Cell;

use serde::Serialize;
use xxhash_rust::xxh3::xxh3_64;

use crate::executor::TaskId;
use crate::node::NodeId;
use crate::time::SimTime;

/// Whether a trace keeps its events or only their hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TraceMode {
    HashOnly,
    Full,
}

/// A note's text for [`Trace::record_note`]: built, or only its xxh3 (a hash-only
/// run), formatted before the trace is borrowed so that a `Display` that records
/// cannot find the trace borrowed.
pub(crate) enum NoteText {
    Text(String),
    Hash(u64),
}

/// What happened in one step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum EventKind {
    /// A task was created.
    Spawn { name: &'static str },
    /// A task was polled.
    Poll,
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
    /// A fault point fired. `object` names what it hit (which message, between
    /// which nodes, how long) or is empty; it describes decisions the tape and the
    /// events around it already pin down, so it is not hashed: describing a fault
    /// better never changes the identity of a recorded run.
    Fault { point: &'static str, object: String },
    /// The node stopped being scheduled for `for_ms` (a process pause).
    Pause { for_ms: u64 },
    /// A paused node runs again.
    Resume,
    /// The node's clock runs `ppm` parts per million fast (negative: slow) for the
    /// next `for_ms`; a rate of 0 ends a drift.
    ClockDrift { ppm: i64, for_ms: u64 },
    /// The fault phase ended; from here on only liveness is at stake.
    FaultPhaseEnd,
    /// A model-level step, in the model's own words.
    Note { text: String },
}

impl EventKind {
    /// Whether a timeline for people shows this event. Polls and spawns are hashed
    /// (they pin down the schedule) but are noise to a reader. Time advances are not
    /// events: every event carries its time.
    pub fn is_model_level(&self) -> bool {
        !matches!(self, EventKind::Spawn { .. } | EventKind::Poll)
    }

    /// Whether the event is a step of the model's schedule as a bug report lists one:
    /// a decision an actor notes ("acquires the lock", "parks"), a fault, a crash or
    /// restart, a clock jump. Messages are the plumbing of those steps; counting them
    /// would make the measure depend on how many hops an operation takes.
    pub fn is_model_step(&self) -> bool {
        matches!(
            self,
            EventKind::Note { .. }
                | EventKind::Fault { .. }
                | EventKind::Crash
                | EventKind::Restart
                | EventKind::ClockJump { .. }
                | EventKind::Pause { .. }
                | EventKind::Resume
                | EventKind::ClockDrift { .. }
        )
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
    hash: u64,
    events: Vec<Event>,
    count: u64,
    model_steps: u64,
    /// The workload as the model describes it; derived from the tape, so not hashed.
    workload: Vec<String>,
}

impl Trace {
    pub fn new(mode: TraceMode) -> Trace {
        Trace { mode, hash: SEED, events: Vec::new(), count: 0, model_steps: 0, workload: Vec::new() }
    }

    /// Folds one event into the hash; keeps it only in [`TraceMode::Full`]. Takes the
    /// event in parts so that a hash-only run never builds (and moves) an [`Event`].
    #[inline]
    pub(crate) fn record(&mut self, time: SimTime, node: NodeId, task: Option<TaskId>, kind: EventKind) {
        self.hash = fold(self.hash, event_hash(time, node, task, &kind));
        self.count += 1;
        // Most events are polls and messages of a hash-only trace: nothing more to do.
        if kind.is_model_step() || self.mode == TraceMode::Full {
            self.record_rest(time, node, task, kind);
        }
    }

    /// [`Trace::record`] of an [`EventKind::Poll`], a run's most frequent event: the
    /// same hash ([`event_hash`] with the poll's tag and no payload), without building
    /// or matching an event. `tests::a_poll_records_as_record_does` checks both agree.
    #[inline(always)]
    pub(crate) fn record_poll(&mut self, time: SimTime, node: NodeId, task: TaskId) {
        if self.mode == TraceMode::Full {
            return self.record(time, node, Some(task), EventKind::Poll);
        }
        let h = fold(fold(time.as_ms(), u64::from(node.0)), task.to_bits());
        self.hash = fold(self.hash, fold(fold(fold(h, POLL_TAG), 0), 0));
        self.count += 1;
    }

    /// [`Trace::record`] of a message event (`what` says which kind, `peer` is its
    /// `to` or `from`): the same hash, without building or matching an event.
    /// `tests::a_message_records_as_record_does` checks both agree.
    #[inline(always)]
    pub(crate) fn record_message(
        &mut self,
        time: SimTime,
        node: NodeId,
        task: Option<TaskId>,
        what: Message,
        peer: NodeId,
        label: &'static str,
    ) {
        if self.mode == TraceMode::Full {
            return self.record(time, node, task, what.event(peer, label));
        }
        let h = fold(fold(time.as_ms(), u64::from(node.0)), task.map_or(u64::MAX, TaskId::to_bits));
        self.hash = fold(self.hash, fold(fold(fold(h, what as u64), u64::from(peer.0)), label_text(label)));
        self.count += 1;
    }

    /// What [`Trace::record`] does besides hashing, out of its hot path: counts a
    /// model step, shows a note through `tracing`, keeps the event.
    #[cold]
    #[inline(never)]
    fn record_rest(&mut self, time: SimTime, node: NodeId, task: Option<TaskId>, kind: EventKind) {
        self.model_steps += u64::from(kind.is_model_step());
        if let EventKind::Note { text } = &kind {
            tracing::debug!(target: "lockstep::trace", sim_ms = time.as_ms(), node = node.0, "{text}");
        }
        if self.mode == TraceMode::Full {
            self.events.push(Event { time, node, task, kind });
        }
    }

    /// Records a [`EventKind::Note`] whose text is `text` formatted, with the hash
    /// [`Trace::record`] gives it; builds the text only if this trace keeps events or
    /// `tracing` shows notes, and otherwise streams it into the hash (see `note.rs`).
    /// The prefix of the event's word is [`event_hash`]'s, written out so the common
    /// path never allocates: `note::tests` checks that both give the same hash.
    pub(crate) fn record_note(&mut self, time: SimTime, node: NodeId, task: Option<TaskId>, text: NoteText) {
        let text_hash = match text {
            NoteText::Text(text) => return self.record(time, node, task, EventKind::Note { text }),
            NoteText::Hash(hash) => hash,
        };
        let mut h = fold(time.as_ms(), u64::from(node.0));
        h = fold(h, task.map_or(u64::MAX, TaskId::to_bits));
        self.hash = fold(self.hash, fold(fold(fold(h, 12), text_hash), 0));
        self.count += 1;
        self.model_steps += 1;
    }

    /// Whether a note's text must be built (the trace keeps events, or `tracing`
    /// shows notes) rather than only hashed.
    pub(crate) fn wants_note_text(&self) -> bool {
        self.mode == TraceMode::Full || tracing::enabled!(target: "lockstep::trace", tracing::Level::DEBUG)
    }

    /// The hash of every event so far.
    pub fn hash(&self) -> u64 {
        self.hash
    }

    /// How many events were recorded (in either mode).
    pub fn len(&self) -> u64 {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Whether this trace keeps its events ([`TraceMode::Full`]), so that what only
    /// describes an event (a fault's object) is worth formatting.
    pub(crate) fn keeps_events(&self) -> bool {
        self.mode == TraceMode::Full
    }

    /// How many recorded events were model steps ([`EventKind::is_model_step`]).
    pub fn model_steps(&self) -> u64 {
        self.model_steps
    }

    pub(crate) fn describe_workload(&mut self, line: String) {
        self.workload.push(line);
    }

    pub fn workload(&self) -> &[String] {
        &self.workload
    }

    /// The workload lines, moved out (a run's result takes them without a copy).
    pub fn take_workload(&mut self) -> Vec<String> {
        std::mem::take(&mut self.workload)
    }

    /// The recorded events; empty in [`TraceMode::HashOnly`].
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    pub fn into_events(self) -> Vec<Event> {
        self.events
    }
}

const SEED: u64 = 0x6c6f_636b_7374_6570; // "lockstep"

/// Folds one word into the running hash (a multiply-xorshift mix, as in wyhash): a
/// fixed, documented function, so trace hashes are stable across platforms and
/// releases of every dependency.
#[inline]
fn fold(state: u64, word: u64) -> u64 {
    let m = u128::from(state ^ word) * 0x9e37_79b9_7f4a_7c15u128;
    (m as u64) ^ ((m >> 64) as u64)
}

fn text(bytes: &str) -> u64 {
    xxh3_64(bytes.as_bytes())
}

/// Sets of the label-hash cache (a power of two). A run meets a dozen labels; with
/// 32 sets, three hot labels sharing one set still happened from one build to the
/// next (+3% on demo/lock), so there are far more sets than labels.
const LABEL_SETS: usize = 256;

/// A label's address, length and [`text`] hash.
type LabelSlot = (usize, usize, u64);

thread_local! {
    /// The [`text`] hash of `&'static str` labels (message labels, task names, fault
    /// points), remembered by the string's address and length: a static string's
    /// bytes never change, so one address and length always hash the same, and a hit
    /// gives exactly the hash [`text`] computes. Two ways a set (the set's two slots
    /// side by side): with one, two hot labels whose addresses fell on the same slot
    /// evicted each other on every message, and where statics land moves with any
    /// change to the binary, so a run's cost jumped by a fraction of a percent at
    /// random from build to build. Address 0 holds no `&str`, so it marks an empty
    /// slot. Per thread rather than per trace: it outlives runs, and keeps the kernel
    /// small.
    static LABEL_HASHES: [Cell<LabelSlot>; 2 * LABEL_SETS] =
        const { [const { Cell::new((0, 0, 0)) }; 2 * LABEL_SETS] };
}

/// [`text`] of a static label, through [`LABEL_HASHES`]: both ways of its set are
/// looked at inline, only a miss is out of line.
#[inline]
pub(crate) fn label_text(label: &'static str) -> u64 {
    let set = label_set(label);
    let (address, len) = (label.as_ptr() as usize, label.len());
    let ((a0, l0, h0), (a1, l1, h1)) = LABEL_HASHES.with(|slots| (slots[2 * set].get(), slots[2 * set + 1].get()));
    if a0 == address && l0 == len {
        return h0;
    }
    if a1 == address && l1 == len {
        return h1;
    }
    label_text_miss(label, set)
}

/// The set of [`LABEL_HASHES`] that holds `label`.
#[inline]
fn label_set(label: &'static str) -> usize {
    ((label.as_ptr() as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - LABEL_SETS.trailing_zeros())) as usize
}

/// [`label_text`] of a label its set does not hold: hashed, it takes the first way,
/// and the first way's label moves to the second.
#[cold]
#[inline(never)]
fn label_text_miss(label: &'static str, set: usize) -> u64 {
    let hash = text(label);
    LABEL_HASHES.with(|slots| {
        let (first, second) = (&slots[2 * set], &slots[2 * set + 1]);
        second.set(first.get());
        first.set((label.as_ptr() as usize, label.len(), hash));
    });
    hash
}

/// A message event, for [`Trace::record_message`]; its value is its tag in
/// [`event_hash`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Message {
    Send = 3,
    Deliver = 4,
    Reply = 5,
}

impl Message {
    /// The event this message is, with its peer (`to` or `from`) and label.
    fn event(self, peer: NodeId, label: &'static str) -> EventKind {
        match self {
            Message::Send => EventKind::Send { to: peer, label },
            Message::Deliver => EventKind::Deliver { from: peer, label },
            Message::Reply => EventKind::Reply { to: peer, label },
        }
    }
}

/// The tag of [`EventKind::Poll`] in [`event_hash`].
const POLL_TAG: u64 = 1;

/// One word per event: its time, node, task and what happened.
#[inline]
fn event_hash(time: SimTime, node: NodeId, task: Option<TaskId>, kind: &EventKind) -> u64 {
    let mut h = fold(time.as_ms(), u64::from(node.0));
    h = fold(h, task.map_or(u64::MAX, TaskId::to_bits));
    let text = |label: &&'static str| label_text(label);
    let (tag, a, b): (u64, u64, u64) = match kind {
        EventKind::Spawn { name } => (0, text(name), 0),
        EventKind::Poll => (POLL_TAG, 0, 0),
        EventKind::Send { to, label } => (Message::Send as u64, u64::from(to.0), text(label)),
        EventKind::Deliver { from, label } => (Message::Deliver as u64, u64::from(from.0), text(label)),
        EventKind::Reply { to, label } => (Message::Reply as u64, u64::from(to.0), text(label)),
        EventKind::Lost { to, label, why } => (6, u64::from(to.0), fold(text(label), text(why))),
        EventKind::Crash => (7, 0, 0),
        EventKind::Restart => (8, 0, 0),
        EventKind::ClockJump { delta_ms } => (9, *delta_ms as u64, 0),
        EventKind::Fault { point, .. } => (10, text(point), 0),
        EventKind::FaultPhaseEnd => (11, 0, 0),
        EventKind::Note { text: t } => (12, self::text(t), 0),
        EventKind::Pause { for_ms } => (13, *for_ms, 0),
        EventKind::Resume => (14, 0, 0),
        EventKind::ClockDrift { ppm, for_ms } => (15, *ppm as u64, *for_ms),
    };
    fold(fold(fold(h, tag), a), b)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `record_poll` folds exactly what `record` folds for a poll, in both modes.
    #[test]
    fn a_poll_records_as_record_does() {
        for mode in [TraceMode::HashOnly, TraceMode::Full] {
            let (mut fast, mut general) = (Trace::new(mode), Trace::new(mode));
            for i in 0..50u32 {
                let (time, node) = (SimTime(u64::from(i) * 37), NodeId(i % 5));
                let task = TaskId { slot: i % 7, generation: i / 3 };
                fast.record_poll(time, node, task);
                general.record(time, node, Some(task), EventKind::Poll);
                assert_eq!(fast.hash(), general.hash(), "{mode:?} {i}");
            }
            assert_eq!(fast.len(), general.len());
            assert_eq!(fast.events.len(), general.events.len());
        }
    }

    /// `record_message` folds exactly what `record` folds for each message kind, in
    /// both modes.
    #[test]
    fn a_message_records_as_record_does() {
        for mode in [TraceMode::HashOnly, TraceMode::Full] {
            let (mut fast, mut general) = (Trace::new(mode), Trace::new(mode));
            for i in 0..60u32 {
                let (time, node, peer) = (SimTime(u64::from(i) * 11), NodeId(i % 4), NodeId(i % 3));
                let task = (i % 5 != 0).then_some(TaskId { slot: i % 7, generation: i / 2 });
                let label = ["GET", "SET NX", "reply"][(i % 3) as usize];
                let what = [Message::Send, Message::Deliver, Message::Reply][(i % 3) as usize];
                fast.record_message(time, node, task, what, peer, label);
                general.record(time, node, task, what.event(peer, label));
                assert_eq!(fast.hash(), general.hash(), "{mode:?} {i}");
            }
            assert_eq!(fast.len(), general.len());
            assert_eq!(fast.events, general.events);
        }
    }

    /// A cached label hash is the hash of its text: for labels sharing an address
    /// (prefixes of one string), for more labels than slots, and when asked again.
    #[test]
    fn a_label_hashes_as_its_text_whatever_the_cache_holds() {
        let whole: &'static str = "net.request.lost";
        let leaked: Vec<&'static str> =
            (0..6 * LABEL_SETS).map(|i| &*Box::leak(format!("label {i}").into_boxed_str())).collect();
        for _ in 0..2 {
            for len in 0..=whole.len() {
                assert_eq!(label_text(&whole[..len]), text(&whole[..len]), "{len}");
            }
            for &label in &leaked {
                assert_eq!(label_text(label), text(label), "{label}");
            }
        }
    }
}
