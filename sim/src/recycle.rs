//! Buffers reused across runs: when a run's kernel is dropped, its task table, ready
//! list, timer queue, node table, tape and label counts are emptied and kept for the
//! next run on the same thread, with the box of its seeded generator, so a campaign
//! worker's runs stop growing fresh buffers from nothing. Emptied buffers hold no
//! state: a recycled kernel numbers its tasks and timers from zero, exactly as a new
//! one does, and a recycled generator is seeded afresh, so no trace hash changes.

use std::cell::RefCell;
use std::rc::Rc;

use rand_chacha::ChaCha8Rng;
use slab::Slab;

use crate::executor::{Kernel, Runnable, TaskSlot, Timer};
use crate::label_counts::LabelCounts;
use crate::node::NodeState;
use crate::tape::Choice;
use crate::timers::TimerQueue;

/// The empty buffers of a finished run.
pub(crate) struct Spare {
    pub tasks: Slab<TaskSlot>,
    pub ready: Vec<Runnable>,
    pub timers: TimerQueue<Timer>,
    pub nodes: Vec<NodeState>,
    pub tape: Vec<Choice>,
    pub counts: LabelCounts,
    /// The seeded generator's box: seeded again in place (see `Choices::with_buffers`).
    pub rng: Option<Box<ChaCha8Rng>>,
}

impl Default for Spare {
    fn default() -> Spare {
        Spare {
            tasks: Slab::new(),
            ready: Vec::new(),
            timers: TimerQueue::new(),
            nodes: Vec::new(),
            tape: Vec::new(),
            counts: LabelCounts::default(),
            rng: None,
        }
    }
}

thread_local! {
    static SPARE: RefCell<Option<Spare>> = const { RefCell::new(None) };
}

/// The buffers the last run on this thread left, or new ones.
pub(crate) fn take() -> Spare {
    SPARE.try_with(|s| s.borrow_mut().take()).ok().flatten().unwrap_or_default()
}

/// The most tape entries a kept buffer may hold room for (about 2.5 MB): one huge
/// run (a livelock up to the step limit) must not pin its memory on a worker for
/// the rest of a campaign.
const TAPE_KEPT_MAX: usize = 1 << 16;

/// Keeps `spare` for the next run on this thread, emptied. Anything still in it is
/// dropped first (a run that panicked in its shutdown may leave some).
pub(crate) fn keep(mut spare: Spare) {
    empty(&mut spare.tasks, &mut spare.ready, &mut spare.timers, &mut spare.nodes, &mut spare.tape, &mut spare.counts);
    // During thread exit the slot may be gone: then the buffers are simply freed.
    let _ = SPARE.try_with(|s| *s.borrow_mut() = Some(spare));
}

/// Empties a run's buffers for the next run, keeping their memory (a tape's only up
/// to [`TAPE_KEPT_MAX`]).
pub(crate) fn empty(
    tasks: &mut Slab<TaskSlot>,
    ready: &mut Vec<Runnable>,
    timers: &mut TimerQueue<Timer>,
    nodes: &mut Vec<NodeState>,
    tape: &mut Vec<Choice>,
    counts: &mut LabelCounts,
) {
    tasks.clear();
    ready.clear();
    timers.clear();
    nodes.clear();
    tape.clear();
    tape.shrink_to(TAPE_KEPT_MAX);
    counts.clear();
}

thread_local! {
    /// The kernel of the last run on this thread that retired it (`Sim::retire`).
    static KERNEL: RefCell<Option<Rc<Kernel>>> = const { RefCell::new(None) };
}

/// The kernel a finished run left on this thread, if any: the next run resets it.
pub(crate) fn take_kernel() -> Option<Rc<Kernel>> {
    KERNEL.try_with(|k| k.borrow_mut().take()).ok().flatten()
}

/// Keeps a finished run's kernel, which nothing else holds, for the next run on this
/// thread. A kernel kept before (a nested run's) is dropped, its buffers kept.
pub(crate) fn keep_kernel(kernel: Rc<Kernel>) {
    let _ = KERNEL.try_with(|k| k.replace(Some(kernel)));
}
