//! What an invariant reads, so the runner can skip it after a step that changed none
//! of it.
//!
//! Checking every invariant after every step is the simplest way to be exact, and it
//! cost half of a launcher run. A [`Tracked`] cell counts the mutable borrows of its
//! value. After each step a model's footprint function writes one word per part of
//! its state into [`Reads`] (a write count, a sum of them, whether nodes are up, the
//! time where a check compares against it), once for all invariants; each invariant
//! names the parts its check reads as a bit mask. An invariant stays clean from a
//! passing check until a step changes one of its parts: while clean, its check is a
//! pure function of unchanged inputs and would pass again, so it is skipped.
//! [`crate::RunConfig::check_everything`] turns the skipping off, and a test compares
//! both modes run for run.

use std::cell::{Cell, Ref, RefCell, RefMut};

/// A `RefCell` that counts its mutable borrows: every `borrow_mut` may write, so it
/// counts as a write whether or not the value changed.
#[derive(Default)]
pub struct Tracked<T> {
    value: RefCell<T>,
    writes: Cell<u64>,
}

impl<T> Tracked<T> {
    pub const fn new(value: T) -> Tracked<T> {
        Tracked { value: RefCell::new(value), writes: Cell::new(0) }
    }

    pub fn borrow(&self) -> Ref<'_, T> {
        self.value.borrow()
    }

    /// Borrows the value to change it, counting one write.
    pub fn borrow_mut(&self) -> RefMut<'_, T> {
        self.writes.set(self.writes.get() + 1);
        self.value.borrow_mut()
    }

    /// Borrows the value to change it unless it is borrowed already (a destructor
    /// that runs while the value is in use); counts one write when it succeeds.
    pub fn try_borrow_mut(&self) -> Result<RefMut<'_, T>, std::cell::BorrowMutError> {
        let borrowed = self.value.try_borrow_mut()?;
        self.writes.set(self.writes.get() + 1);
        Ok(borrowed)
    }

    /// How many times the value was borrowed mutably: unchanged means unwritten.
    #[inline]
    pub fn writes(&self) -> u64 {
        self.writes.get()
    }

    /// Counts a write made through other means (interior mutability inside `T`).
    pub fn touch(&self) {
        self.writes.set(self.writes.get() + 1);
    }
}

/// A model's footprint after a step: one word per part of its state (the ghost, a
/// store, the tabs…), each a counter that changes whenever that part may have
/// changed. Word `i` is part `i`; an invariant reads the parts of its mask
/// ([`crate::Invariant::reading`], bit `i` for part `i`, every part past 63 on bit 63).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reads {
    words: Vec<u64>,
}

impl Reads {
    /// Records the next part.
    #[inline]
    pub fn word(&mut self, w: u64) -> &mut Reads {
        self.words.push(w);
        self
    }

    /// Records the write count of a tracked cell as the next part.
    #[inline]
    pub fn cell<T>(&mut self, cell: &Tracked<T>) -> &mut Reads {
        self.word(cell.writes())
    }

    pub(crate) fn clear(&mut self) {
        self.words.clear();
    }

    /// The parts that differ between `self` and `before`, as a mask; all of them if
    /// the two have different lengths.
    pub(crate) fn changed_since(&self, before: &Reads) -> u64 {
        if self.words.len() != before.words.len() {
            return u64::MAX;
        }
        let mut mask = 0;
        for (i, (a, b)) in self.words.iter().zip(&before.words).enumerate() {
            if a != b {
                mask |= 1 << i.min(63);
            }
        }
        mask
    }
}

/// A monotone word for whether `node` is up and in which life: it grows at every crash
/// and every restart, so a sum of them over several nodes changes whenever one does.
#[inline]
pub fn node_word(sim: &crate::Sim, node: crate::NodeId) -> u64 {
    2 * u64::from(sim.incarnation(node)) + u64::from(sim.is_up(node))
}
