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
//!
//! Every write a [`Tracked`] cell counts also bumps one counter per thread
//! ([`writes_on_this_thread`]). A footprint made only of write counts (and sums of
//! them) cannot change while that counter stands still, so after such a step the
//! runner skips computing it at all ([`crate::run_with_tracked_footprint`]).

use std::cell::{Cell, Ref, RefCell, RefMut};

thread_local! {
    /// Every write counted by any [`Tracked`] cell on this thread, in any run.
    static WRITES: Cell<u64> = const { Cell::new(0) };
}

/// How many writes every [`Tracked`] cell on this thread has counted, in any run: it
/// moves whenever one cell's [`Tracked::writes`] does. Only compared for equality
/// across a step, so writes of other runs on the thread (a nested run) only make
/// the runner compute a footprint it could have skipped.
#[inline]
pub fn writes_on_this_thread() -> u64 {
    WRITES.with(Cell::get)
}

#[inline]
fn count_write(writes: &Cell<u64>) {
    writes.set(writes.get() + 1);
    WRITES.with(|w| w.set(w.get() + 1));
}

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
        count_write(&self.writes);
        self.value.borrow_mut()
    }

    /// Borrows the value to change it unless it is borrowed already (a destructor
    /// that runs while the value is in use); counts one write when it succeeds.
    pub fn try_borrow_mut(&self) -> Result<RefMut<'_, T>, std::cell::BorrowMutError> {
        let borrowed = self.value.try_borrow_mut()?;
        count_write(&self.writes);
        Ok(borrowed)
    }

    /// How many times the value was borrowed mutably: unchanged means unwritten.
    #[inline]
    pub fn writes(&self) -> u64 {
        self.writes.get()
    }

    /// Counts a write made through other means (interior mutability inside `T`).
    pub fn touch(&self) {
        count_write(&self.writes);
    }
}

/// A model's footprint after a step: one word per part of its state (the ghost, a
/// store, the tabs…), each changing whenever that part may have changed. Word `i` is
/// part `i`, read by the invariants whose mask ([`crate::Invariant::reading`]) has bit
/// `i`; a footprint of more than 64 parts changes after every step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reads {
    words: [u64; 64],
    len: usize,
}

impl Default for Reads {
    fn default() -> Reads {
        Reads { words: [0; 64], len: 0 }
    }
}

impl Reads {
    /// Records the next part. Past the 64th, parts are not kept and the footprint
    /// counts as changed after every step (every invariant is checked: still exact).
    #[inline]
    pub fn word(&mut self, w: u64) -> &mut Reads {
        if let Some(slot) = self.words.get_mut(self.len) {
            *slot = w;
        }
        self.len += 1;
        self
    }

    /// Records the write count of a tracked cell as the next part.
    #[inline]
    pub fn cell<T>(&mut self, cell: &Tracked<T>) -> &mut Reads {
        self.word(cell.writes())
    }

    pub(crate) fn clear(&mut self) {
        self.len = 0;
    }

    /// The parts that differ between `self` and `before`, as a mask; all of them if
    /// the two have different lengths.
    pub(crate) fn changed_since(&self, before: &Reads) -> u64 {
        if self.len != before.len || self.len > 64 {
            return u64::MAX;
        }
        let (now, then) = (&self.words[..self.len], &before.words[..self.len]);
        // Most steps change no part: one slice compare says so.
        if now == then {
            return 0;
        }
        let mut mask = 0;
        for (i, (a, b)) in now.iter().zip(then).enumerate() {
            mask |= u64::from(a != b) << i;
        }
        mask
    }
}

/// A monotone word for whether `node` is up and in which life: it grows at every crash
/// and every restart, so a sum of them over several nodes changes whenever one does.
/// Reads the node's state in one borrow, inlined into the model's footprint (it runs
/// for every tab after every step).
#[inline]
pub fn node_word(sim: &crate::Sim, node: crate::NodeId) -> u64 {
    let nodes = sim.k().nodes.borrow();
    let state = &nodes[node.0 as usize];
    2 * u64::from(state.incarnation) + u64::from(state.up)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The runner's skip is exact only if every write a cell counts moves the
    /// thread's counter too, and reads move neither.
    #[test]
    fn every_counted_write_moves_the_thread_counter_and_reads_do_not() {
        let cell = Tracked::new(0u32);
        let start = writes_on_this_thread();
        drop(cell.borrow());
        assert_eq!((cell.writes(), writes_on_this_thread()), (0, start));
        *cell.borrow_mut() += 1;
        drop(cell.try_borrow_mut().unwrap());
        cell.touch();
        assert_eq!((cell.writes(), writes_on_this_thread()), (3, start + 3));
        let held = cell.borrow();
        assert!(cell.try_borrow_mut().is_err());
        drop(held);
        assert_eq!((cell.writes(), writes_on_this_thread()), (3, start + 3), "a failed borrow writes nothing");
    }
}
