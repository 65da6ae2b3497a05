//! The deterministic executor: single-threaded async tasks on virtual time.
//!
//! Every scheduling decision is a draw from the choice tape: when several tasks are
//! ready, the tape picks which runs (0 = the one that became ready first). When none
//! is ready, time jumps to the earliest timer; timers due at the same instant all
//! wake together and the tape breaks the tie. Tasks belong to nodes; crashing a node
//! drops its tasks where they stand, and a reply addressed to its earlier life is
//! never delivered.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use serde::{Deserialize, Serialize};
use slab::Slab;

use crate::align::Fit;
use crate::call::Leg;
use crate::choices::{ChoiceSource, Choices, Ratio, SCHEDULE_SITE};
use crate::fault::{FaultPoint, FaultProfile, FaultTable};
use crate::net::NetState;
use crate::node::{NodeId, NodeState};
use crate::tape::{ChoiceKind, Site, Tape};
use crate::time::{SimTime, Sleep};
use crate::timers::{TimerKey, TimerQueue};
use crate::trace::{EventKind, Message, Trace, TraceMode};
use crate::wakeup::{Polling, Wakeup};

/// A task: its slot in the task table and the generation that distinguishes it
/// from earlier tasks in the same slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct TaskId {
    pub slot: u32,
    pub generation: u32,
}

impl TaskId {
    pub fn to_bits(self) -> u64 {
        (u64::from(self.generation) << 32) | u64::from(self.slot)
    }
}

type BoxFuture = Pin<Box<dyn Future<Output = ()>>>;

pub(crate) struct TaskSlot {
    generation: u32,
    pub(crate) node: NodeId,
    /// The task's future and its waker; out of the slot while the task is polled (the
    /// waker lent to the poll, so no clone per poll).
    body: Option<(BoxFuture, Waker)>,
    scheduled: bool,
}

thread_local! {
    /// Tasks woken since the executor last looked, tagged with their simulation.
    /// Runs are single-threaded and a simulation never leaves its thread, so a
    /// thread-local queue replaces a lock on every wake (the hottest path).
    static WOKEN: RefCell<Vec<(u64, TaskId)>> = const { RefCell::new(Vec::new()) };
    /// `WOKEN`'s length, kept wherever it changes: the executor asks before every step
    /// whether anything woke, and a `Cell` without a destructor answers in one load,
    /// where `WOKEN` (a `Vec`, so a thread-local with a destructor) first checks that
    /// its destructor is registered and then takes a borrow.
    static WOKEN_LEN: Cell<usize> = const { Cell::new(0) };
}

/// Runs `f` on the thread's queue of wakes and keeps `WOKEN_LEN` its length.
#[inline]
fn with_woken<T>(f: impl FnOnce(&mut Vec<(u64, TaskId)>) -> T) -> T {
    WOKEN.with(|w| {
        let mut woken = w.borrow_mut();
        let out = f(&mut woken);
        WOKEN_LEN.with(|len| len.set(woken.len()));
        out
    })
}

/// Distinguishes simulations (a stale waker of an earlier run must not wake a task of
/// a later one, on this thread or another). Never reaches a run's decisions.
static NEXT_SIM: AtomicU64 = AtomicU64::new(1);

/// Wakes queued on this thread and not yet collected by their simulation: zero
/// between runs. For tests of the engine's hygiene.
pub fn pending_wakes_on_this_thread() -> usize {
    WOKEN.with(|w| w.borrow().len())
}

/// Wakers only record which task woke; the executor turns that into a ready entry.
struct TaskWaker {
    sim: u64,
    id: TaskId,
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        with_woken(|w| w.push((self.sim, self.id)));
    }
}

/// A hook the model registers to bring a node back after a crash.
pub type RestartHook = Rc<dyn Fn(&Sim)>;

/// An engine action due at a time: cheaper than a task for work that never waits,
/// such as carrying a message across the network.
pub(crate) type Action = Box<dyn FnOnce(&Sim)>;

/// What a timer does when it is due.
pub(crate) enum Timer {
    /// Wake a sleeping task.
    Wake(Wakeup),
    /// Run an engine action on the engine's node.
    Act(Action),
    /// A call's request reaches its destination: a step, like an action.
    Request(Rc<dyn Leg>),
    /// A call's reply reaches its caller: settled as time advances, like a wake.
    Reply(Rc<dyn Leg>),
    /// A call's deadline passes: settled as time advances, like a wake.
    Timeout(Rc<dyn Leg>),
}

/// Something that can run in the next step.
pub(crate) enum Runnable {
    Task(TaskId),
    Act(Action),
    /// A request arriving (see `call.rs`).
    Request(Rc<dyn Leg>),
    /// A request that waited for its paused destination and is delivered now.
    HeldRequest(Rc<dyn Leg>),
}

impl Runnable {
    /// The task, if this is one (everything else runs on the engine's node).
    fn task(&self) -> Option<TaskId> {
        match self {
            Runnable::Task(id) => Some(*id),
            _ => None,
        }
    }
}

