//! Drives one run to its outcome: a fault phase in which safety invariants are checked
//! after every step, then a quiet phase at whose deadline liveness invariants must
//! hold (TigerBeetle's VOPR: faults stop, then the system must reach its goals).
//!
//! Safety checks are incremental: an invariant that declares what it reads
//! ([`Invariant::reads`]) is skipped after a step that left its reads as they were at
//! its last passing check ([`crate::tracked`] says why that is exact);
//! [`RunConfig::check_everything`] checks every invariant after every step instead.
//!
//! A panic in model code is caught and reported as an outcome with the run's tape;
//! it never takes the harness down.

use std::cell::{Cell, RefCell};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Once;

use serde::Serialize;

use crate::align::Fit;
use crate::choices::{ChoiceSource, Ratio};
use crate::executor::{Sim, Step};
use crate::fault::{FaultCounts, FaultFilter};
use crate::goal::GoalHit;
use crate::tape::Tape;
use crate::time::SimTime;
use crate::trace::{Event, TraceMode};
use crate::tracked::{writes_on_this_thread, Reads};

/// Safety holds after every step; liveness holds by the end of the quiet phase.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InvariantKind {
    Safety,
    Liveness,
}

impl std::fmt::Display for InvariantKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            InvariantKind::Safety => "safety",
            InvariantKind::Liveness => "liveness",
        })
    }
}

/// A named predicate over a model's world `W`. The name is its key in every report.
pub struct Invariant<W> {
    pub name: &'static str,
    pub kind: InvariantKind,
    pub doc: &'static str,
    /// `Err` says what is wrong, in a sentence a reader of the timeline understands.
    pub check: fn(&W, &Sim) -> Result<(), String>,
    /// The parts of the model's footprint (see [`run_with_footprint`]) `check` reads,
    /// bit `i` for part `i`: the runner re-checks it only after a step that changed
    /// one of them. `0` checks after every step.
    pub reads: u64,
}

impl<W> Invariant<W> {
    /// An invariant checked after every step.
    pub const fn new(
        name: &'static str,
        kind: InvariantKind,
        doc: &'static str,
        check: fn(&W, &Sim) -> Result<(), String>,
    ) -> Invariant<W> {
        Invariant { name, kind, doc, check, reads: 0 }
    }

    /// This invariant, re-checked only after steps that change a footprint part in
    /// `parts` (a bit mask).
    pub const fn reading(self, parts: u64) -> Invariant<W> {
        Invariant { reads: parts, ..self }
    }
}

/// The phases and bounds of a run.
#[derive(Clone, Debug)]
pub struct RunConfig {
    /// How long faults may fire, in simulated milliseconds.
    pub fault_phase_ms: u64,
    /// How long after the fault phase the liveness invariants have to hold.
    pub liveness_deadline_ms: u64,
    /// Polls after which a run counts as making no progress (a livelock).
    pub step_limit: u64,
    pub trace: TraceMode,
    /// Check only the invariant of this name (a bug hunt or a shrink that targets one
    /// invariant); `None` checks them all.
    pub focus: Option<&'static str>,
    /// The fault points this run may use (`--faults`); empty allows every one.
    pub fault_filter: FaultFilter,
    /// Check every safety invariant after every step, ignoring [`Invariant::reads`]:
    /// the reference the incremental checks are compared with.
    pub check_everything: bool,
}

impl Default for RunConfig {
    fn default() -> RunConfig {
        RunConfig {
            fault_phase_ms: 600_000,
            liveness_deadline_ms: 600_000,
            step_limit: 200_000,
            trace: TraceMode::HashOnly,
            focus: None,
            fault_filter: FaultFilter::default(),
            check_everything: false,
        }
    }
}

/// An invariant that did not hold.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Violation {
    pub invariant: &'static str,
    pub kind: InvariantKind,
    pub message: String,
    pub step: u64,
    pub time: SimTime,
}

/// How a run ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    Pass,
    Violation(Violation),
    /// Model code panicked: a bug in the model or the harness, reported with its seed.
    Panic {
        message: String,
        step: u64,
        time: SimTime,
    },
    /// The step limit was reached: a livelock, or a workload too large for the limit.
    NoProgress {
        reason: String,
        step: u64,
        time: SimTime,
    },
}

impl Outcome {
    pub fn is_pass(&self) -> bool {
        matches!(self, Outcome::Pass)
    }

