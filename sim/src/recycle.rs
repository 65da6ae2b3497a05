//! Buffers reused across runs: when a run's kernel is dropped, its task table, ready
//! list, timer queue, node table, tape and label counts are emptied and kept for the
//! next run on the same thread, with the box of its seeded generator, so a campaign
//! worker's runs stop growing fresh buffers from nothing. Emptied buffers hold no
//! state: a recycled kernel numbers its tasks and timers from zero, exactly as a new
//! one does, and a recycled generator is seeded afresh, so no trace hash changes.

use std::cell::RefCell;

use rand_chacha::ChaCha8Rng;
use slab::Slab;

use crate::executor::{Runnable, TaskSlot, Timer};
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
    spare.tasks.clear();
    spare.ready.clear();
    spare.timers.clear();
    spare.nodes.clear();
    spare.tape.clear();
    spare.tape.shrink_to(TAPE_KEPT_MAX);
    spare.counts.clear();
    // During thread exit the slot may be gone: then the buffers are simply freed.
    let _ = SPARE.try_with(|s| *s.borrow_mut() = Some(spare));
}