pub(crate) struct Kernel {
    choices: RefCell<Choices>,
    now: Cell<SimTime>,
    pub(crate) tasks: RefCell<Slab<TaskSlot>>,
    next_generation: Cell<u32>,
    pub(crate) ready: RefCell<Vec<Runnable>>,
    /// Paused nodes, their ready tasks held back and the deliveries waiting for them
    /// (see `pause.rs`).
    pub(crate) pauses: RefCell<crate::pause::Pauses>,
    /// Whether any node is paused: `!pauses.paused.is_empty()`, kept by `pause.rs`
    /// wherever that list changes, so the many "is it paused?" questions of a run
    /// without pauses cost one load and no borrow.
    pub(crate) any_paused: Cell<bool>,
    sim_id: u64,
    timers: RefCell<TimerQueue<Timer>>,
    /// The nodes, by number, each with its restart hook.
    pub(crate) nodes: RefCell<Vec<NodeState>>,
    pub(crate) faults: RefCell<FaultTable>,
    /// True while no fault point can fire (the fault phase is over, or the profile
    /// enables none): exactly when `FaultTable::armed` answers `None` for every
    /// point. Kept with the table by `set_fault_profile` and `end_fault_phase`, the
    /// only writers of its profile and phase, so a fault-free run's many fault
    /// questions cost one load.
    faults_quiet: Cell<bool>,
    pub(crate) net: RefCell<NetState>,
    pub(crate) trace: RefCell<Trace>,
    /// The task being polled, if any, and the node on whose behalf code runs now
    /// (a task's node, or a message's destination while its handler runs).
    pub(crate) current_task: Cell<Option<TaskId>>,
    /// The task being polled and the waker it was lent (see `wakeup.rs`).
    pub(crate) polling: Cell<Option<Polling>>,
    current_node: Cell<NodeId>,
    /// The node draws are labelled with: a task's node, or the node whose code
    /// scheduled the engine action running now (see [`Sim::acting_for`]).
    pub(crate) actor: Cell<NodeId>,
    /// The `sometimes` goals reached so far, and the steps completed (see `goal.rs`).
    goals: RefCell<crate::goal::Goals>,
    steps: Cell<u64>,
    /// The latest deadline of a call nobody waits for any more (see [`Sim::hold_time_until`]).
    time_floor: Cell<SimTime>,
    /// The model's state hasher and the hashes recorded (exhaustive search only).
    pub(crate) state_hashes: RefCell<crate::state_hash::StateHashes>,
}

impl Kernel {
    /// A kernel with `spare`'s buffers; [`Kernel::reset`] makes it a run's.
    fn new(spare: crate::recycle::Spare) -> Kernel {
        Kernel {
            choices: RefCell::new(Choices::with_buffers(ChoiceSource::Seed(0), spare.tape, spare.counts, spare.rng)),
            now: Cell::new(SimTime::ZERO),
            tasks: RefCell::new(spare.tasks),
            next_generation: Cell::new(0),
            ready: RefCell::new(spare.ready),
            pauses: RefCell::default(),
            any_paused: Cell::new(false),
            sim_id: 0,
            timers: RefCell::new(spare.timers),
            nodes: RefCell::new(spare.nodes),
            faults: RefCell::new(FaultTable::new(FaultProfile::default())),
            faults_quiet: Cell::new(true),
            net: RefCell::default(),
            trace: RefCell::new(Trace::new(TraceMode::HashOnly)),
            current_task: Cell::new(None),
            polling: Cell::new(None),
            current_node: Cell::new(NodeId::SYSTEM),
            actor: Cell::new(NodeId::SYSTEM),
            goals: RefCell::default(),
            steps: Cell::new(0),
            time_floor: Cell::new(SimTime::ZERO),
            state_hashes: RefCell::default(),
        }
    }

    /// Makes this kernel a new run's, drawing from `source` and tracing by `mode`:
    /// its buffers emptied and kept (see `crate::recycle`), every other field as a
    /// new run starts it, with a simulation id of its own. Every field is named, so
    /// a field added to the kernel cannot be left out.
    fn reset(&mut self, source: ChoiceSource, mode: TraceMode) {
        let Kernel {
            choices,
            now,
            tasks,
            next_generation,
            ready,
            pauses,
            any_paused,
            sim_id,
            timers,
            nodes,
            faults,
            faults_quiet,
            net,
            trace,
            current_task,
            polling,
            current_node,
            actor,
            goals,
            steps,
            time_floor,
            state_hashes,
        } = self;
        choices.get_mut().reset(source, |tape, counts| {
            crate::recycle::empty(tasks.get_mut(), ready.get_mut(), timers.get_mut(), nodes.get_mut(), tape, counts);
        });
        now.set(SimTime::ZERO);
        next_generation.set(0);
        *pauses.get_mut() = crate::pause::Pauses::default();
        any_paused.set(false);
        *sim_id = NEXT_SIM.fetch_add(1, Ordering::Relaxed);
        let faults = faults.get_mut();
        faults.reset();
        faults_quiet.set(!faults.profile.any_enabled());
        *net.get_mut() = NetState::default();
        *trace.get_mut() = Trace::new(mode);
        current_task.set(None);
        polling.set(None);
        current_node.set(NodeId::SYSTEM);
        actor.set(NodeId::SYSTEM);
        *goals.get_mut() = crate::goal::Goals::default();
        steps.set(0);
        time_floor.set(SimTime::ZERO);
        *state_hashes.get_mut() = crate::state_hash::StateHashes::default();
    }
}