    /// The key a report files this outcome under: the invariant's name, `panic` or
    /// `no-progress`.
    pub fn key(&self) -> Option<&'static str> {
        match self {
            Outcome::Pass => None,
            Outcome::Violation(v) => Some(v.invariant),
            Outcome::Panic { .. } => Some("panic"),
            Outcome::NoProgress { .. } => Some("no-progress"),
        }
    }
}

/// Everything a run leaves behind.
#[derive(Clone, Debug)]
pub struct RunResult {
    pub outcome: Outcome,
    pub tape: Tape,
    pub trace_hash: u64,
    /// Tasks polled.
    pub steps: u64,
    /// Events recorded (polls, messages, faults, notes).
    pub events: u64,
    /// Events that are steps of the model's schedule ([`crate::EventKind::is_model_step`]).
    pub model_steps: u64,
    /// The workload the setup drew, as the model describes it.
    pub workload: Vec<String>,
    pub end_time: SimTime,
    pub fault_profile: Vec<(&'static str, Ratio)>,
    pub fault_counts: FaultCounts,
    /// For a replay of a labelled tape, how well the tape fitted the run.
    pub fit: Option<Fit>,
    /// The full trace; empty unless the run used [`TraceMode::Full`].
    pub trace: Vec<Event>,
    /// The `sometimes` goals the run reached, in the order first reached.
    pub goals: Vec<GoalHit>,
    /// `(tape position, state hash)` each time time advanced, if the model offered a
    /// state hasher ([`Sim::set_state_hasher`]); empty otherwise.
    pub state_hashes: Vec<(u32, u64)>,
}

impl RunResult {
    /// The name of each node, by number: the tape's actors (the run moved them there).
    pub fn node_names(&self) -> &[String] {
        &self.tape.actors
    }
}

/// Runs one simulation: `setup` builds the world (nodes, tasks, fault profile) from
/// the choices, then the run proceeds until its deadline or until nothing can happen.
pub fn run<W>(
    source: ChoiceSource,
    config: &RunConfig,
    setup: impl FnOnce(&Sim) -> W,
    invariants: &[Invariant<W>],
) -> RunResult {
    run_with_footprint(source, config, setup, invariants, None)
}

/// What a model's footprint function does: writes one word per part of the world's
/// state, each changing whenever that part may have changed ([`crate::tracked`]).
pub type Footprint<W> = fn(&W, &Sim, &mut Reads);

/// [`run`], with the model's footprint: after each step the runner computes it once
/// and checks only the safety invariants that read a part it changed (or that failed
/// to pass before, or that read nothing declared: `reads == 0`).
pub fn run_with_footprint<W>(
    source: ChoiceSource,
    config: &RunConfig,
    setup: impl FnOnce(&Sim) -> W,
    invariants: &[Invariant<W>],
    footprint: Option<Footprint<W>>,
) -> RunResult {
    run_footprinted(source, config, setup, invariants, footprint.map(|read| (read, false)))
}

/// [`run_with_footprint`] for a footprint every part of which is a write count of
/// [`crate::Tracked`] cells, or a sum of such counts, or other state whose every
/// change moves the thread's write count too: [`crate::node_word`] and node clocks
/// (the engine counts crashes, restarts, jumps and drifts), a model's plain counter
/// bumped with [`crate::tracked::count_untracked_write`]; and the time, if the
/// footprint says until when its words hold ([`Reads::valid_until`]). Such a
/// footprint cannot change in a step in which no write was counted
/// ([`crate::tracked::writes_on_this_thread`] stood still) and that ended by that
/// time, so after such a step the runner neither computes it nor checks the
/// invariants that read it: one compare while the footprint reads no time, a call
/// and two compares while it does. A footprint that reads anything else must use
/// [`run_with_footprint`], or a change of that other thing would go unchecked.
pub fn run_with_tracked_footprint<W>(
    source: ChoiceSource,
    config: &RunConfig,
    setup: impl FnOnce(&Sim) -> W,
    invariants: &[Invariant<W>],
    footprint: Footprint<W>,
) -> RunResult {
    run_footprinted(source, config, setup, invariants, Some((footprint, true)))
}

/// A footprint, and whether it reads only tracked write counts.
type FootprintOf<W> = Option<(Footprint<W>, bool)>;

fn run_footprinted<W>(
    source: ChoiceSource,
    config: &RunConfig,
    setup: impl FnOnce(&Sim) -> W,
    invariants: &[Invariant<W>],
    footprint: FootprintOf<W>,
) -> RunResult {
    install_quiet_panic_hook();
    LIVELOCK.with(|l| l.borrow_mut().take());
    LIVELOCKED.with(|l| l.set(false));
    let sim = Sim::new(source, config.trace);
    // The kernel starts with the empty filter: only another needs installing.
    if !config.fault_filter.is_empty() {
        sim.set_fault_filter(config.fault_filter.clone());
    }
    let steps = Cell::new(0u64);
    let outer = IN_RUN.with(|f| f.replace(true));
    let caught = catch_unwind(AssertUnwindSafe(|| drive(&sim, config, setup, invariants, footprint, &steps)));
    let outcome = caught.unwrap_or_else(|payload| Outcome::Panic {
        message: panic_message(payload.as_ref()),
        // The step that panicked had not been counted yet.
        step: steps.get() + 1,
        time: sim.now(),
    });
    let (fault_profile, fault_counts) = {
        let faults = sim.fault_table();
        (faults.enabled_points(), faults.fired_counts())
    };
    let end_time = sim.now();
    let state_hashes = sim.take_state_hashes();
    // A panic may have left tasks mid-borrow; dropping them can panic again.
    let _ = catch_unwind(AssertUnwindSafe(|| sim.shutdown()));
    IN_RUN.with(|f| f.set(outer));
    // After shutdown: destructors may draw, and a replay must see those draws too.
    let fit = sim.fit();
    let tape = sim.take_tape();
    let mut trace = sim.take_trace();
    let goals = sim.take_goals();
    sim.retire();
    RunResult {
        outcome,
        tape,
        trace_hash: trace.hash(),
        steps: steps.get(),
        events: trace.len(),
        model_steps: trace.model_steps(),
        workload: trace.take_workload(),
        end_time,
        fault_profile,
        fault_counts,
        fit,
        trace: trace.into_events(),
        goals,
        state_hashes,
    }
}

fn drive<W>(
    sim: &Sim,
    config: &RunConfig,
    setup: impl FnOnce(&Sim) -> W,
    invariants: &[Invariant<W>],
    footprint: FootprintOf<W>,
    steps: &Cell<u64>,
) -> Outcome {
    let world = setup(sim);
    let focused: Vec<&Invariant<W>> =
        invariants.iter().filter(|i| config.focus.is_none_or(|name| i.name == name)).collect();
    let invariants = focused.as_slice();
    let footprint = footprint.filter(|_| !config.check_everything);
    let mut memo = Memo::new(invariants, footprint);
    let fault_end = SimTime(config.fault_phase_ms);
    let end = fault_end.plus_ms(config.liveness_deadline_ms);
    // An idle nemesis's ticks would have carried time through the fault phase and on to
    // its last tick, at the latest `tick_max_ms` later (`crate::nemesis` says why this
    // keeps every behaviour): time is held open to there, as for a lost call's deadline.
    if let Some(tick_max_ms) = sim.idle_nemesis_tick_max_ms() {
        sim.hold_time_until(fault_end.plus_ms(tick_max_ms));
    }
    let mut faulting = true;
    loop {
        let horizon = if faulting { fault_end } else { end };
        match sim.step(horizon) {
            Step::Polled | Step::Advanced => {}
            Step::Horizon if faulting => {
                sim.set_now(fault_end);
                sim.end_fault_phase();
                faulting = false;
                continue;
            }
            Step::Quiescent if faulting => {
                // Time held open (`Sim::hold_time_until`) runs on, within the phase.
                sim.set_now(sim.time_floor().min(fault_end));
                sim.end_fault_phase();
                faulting = false;
                continue;
            }
            Step::Horizon => {
                sim.set_now(end);
                break;
            }
            Step::Quiescent => {
                sim.set_now(sim.time_floor().min(end));
                break;
            }
        }
        let step = steps.get() + 1;
        steps.set(step);
        sim.set_steps(step);
        if !memo.unchanged() && !memo.unchanged_in_time(sim) {
            if let Some(v) = memo.first_unsafe(&world, sim, step) {
                return Outcome::Violation(v);
            }
        }
        if LIVELOCKED.with(Cell::get) {
            LIVELOCKED.with(|l| l.set(false));
            let reason = LIVELOCK.with(|l| l.borrow_mut().take()).unwrap_or_default();
            return Outcome::NoProgress { reason, step, time: sim.now() };
        }
        if step >= config.step_limit {
            return Outcome::NoProgress {
                reason: format!("step limit {} reached", config.step_limit),
                step,
                time: sim.now(),
            };
        }
    }
    let step = steps.get();
    let violation = first_violation(&world, sim, invariants, InvariantKind::Safety, step)
        .or_else(|| first_violation(&world, sim, invariants, InvariantKind::Liveness, step));
    violation.map_or(Outcome::Pass, Outcome::Violation)
}

/// Which safety invariants must be checked after the next step, as a bit mask over
/// the run's safety invariants in order: an invariant leaves it when its check passes
/// and comes back when a step changes a footprint part it reads. Invariants past the
/// 64th, and those that declare no reads, are checked after every step.
struct Memo<'i, W> {
    safety: Vec<&'i Invariant<W>>,
    footprint: Option<Footprint<W>>,
    /// The footprint reads only tracked write counts ([`run_with_tracked_footprint`]):
    /// it is recomputed only after a step in which the thread's write count moved.
    tracked: bool,
    /// [`writes_on_this_thread`] when the footprint in `reads[now]` was computed;
    /// `None` before the first step.
    seen_writes: Option<u64>,
    /// The true time up to which `reads[now]` holds without a write
    /// ([`Reads::valid_until`]).
    until: SimTime,
    /// Whether a step that changed no tracked cell may need no work at all: the
    /// footprint is tracked, and every safety invariant is among the first 64 and
    /// declares its reads.
    may_idle: bool,
    /// `may_idle`, and the footprint in `reads[now]` reads no time: a step that
    /// wrote nothing needs no work, and no look at the clock says so.
    idle: bool,
    /// `may_idle`, and the footprint in `reads[now]` reads the time: a step that
    /// wrote nothing and ended by `until` needs no work.
    timed: bool,
    /// The footprints after the last two steps; `reads[now]` is the latest.
    reads: [Reads; 2],
    now: usize,
    /// For each footprint part, the invariants that read it.
    readers: [u64; 64],
    /// The invariants checked after every step.
    always: u64,
    /// Every invariant that reads some part: what a footprint that changed length (or
    /// has more than 64 parts) makes dirty, without a pass over all 64 parts.
    any_reader: u64,
    dirty: u64,
}

