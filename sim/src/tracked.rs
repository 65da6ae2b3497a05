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
//!
//! State that is not a [`Tracked`] cell but that such a footprint reads moves the
//! counter too ([`count_untracked_write`]): the engine bumps it when a node crashes or
//! restarts (what [`node_word`] reads) and when a node's clock jumps or starts or ends
//! a drift, and a model bumps it for the plain counters it puts in its footprint. A
//! footprint that reads the time says until when its words hold without a write
//! ([`Reads::valid_until`]), and the runner computes it again once time passes that.

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
    count_untracked_write();
}

/// Counts a write to state that is not a [`Tracked`] cell but that a tracked footprint
/// reads (a node's life or clock, a model's plain counter), so the runner does not
/// skip the footprint after the step that made it.
#[inline]
pub fn count_untracked_write() {
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
    /// The last true time (ms) at which the words still hold without a write: a
    /// footprint that reads the time sets it ([`Reads::valid_until`]).
    until_ms: u64,
}

impl Default for Reads {
    fn default() -> Reads {
        Reads { words: [0; 64], len: 0, until_ms: u64::MAX }
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

    /// Says that the words written may change once true time passes `until` even if
    /// no tracked cell is written: a word that is the time, or one that depends on
    /// whether some deadline has passed. A tracked footprint is computed again after
    /// the first step that ends later than the earliest such time. A footprint whose
    /// words read the time as it is now passes `sim.now()`.
    #[inline]
    pub fn valid_until(&mut self, until: crate::SimTime) -> &mut Reads {
        self.until_ms = self.until_ms.min(until.as_ms());
        self
    }

    /// The time up to which the words hold without a write ([`Reads::valid_until`]).
    #[inline]
    pub(crate) fn until_ms(&self) -> crate::SimTime {
        crate::SimTime(self.until_ms)
    }

    pub(crate) fn clear(&mut self) {
        self.len = 0;
        self.until_ms = u64::MAX;
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
/// Both count a write ([`count_untracked_write`]), so a tracked footprint may read it.
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

    /// A tracked footprint may read node words and node clocks only because every
    /// change of them moves the thread's counter.
    #[test]
    fn node_lives_and_clocks_move_the_thread_counter() {
        let sim = crate::Sim::new(crate::ChoiceSource::Seed(1), crate::TraceMode::HashOnly);
        let node = sim.add_node("n");
        let moved = |f: &dyn Fn()| {
            let before = writes_on_this_thread();
            f();
            writes_on_this_thread() != before
        };
        let word = node_word(&sim, node);
        assert!(moved(&|| sim.crash(node)), "a crash");
        assert!(node_word(&sim, node) > word);
        assert!(!moved(&|| sim.crash(node)), "crashing a crashed node changes nothing");
        assert!(moved(&|| sim.restart(node)), "a restart");
        assert!(!moved(&|| sim.restart(node)), "restarting a live node changes nothing");
        assert!(moved(&|| sim.jump_clock(node, 5)), "a clock jump");
        assert!(moved(&|| sim.drift_clock(node, 1_000, 10)), "a drift");
        assert!(
            !moved(&|| {
                let _ = sim.node_now(node);
            }),
            "reading a clock"
        );
        sim.shutdown();
    }

    /// A footprint that reads the time holds until the earliest time it names.
    #[test]
    fn valid_until_keeps_the_earliest_time_and_clear_forgets_it() {
        let mut r = Reads::default();
        assert_eq!(r.until_ms(), crate::SimTime(u64::MAX));
        r.word(1).valid_until(crate::SimTime(50)).valid_until(crate::SimTime(70));
        assert_eq!(r.until_ms(), crate::SimTime(50));
        r.clear();
        assert_eq!(r.until_ms(), crate::SimTime(u64::MAX));
    }
}