impl Drop for Kernel {
    /// Hands the run's buffers, emptied, to the next run on this thread.
    fn drop(&mut self) {
        let (tape, counts, rng) = self.choices.get_mut().take_buffers();
        crate::recycle::keep(crate::recycle::Spare {
            tasks: std::mem::take(self.tasks.get_mut()),
            ready: std::mem::take(self.ready.get_mut()),
            timers: std::mem::replace(self.timers.get_mut(), TimerQueue::new()),
            nodes: std::mem::take(self.nodes.get_mut()),
            tape,
            counts,
            rng,
        });
    }
}

/// A handle on one simulated run. Cheap to clone; every model task holds one.
#[derive(Clone)]
pub struct Sim {
    k: Rc<Kernel>,
}

/// What one call to [`Sim::step`] did.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// A task was polled.
    Polled,
    /// Time jumped to the next timer and woke its tasks.
    Advanced,
    /// The next timer lies beyond the horizon; nothing was done.
    Horizon,
    /// No task is ready and no timer is pending: nothing can ever happen again.
    Quiescent,
}

impl Sim {
    /// A new simulation drawing from `source`, with the engine's own node. It runs in
    /// the kernel the last run on this thread left, if that run retired it
    /// ([`Sim::retire`]), made new again by [`Kernel::reset`]: no allocation, and no
    /// kernel-sized moves.
    pub fn new(source: ChoiceSource, trace: TraceMode) -> Sim {
        let mut k = crate::recycle::take_kernel().unwrap_or_else(|| Rc::new(Kernel::new(crate::recycle::take())));
        Rc::get_mut(&mut k).expect("a kept kernel has no other owner").reset(source, trace);
        let sim = Sim { k };
        sim.add_node("sim");
        sim
    }

    /// Keeps this run's kernel for the next run on this thread, if nothing else holds
    /// it any more (else it is dropped, as it always was, when its last holder goes).
    pub(crate) fn retire(mut self) {
        if Rc::get_mut(&mut self.k).is_some() {
            crate::recycle::keep_kernel(self.k);
        }
    }

    #[inline]
    pub(crate) fn k(&self) -> &Kernel {
        &self.k
    }

    // ---- decisions -------------------------------------------------------------

    // Every draw is labelled with its site: a name the caller gives (`*_at`), or else
    // the caller's source file; and with the current actor. See `crate::tape`.

    /// A value uniform in `0..bound`, drawn from the tape.
    #[track_caller]
    pub fn draw(&self, kind: ChoiceKind, bound: u64) -> u64 {
        self.draw_at(kind, caller_site(), bound)
    }

    /// A value uniform in `lo..=hi`, drawn from the tape.
    #[track_caller]
    pub fn between(&self, kind: ChoiceKind, lo: u64, hi: u64) -> u64 {
        self.between_at(kind, caller_site(), lo, hi)
    }

    /// True with probability `ratio`, drawn from the tape.
    #[track_caller]
    pub fn chance(&self, kind: ChoiceKind, ratio: Ratio) -> bool {
        self.chance_at(kind, caller_site(), ratio)
    }

    /// A workload parameter in `lo..=hi`.
    #[track_caller]
    pub fn workload(&self, lo: u64, hi: u64) -> u64 {
        self.between_at(ChoiceKind::Workload, caller_site(), lo, hi)
    }

    /// [`Sim::draw`] at a named site: its label survives edits of the source file.
    #[inline]
    pub fn draw_at(&self, kind: ChoiceKind, site: &'static str, bound: u64) -> u64 {
        self.k.choices.borrow_mut().below(kind, Site(site), self.k.actor.get().0, bound)
    }

    /// [`Sim::between`] at a named site. Always inlined: every message draws its delay
    /// here, and LLVM left it out of line in the big generic callers.
    #[inline(always)]
    pub fn between_at(&self, kind: ChoiceKind, site: &'static str, lo: u64, hi: u64) -> u64 {
        self.k.choices.borrow_mut().between(kind, Site(site), self.k.actor.get().0, lo, hi)
    }

    /// [`Sim::chance`] at a named site.
    #[inline]
    pub fn chance_at(&self, kind: ChoiceKind, site: &'static str, ratio: Ratio) -> bool {
        self.k.choices.borrow_mut().chance(kind, Site(site), self.k.actor.get().0, ratio)
    }

