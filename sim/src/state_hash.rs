//! State hashes for exhaustive search: a model that can name its whole state offers a
//! hasher, and the engine records the state's hash each time simulated time is about
//! to advance, with the tape position it was reached at.
//!
//! Those instants are the ones where a hash can be complete: nothing is ready, no
//! message is being handled, every task waits on a timer or a notification. The
//! engine adds what it holds itself (the time, the pending timers' deadlines, which
//! nodes are up, the fault profile), so the model hashes its own state only: two runs
//! whose hashes agree at those points have the same futures for the same later
//! decisions, and [`crate::exhaustive`] explores the futures of each state once.
//! A model whose hash leaves something out makes the pruning unsound; a model that
//! offers no hasher is never pruned.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::rc::Rc;

use crate::executor::Sim;

/// The model's part of a state hash.
pub type StateHasher = Rc<dyn Fn(&Sim) -> u64>;

/// A run's hasher and the hashes it recorded: `(tape position, hash)` in run order.
#[derive(Default)]
pub(crate) struct StateHashes {
    hasher: Option<StateHasher>,
    recorded: Vec<(u32, u64)>,
}

impl Sim {
    /// Offers the model's state hash for exhaustive search (see the module docs for
    /// what it must cover). Called once, in a scenario's setup.
    pub fn set_state_hasher(&self, hasher: impl Fn(&Sim) -> u64 + 'static) {
        self.k().state_hashes.borrow_mut().hasher = Some(Rc::new(hasher));
    }

    /// Whether the model offered a hasher: only then does a time advance stop to hash.
    pub(crate) fn hashes_states(&self) -> bool {
        self.k().state_hashes.borrow().hasher.is_some()
    }

    /// Records the state's hash if the model offered a hasher: the engine calls this
    /// when nothing is ready and time is about to advance.
    pub(crate) fn record_state_hash(&self) {
        let Some(hasher) = self.k().state_hashes.borrow().hasher.clone() else { return };
        let mut h = DefaultHasher::new();
        hasher(self).hash(&mut h);
        self.engine_state().hash(&mut h);
        let position = u32::try_from(self.tape_len()).unwrap_or(u32::MAX);
        self.k().state_hashes.borrow_mut().recorded.push((position, h.finish()));
    }

    /// The hashes recorded so far, taken out.
    pub(crate) fn take_state_hashes(&self) -> Vec<(u32, u64)> {
        std::mem::take(&mut self.k().state_hashes.borrow_mut().recorded)
    }
}