impl<'i, W> Memo<'i, W> {
    fn new(invariants: &[&'i Invariant<W>], footprint: FootprintOf<W>) -> Memo<'i, W> {
        let (footprint, tracked) = footprint.map_or((None, false), |(read, tracked)| (Some(read), tracked));
        let safety: Vec<&Invariant<W>> =
            invariants.iter().copied().filter(|i| i.kind == InvariantKind::Safety).collect();
        let (mut readers, mut always) = ([0u64; 64], 0u64);
        for (j, inv) in safety.iter().enumerate().take(64) {
            let bit = 1u64 << j;
            if inv.reads == 0 || footprint.is_none() {
                always |= bit;
            }
            // The parts it reads, one set bit at a time (not 64 tests per invariant per run).
            let mut parts = inv.reads;
            while parts != 0 {
                readers[parts.trailing_zeros() as usize] |= bit;
                parts &= parts - 1;
            }
        }
        let dirty = if safety.len() >= 64 { u64::MAX } else { (1 << safety.len()) - 1 };
        let may_idle = tracked && always == 0 && safety.len() <= 64;
        Memo {
            safety,
            footprint,
            tracked,
            seen_writes: None,
            until: SimTime(u64::MAX),
            may_idle,
            idle: may_idle,
            timed: false,
            reads: [Reads::default(), Reads::default()],
            now: 0,
            readers,
            always,
            any_reader: readers.iter().fold(0, |any, r| any | r),
            dirty,
        }
    }

    /// Whether nothing needs checking after this step: the footprint is tracked and
    /// reads no time, and no write was counted since it was computed (so it is as it
    /// was, and every invariant that read it passed then), no invariant is checked
    /// always, and none is still dirty. Inlined into the run loop: the common step
    /// ends here. (A footprint that reads the time: [`Memo::unchanged_in_time`].)
    #[inline]
    fn unchanged(&self) -> bool {
        self.idle && self.dirty == 0 && self.seen_writes == Some(writes_on_this_thread())
    }

    /// [`Memo::unchanged`] for a footprint that reads the time: also needs the step
    /// to have ended by the time the footprint holds until. One load and a branch
    /// for every other footprint.
    #[inline]
    fn unchanged_in_time(&self, sim: &Sim) -> bool {
        self.timed && self.dirty == 0 && self.seen_writes == Some(writes_on_this_thread()) && sim.now() <= self.until
    }

    /// Whether the footprint must be computed again: always, unless it is tracked, no
    /// write was counted since it was last computed and time has not passed the time
    /// it holds until. Reads the thread's write count only for a tracked footprint.
    #[inline]
    fn footprint_may_have_changed(&mut self, sim: &Sim) -> bool {
        if !self.tracked {
            return true;
        }
        let writes = Some(writes_on_this_thread());
        let changed = self.seen_writes != writes || sim.now() > self.until;
        self.seen_writes = writes;
        changed
    }

    /// The first safety invariant that does not hold after `step`.
    #[inline(never)]
    fn first_unsafe(&mut self, world: &W, sim: &Sim, step: u64) -> Option<Violation> {
        if let Some(footprint) = self.footprint.filter(|_| self.footprint_may_have_changed(sim)) {
            self.now ^= 1;
            let [a, b] = &mut self.reads;
            let (now, before) = if self.now == 0 { (a, &*b) } else { (b, &*a) };
            now.clear();
            footprint(world, sim, now);
            // Only a footprint that may idle skips steps: the others need no limit.
            if self.may_idle {
                self.until = now.until_ms();
                self.idle = self.until == SimTime(u64::MAX);
                self.timed = !self.idle;
            }
            let mut changed = now.changed_since(before);
            if changed == u64::MAX {
                self.dirty |= self.any_reader;
                changed = 0;
            }
            while changed != 0 {
                self.dirty |= self.readers[changed.trailing_zeros() as usize];
                changed &= changed - 1;
            }
        }
        self.dirty |= self.always;
        // The dirty ones in order, then those past the 64th, checked every step.
        while self.dirty != 0 {
            let j = self.dirty.trailing_zeros() as usize;
            let Some(inv) = self.safety.get(j) else { break };
            if let Err(message) = (inv.check)(world, sim) {
                return Some(Violation { invariant: inv.name, kind: inv.kind, message, step, time: sim.now() });
            }
            self.dirty &= self.dirty - 1;
        }
        self.safety.iter().skip(64).find_map(|inv| {
            (inv.check)(world, sim).err().map(|message| Violation {
                invariant: inv.name,
                kind: inv.kind,
                message,
                step,
                time: sim.now(),
            })
        })
    }
}

#[inline(never)]
fn first_violation<W>(
    world: &W,
    sim: &Sim,
    invariants: &[&Invariant<W>],
    kind: InvariantKind,
    step: u64,
) -> Option<Violation> {
    invariants.iter().filter(|i| i.kind == kind).find_map(|i| {
        (i.check)(world, sim).err().map(|message| Violation { invariant: i.name, kind, message, step, time: sim.now() })
    })
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic with a non-string payload".to_string()
    }
}

thread_local! {
    static IN_RUN: Cell<bool> = const { Cell::new(false) };
    static LIVELOCK: RefCell<Option<String>> = const { RefCell::new(None) };
    /// Whether `LIVELOCK` holds a reason: the one flag every step reads.
    static LIVELOCKED: Cell<bool> = const { Cell::new(false) };
}

/// Ends the current run as [`Outcome::NoProgress`] after the step that calls it: model
/// code that has proven a livelock (an actor past its spin bound) stops the run there
/// instead of spinning on to the step limit. Safety invariants are checked first, so
/// a run that checks the spin invariant still reports its violation.
pub fn stop_livelocked(reason: impl Into<String>) {
    LIVELOCK.with(|l| {
        l.borrow_mut().get_or_insert_with(|| reason.into());
    });
    LIVELOCKED.with(|l| l.set(true));
}

/// A panic inside a run is an outcome, reported with its seed; printing it from the
/// hook as well would bury the report. Panics elsewhere print as usual.
fn install_quiet_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !IN_RUN.with(Cell::get) {
                previous(info);
            }
        }));
    });
}