    /// Labels the draws made until the guard drops as done for `node` (the nemesis
    /// deciding about one target), so that removing a decision about one node leaves
    /// the labels of decisions about the others unchanged.
    pub fn acting_for(&self, node: NodeId) -> ActingFor<'_> {
        let outer = self.k.actor.replace(node);
        ActingFor { sim: self, outer }
    }

    /// A copy of the tape drawn so far, its actors named.
    pub fn tape(&self) -> Tape {
        let mut tape = self.k.choices.borrow().tape().clone();
        tape.actors = self.node_names();
        tape
    }

    /// The tape drawn, its actors named, moved out at the end of a run: no copy. The
    /// node names move into it too, so nothing may ask a node's name after this.
    pub(crate) fn take_tape(&self) -> Tape {
        let mut tape = self.k.choices.borrow_mut().take_tape();
        tape.actors = self.k.nodes.borrow_mut().iter_mut().map(|n| std::mem::take(&mut n.name)).collect();
        tape
    }

    /// How well a labelled tape fitted this replay so far (`None` unless replaying one).
    pub fn fit(&self) -> Option<Fit> {
        self.k.choices.borrow().fit()
    }

    // ---- faults ----------------------------------------------------------------

    /// Installs this run's fault profile (drawn by [`FaultProfile::swarm`] or fixed).
    /// Points the run's [`crate::FaultFilter`] leaves out stay declared but off.
    pub fn set_fault_profile(&self, profile: FaultProfile) {
        let mut faults = self.k.faults.borrow_mut();
        let profile = profile.filtered(&faults.filter);
        faults.set_profile(profile);
        self.k.faults_quiet.set(!faults.active || !faults.profile.any_enabled());
        assert!(
            faults.idle_nemesis_tick_max_ms.is_none() || !faults.any_armed(&crate::nemesis::NEMESIS_POINTS),
            "a fault profile that lets the nemesis strike was installed after spawn_nemesis, which had left the \
             nemesis out because none of its faults could fire: install the profile first"
        );
    }

    /// Draws a swarm profile over `points` from the tape and installs it. Points the
    /// run's filter leaves out draw nothing.
    pub fn swarm_faults(&self, points: &[FaultPoint]) {
        let filter = self.k.faults.borrow().filter.clone();
        let profile = FaultProfile::swarm_filtered(points, &filter, &mut self.k.choices.borrow_mut());
        self.set_fault_profile(profile);
    }

    /// Narrows every fault profile installed from now on (`--faults`).
    pub fn set_fault_filter(&self, filter: crate::FaultFilter) {
        self.k.faults.borrow_mut().filter = filter;
    }

    /// Whether fault `point` fires now. Draws only when the point is enabled and the
    /// fault phase is still on; a fired fault is counted and traced.
    pub fn fault(&self, point: &FaultPoint) -> bool {
        self.fault_on(point, String::new)
    }

    /// [`Sim::fault`] whose trace line names the fault's object (which message,
    /// which record, how long); `object` runs only when the fault fires and the trace
    /// keeps its events (the object is not hashed), so it must only describe.
    pub fn fault_on(&self, point: &FaultPoint, object: impl FnOnce() -> String) -> bool {
        let fired = self.fault_fires(point);
        if fired {
            let node = self.current_node();
            self.record_fault_with(node, point, object);
        }
        fired
    }

    /// Draws whether `point` fires and counts it, without tracing it: for engine
    /// faults that draw their magnitude first and trace one complete line.
    #[inline]
    pub(crate) fn fault_fires(&self, point: &FaultPoint) -> bool {
        !self.faults_quiet() && self.armed_fault_fires(point)
    }

    /// Whether no fault point can fire now (see `Kernel::faults_quiet`).
    #[inline]
    pub(crate) fn faults_quiet(&self) -> bool {
        self.k.faults_quiet.get()
    }

    /// [`Sim::fault_fires`] once some point may fire.
    #[inline(never)]
    fn armed_fault_fires(&self, point: &FaultPoint) -> bool {
        let Some(rate) = self.k.faults.borrow().armed(point) else {
            return false;
        };
        let fired = self.chance_at(ChoiceKind::Fault, point.name, rate);
        if fired {
            *self.k.faults.borrow_mut().fired.entry(point.name).or_insert(0) += 1;
        }
        fired
    }

    /// Traces a fired fault at `node`, naming its object.
    pub(crate) fn record_fault(&self, node: NodeId, point: &FaultPoint, object: String) {
        self.record(node, EventKind::Fault { point: point.name, object });
    }

    /// [`Sim::record_fault`] that formats the object only when the trace keeps its
    /// events: a hash-only run (every campaign run) never reads it.
    pub(crate) fn record_fault_with(&self, node: NodeId, point: &FaultPoint, object: impl FnOnce() -> String) {
        let object = if self.k.trace.borrow().keeps_events() { object() } else { String::new() };
        self.record_fault(node, point, object);
    }

    /// Whether faults can still fire.
    pub fn faults_active(&self) -> bool {
        self.k.faults.borrow().active
    }

    /// Ends the fault phase: from now on no fault point fires.
    pub fn end_fault_phase(&self) {
        self.k.faults.borrow_mut().active = false;
        self.k.faults_quiet.set(true);
        self.record(NodeId::SYSTEM, EventKind::FaultPhaseEnd);
    }

    pub(crate) fn fault_table(&self) -> std::cell::Ref<'_, FaultTable> {
        self.k.faults.borrow()
    }

    // ---- time ------------------------------------------------------------------

    /// True simulated time.
    #[inline]
    pub fn now(&self) -> SimTime {
        self.k.now.get()
    }

    /// The time `node`'s own clock shows: true time plus its skew.
    #[inline]
    pub fn node_now(&self, node: NodeId) -> SimTime {
        let offset = self.k.nodes.borrow()[node.0 as usize].clock_offset_at(self.now());
        SimTime(self.now().as_ms().saturating_add_signed(offset))
    }

    /// Moves `node`'s clock by `delta_ms` (a jump; true time is unaffected).
    pub fn jump_clock(&self, node: NodeId, delta_ms: i64) {
        self.k.nodes.borrow_mut()[node.0 as usize].clock_offset_ms += delta_ms;
        // `node_now` changed: a tracked footprint that reads this clock must see it.
        crate::tracked::count_untracked_write();
        self.record(node, EventKind::ClockJump { delta_ms });
    }

    /// Completes once `ms` simulated milliseconds have passed.
    #[inline]
    pub fn sleep_ms(&self, ms: u64) -> Sleep<'_> {
        self.sleep_until(self.now().plus_ms(ms))
    }

    /// Completes at simulated time `deadline`.
    #[inline]
    pub fn sleep_until(&self, deadline: SimTime) -> Sleep<'_> {
        Sleep::new(self, deadline)
    }

    /// Runs `fut` until it completes or `ms` pass, whichever is first.
    pub async fn timeout_ms<T>(&self, ms: u64, fut: impl Future<Output = T>) -> Option<T> {
        let mut fut = std::pin::pin!(fut);
        let mut sleep = std::pin::pin!(self.sleep_ms(ms));
        std::future::poll_fn(|cx| {
            if let Poll::Ready(v) = fut.as_mut().poll(cx) {
                return Poll::Ready(Some(v));
            }
            sleep.as_mut().poll(cx).map(|()| None)
        })
        .await
    }

    /// Wakes whatever `waker` wakes at `deadline`.
    #[inline]
    pub(crate) fn add_timer(&self, deadline: SimTime, waker: &Waker) -> TimerKey {
        let wakeup = self.wakeup_for(waker);
        self.k.timers.borrow_mut().insert(deadline, Timer::Wake(wakeup))
    }

    /// Runs `action` on the engine's node at simulated time `at`. When several things
    /// are due at once, the tape decides their order, as for tasks.
    /// Its draws are labelled with the actor that scheduled it (a message's sender).
    pub(crate) fn act_at(&self, at: SimTime, action: impl FnOnce(&Sim) + 'static) {
        let actor = self.k.actor.get();
        let action = move |sim: &Sim| {
            let _for = sim.acting_for(actor);
            action(sim);
        };
        self.schedule(at, Timer::Act(Box::new(action)));
    }

    /// Puts `timer` on the queue for time `at` (now, if `at` has passed).
    #[inline]
    pub(crate) fn schedule(&self, at: SimTime, timer: Timer) {
        self.k.timers.borrow_mut().insert(at.max(self.now()), timer);
    }

    pub(crate) fn cancel_timer(&self, key: TimerKey) {
        let cancelled = self.k.timers.borrow_mut().cancel(key);
        drop(cancelled);
    }

    // ---- nodes -----------------------------------------------------------------

    /// Adds a node, up, with a correct clock.
    pub fn add_node(&self, name: impl Into<String>) -> NodeId {
        let mut nodes = self.k.nodes.borrow_mut();
        let id = NodeId(nodes.len() as u32);
        let name = name.into();
        self.k.choices.borrow_mut().name_actor(id.0, &name);
        nodes.push(NodeState::new(name));
        id
    }

    pub fn node_name(&self, node: NodeId) -> String {
        self.k.nodes.borrow()[node.0 as usize].name.clone()
    }

    /// The names of all nodes, indexed by `NodeId`.
    pub fn node_names(&self) -> Vec<String> {
        self.k.nodes.borrow().iter().map(|n| n.name.clone()).collect()
    }

    #[inline]
    pub fn is_up(&self, node: NodeId) -> bool {
        self.k.nodes.borrow()[node.0 as usize].up
    }

    #[inline]
    pub fn incarnation(&self, node: NodeId) -> u32 {
        self.k.nodes.borrow()[node.0 as usize].incarnation
    }

    /// [`Sim::incarnation`] of `node` if it is up, in one look at it.
    #[inline]
    pub(crate) fn incarnation_if_up(&self, node: NodeId) -> Option<u32> {
        let nodes = self.k.nodes.borrow();
        let n = &nodes[node.0 as usize];
        n.up.then_some(n.incarnation)
    }

    /// Registers what restarting `node` does (typically: spawn its boot task).
    /// Kept with the node's state: a node has at most one, registered once per run.
    pub fn on_restart(&self, node: NodeId, hook: impl Fn(&Sim) + 'static) {
        let hook: RestartHook = Rc::new(hook);
        let old = self.k.nodes.borrow_mut()[node.0 as usize].restart.replace(hook);
        // A hook replaced is dropped outside the borrow: its destructor may call in.
        drop(old);
    }

    /// Whether `node` has a restart hook.
    pub fn restartable(&self, node: NodeId) -> bool {
        self.k.nodes.borrow().get(node.0 as usize).is_some_and(|n| n.restart.is_some())
    }

    /// Crashes `node`: every task on it is dropped at its current await point, and
    /// replies addressed to this life of the node are never delivered.
    pub fn crash(&self, node: NodeId) {
        assert_ne!(node, NodeId::SYSTEM, "the engine's node cannot crash");
        {
            let mut nodes = self.k.nodes.borrow_mut();
            let n = &mut nodes[node.0 as usize];
            if !n.up {
                return;
            }
            n.up = false;
            n.incarnation += 1;
        }
        // What `node_word` reads changed: a tracked footprint must be computed again.
        crate::tracked::count_untracked_write();
        let dropped: Vec<BoxFuture> = {
            let mut tasks = self.k.tasks.borrow_mut();
            let doomed: Vec<usize> = tasks.iter().filter(|(_, t)| t.node == node).map(|(i, _)| i).collect();
            doomed.into_iter().filter_map(|i| tasks.remove(i).body.map(|(future, _)| future)).collect()
        };
        self.k.ready.borrow_mut().retain(|r| r.task().is_none_or(|id| self.task_live(id)));
        self.record(node, EventKind::Crash);
        // A stopped process can still be killed: its pause ends with it.
        self.end_pause_on_crash(node);
        // Dropped outside every borrow: their destructors (timers, guards) call back in.
        drop(dropped);
    }

    /// Brings `node` back up and runs its restart hook.
    pub fn restart(&self, node: NodeId) {
        {
            let mut nodes = self.k.nodes.borrow_mut();
            let n = &mut nodes[node.0 as usize];
            if n.up {
                return;
            }
            n.up = true;
        }
        crate::tracked::count_untracked_write();
        self.record(node, EventKind::Restart);
        let hook = self.k.nodes.borrow()[node.0 as usize].restart.clone();
        if let Some(hook) = hook {
            hook(self);
        }
    }

    /// The node of the task being polled (the engine's node outside any task).
    #[inline]
    pub fn current_node(&self) -> NodeId {
        self.k.current_node.get()
    }

    /// Runs `f` as code of `node` (a message handler at its destination), so faults,
    /// notes and clocks it uses are attributed to that node.
    pub(crate) fn as_node<R>(&self, node: NodeId, f: impl FnOnce() -> R) -> R {
        let outer = self.k.current_node.replace(node);
        let result = f();
        self.k.current_node.set(outer);
        result
    }

    // ---- tasks -----------------------------------------------------------------

    /// Spawns a task on `node`. The node must be up: a down node runs nothing.
    /// The future is boxed first and the rest is one function for every future: a
    /// generic body copied the future twice (once to its stack for unwinding).
    #[inline]
    pub fn spawn(&self, node: NodeId, name: &'static str, fut: impl Future<Output = ()> + 'static) -> TaskId {
        self.spawn_boxed(node, name, Box::pin(fut))
    }

    #[inline(never)]
    fn spawn_boxed(&self, node: NodeId, name: &'static str, fut: BoxFuture) -> TaskId {
        assert!(self.is_up(node), "spawn of task {name} on crashed node {node}");
        let generation = self.k.next_generation.get();
        self.k.next_generation.set(generation.wrapping_add(1));
        let id = {
            let mut tasks = self.k.tasks.borrow_mut();
            let entry = tasks.vacant_entry();
            let id = TaskId { slot: entry.key() as u32, generation };
            let waker = Waker::from(Arc::new(TaskWaker { sim: self.k.sim_id, id }));
            entry.insert(TaskSlot { generation, node, body: Some((fut, waker)), scheduled: true });
            id
        };
        self.make_ready(node, id);
        self.record_task(node, Some(id), EventKind::Spawn { name });
        id
    }

    pub(crate) fn task_live(&self, id: TaskId) -> bool {
        self.k.tasks.borrow().get(id.slot as usize).is_some_and(|t| t.generation == id.generation)
    }

    /// How many tasks exist (ready or waiting).
    pub fn task_count(&self) -> usize {
        self.k.tasks.borrow().len()
    }

    /// Moves woken tasks onto the ready list, once each, in the order they woke.
    pub(crate) fn collect_woken(&self) {
        if WOKEN_LEN.with(Cell::get) == 0 {
            return;
        }
        // Wakes of another simulation on this thread (a nested run) stay queued.
        with_woken(|woken| {
            woken.retain(|&(sim, id)| {
                if sim != self.k.sim_id {
                    return true;
                }
                self.make_task_ready(id);
                false
            })
        });
    }

    /// Puts task `id` on the ready list unless it is there already or gone. A paused
    /// node's tasks wait, woken, until it resumes. Always inlined into the wakes (a
    /// reply's arrival, a timer's, the woken list): out of line it was 1.5% of a
    /// demo/lock run in calls alone.
    #[inline(always)]
    pub(crate) fn make_task_ready(&self, id: TaskId) {
        let mut tasks = self.k.tasks.borrow_mut();
        let Some(t) = tasks.get_mut(id.slot as usize) else {
            return;
        };
        if t.generation != id.generation || t.scheduled {
            return;
        }
        t.scheduled = true;
        let node = t.node;
        drop(tasks);
        if !self.any_paused() || !self.k.pauses.borrow_mut().hold(node, id) {
            self.k.ready.borrow_mut().push(Runnable::Task(id));
        }
    }

    /// Runs one step: polls one ready task, or advances time to the next timer if it
    /// is no later than `horizon`.
    pub(crate) fn step(&self, horizon: SimTime) -> Step {
        self.collect_woken();
        let ready_len = self.k.ready.borrow().len();
        if ready_len == 0 {
            return self.advance(horizon);
        }
        // A single ready runnable is no decision: every strategy takes it and draws
        // nothing (`Choices::below` returns 0 for a bound of 1 before it records or
        // counts anything, and PCT only picks among two or more).
        let pick = if ready_len == 1 {
            0
        } else if self.k.choices.borrow().wants_ready_nodes() {
            let nodes = self.ready_nodes();
            self.k.choices.borrow_mut().schedule(&nodes) as usize
        } else {
            self.draw_at(ChoiceKind::Schedule, SCHEDULE_SITE.0, ready_len as u64) as usize
        };
        let next = {
            let mut ready = self.k.ready.borrow_mut();
            if pick + 1 == ready.len() {
                ready.pop().expect("the pick is in the ready list")
            } else {
                ready.remove(pick)
            }
        };
        match next {
            Runnable::Task(id) => self.poll_task(id),
            Runnable::Act(action) => action(self),
            Runnable::Request(call) => call.deliver(self, false),
            Runnable::HeldRequest(call) => call.deliver(self, true),
        }
        Step::Polled
    }

    /// The node of each ready runnable, in ready order: a task's own node, or the
    /// engine's node for an action (a message in flight).
    fn ready_nodes(&self) -> Vec<NodeId> {
        let tasks = self.k.tasks.borrow();
        self.k
            .ready
            .borrow()
            .iter()
            .map(|r| r.task().and_then(|id| tasks.get(id.slot as usize)).map_or(NodeId::SYSTEM, |t| t.node))
            .collect()
    }

    fn advance(&self, horizon: SimTime) -> Step {
        let Some(at) = self.k.timers.borrow_mut().next_due() else {
            return Step::Quiescent;
        };
        if at > horizon {
            return Step::Horizon;
        }
        if at > self.now() && self.hashes_states() {
            self.record_state_hash();
        }
        self.k.now.set(at);
        // Everything due now becomes ready in the order it was scheduled, tasks and
        // actions alike, so a tape value of 0 always means "the oldest ready". A
        // reply or a timeout settles its call here and wakes the caller in its place
        // (see `call.rs`); it may schedule more for now, which this loop then takes.
        loop {
            let Some(timer) = self.k.timers.borrow_mut().pop_due(at) else {
                break;
            };
            match timer {
                Timer::Act(action) => self.k.ready.borrow_mut().push(Runnable::Act(action)),
                Timer::Request(call) => self.k.ready.borrow_mut().push(Runnable::Request(call)),
                Timer::Wake(wakeup) => self.wake_up(wakeup),
                Timer::Reply(call) => call.reply_arrives(self),
                Timer::Timeout(call) => call.time_out(self),
            }
        }
        Step::Advanced
    }

    /// What the engine holds that a state hash must cover: the time, the pending
    /// timers' deadlines, each node's life, and the fault profile.
    pub(crate) fn engine_state(&self) -> (SimTime, Vec<SimTime>, Vec<(bool, u32)>, String, bool) {
        let deadlines = self.k.timers.borrow().deadlines();
        let nodes = self.k.nodes.borrow().iter().map(|n| (n.up, n.incarnation)).collect();
        let faults = self.k.faults.borrow();
        (self.now(), deadlines, nodes, format!("{:?}", faults.profile), faults.active)
    }

    /// How many decisions the run has drawn so far.
    pub(crate) fn tape_len(&self) -> usize {
        self.k.choices.borrow().tape().len()
    }

    /// Records that a run falling quiet must still reach time `t`: a lost call whose
    /// caller is gone or already answered used to keep a timeout pending until its
    /// deadline, and an idle nemesis its ticks; those timers carried time there. The runner moves time on to the
    /// latest such `t` when nothing is left to happen (see `runner.rs`), so checks that
    /// read the clock at a run's end are judged no earlier than before.
    #[inline]
    pub(crate) fn hold_time_until(&self, t: SimTime) {
        if t > self.k.time_floor.get() {
            self.k.time_floor.set(t);
        }
    }

    /// The latest time recorded by [`Sim::hold_time_until`].
    pub(crate) fn time_floor(&self) -> SimTime {
        self.k.time_floor.get()
    }

    /// Moves time forward to `t` with nothing happening (used at phase ends).
    pub(crate) fn set_now(&self, t: SimTime) {
        if t > self.now() {
            self.k.now.set(t);
        }
    }

    fn poll_task(&self, id: TaskId) {
        let (mut future, waker, node) = {
            let mut tasks = self.k.tasks.borrow_mut();
            let Some(slot) = tasks.get_mut(id.slot as usize).filter(|t| t.generation == id.generation) else {
                return;
            };
            slot.scheduled = false;
            let Some((future, waker)) = slot.body.take() else {
                return;
            };
            (future, waker, slot.node)
        };
        self.k.current_task.set(Some(id));
        self.k.current_node.set(node);
        self.k.actor.set(node);
        self.k.trace.borrow_mut().record_poll(self.now(), node, id);
        self.k.polling.set(Some(Polling::new(id, &waker)));
        let result = future.as_mut().poll(&mut Context::from_waker(&waker));
        self.k.polling.set(None);
        self.k.current_task.set(None);
        self.k.current_node.set(NodeId::SYSTEM);
        self.k.actor.set(NodeId::SYSTEM);
        let finished_or_orphaned = {
            let mut tasks = self.k.tasks.borrow_mut();
            let live = tasks.get(id.slot as usize).is_some_and(|t| t.generation == id.generation);
            match (result, live) {
                (Poll::Pending, true) => {
                    tasks[id.slot as usize].body = Some((future, waker));
                    None
                }
                (Poll::Ready(()), true) => {
                    tasks.remove(id.slot as usize);
                    Some(future)
                }
                // The task crashed its own node while it ran.
                (_, false) => Some(future),
            }
        };
        drop(finished_or_orphaned);
    }

    // ---- goals -----------------------------------------------------------------

    /// Marks that this run reached the `sometimes` goal `goal` (declared by the
    /// scenario, see `Scenario::goals`). Only the first time counts; no draw, no event.
    #[inline]
    pub fn sometimes(&self, goal: &'static str) {
        // Model code marks the same goal again and again; only the first mark counts.
        if !self.k.goals.borrow().reached(goal) {
            self.reach_goal(goal);
        }
    }

    #[inline(never)]
    fn reach_goal(&self, goal: &'static str) {
        let tape_pos = self.k.choices.borrow().tape().len();
        self.k.goals.borrow_mut().reach(goal, self.k.steps.get(), self.now(), tape_pos);
    }

    /// [`Sim::sometimes`] when `condition` holds: a one-line mark at a branch.
    pub fn sometimes_if(&self, condition: bool, goal: &'static str) {
        if condition {
            self.sometimes(goal);
        }
    }

    pub(crate) fn set_steps(&self, steps: u64) {
        self.k.steps.set(steps);
    }

    pub(crate) fn take_goals(&self) -> Vec<crate::goal::GoalHit> {
        self.k.goals.borrow_mut().take()
    }

    // ---- trace -----------------------------------------------------------------

    /// Records a model-level step in the model's own words.
    pub fn note(&self, node: NodeId, text: impl Into<String>) {
        self.record(node, EventKind::Note { text: text.into() });
    }

    /// Describes one line of the workload the setup drew (tabs, skills, configs), for
    /// case files and reports. Not part of the trace hash: the tape already decides it.
    pub fn describe_workload(&self, line: impl Into<String>) {
        self.k.trace.borrow_mut().describe_workload(line.into());
    }

    #[inline]
    pub(crate) fn record(&self, node: NodeId, kind: EventKind) {
        let task = self.k.current_task.get();
        self.record_task(node, task, kind);
    }

    /// [`Sim::record`] of a message event (see [`Trace::record_message`]).
    #[inline(always)]
    pub(crate) fn record_message(&self, node: NodeId, what: Message, peer: NodeId, label: &'static str) {
        let task = self.k.current_task.get();
        self.k.trace.borrow_mut().record_message(self.now(), node, task, what, peer, label);
    }

    fn record_task(&self, node: NodeId, task: Option<TaskId>, kind: EventKind) {
        self.k.trace.borrow_mut().record(self.now(), node, task, kind);
    }

    pub(crate) fn take_trace(&self) -> Trace {
        self.k.trace.replace(Trace::new(TraceMode::HashOnly))
    }

    pub fn trace_hash(&self) -> u64 {
        self.k.trace.borrow().hash()
    }

    /// Drops every task, timer and hook, so that nothing outlives the run (they hold
    /// the kernel). Destructors may spawn or schedule more; repeat until nothing is left.
    pub(crate) fn shutdown(&self) {
        const ROUNDS_MAX: usize = 1_000;
        for _ in 0..ROUNDS_MAX {
            // Nothing is collected from an empty table or queue (the common case: a
            // run that ran to quiescence); `clear` leaves a table as `drain` does.
            let all: Vec<BoxFuture> = {
                let mut tasks = self.k.tasks.borrow_mut();
                if tasks.is_empty() {
                    tasks.clear();
                    Vec::new()
                } else {
                    tasks.drain().filter_map(|t| t.body.map(|(future, _)| future)).collect()
                }
            };
            // An empty ready list keeps its buffer, for the next run (`crate::recycle`).
            let ready = {
                let mut ready = self.k.ready.borrow_mut();
                if ready.is_empty() {
                    Vec::new()
                } else {
                    std::mem::take(&mut *ready)
                }
            };
            let timers = {
                let mut timers = self.k.timers.borrow_mut();
                if timers.is_empty() {
                    Vec::new()
                } else {
                    timers.drain()
                }
            };
            let hooks = self.k.nodes.borrow().iter().any(|n| n.restart.is_some());
            let deferred = self.k.pauses.borrow_mut().drain();
            self.k.any_paused.set(false);
            if all.is_empty() && ready.is_empty() && timers.is_empty() && !hooks && deferred.is_empty() {
                // Destructors may have woken tasks of this run; their wakes would sit
                // in the thread's queue for good and slow every later run.
                with_woken(|w| w.retain(|(sim, _)| *sim != self.k.sim_id));
                return;
            }
            drop((all, ready, timers));
            // The hooks after the rest, in node order (as they always were), each
            // taken out of its node and dropped outside the borrow.
            if hooks {
                let nodes = self.k.nodes.borrow().len();
                for i in 0..nodes {
                    let hook = self.k.nodes.borrow_mut()[i].restart.take();
                    drop(hook);
                }
            }
            drop(deferred);
        }
        panic!("shutdown: destructors kept spawning work for {ROUNDS_MAX} rounds");
    }
}

/// Restores the actor of draws when dropped; see [`Sim::acting_for`]. Borrows the
/// `Sim`: the nemesis takes one for every target of every tick, and a handle clone
/// each time showed in its profile.
pub struct ActingFor<'a> {
    sim: &'a Sim,
    outer: NodeId,
}

impl Drop for ActingFor<'_> {
    fn drop(&mut self) {
        self.sim.k.actor.set(self.outer);
    }
}

/// The site of a draw that names none: the source file of the model code that drew
/// it. A file, not a line, so that editing the file elsewhere keeps the labels.
#[track_caller]
fn caller_site() -> &'static str {
    std::panic::Location::caller().file()
}
