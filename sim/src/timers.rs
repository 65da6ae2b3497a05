//! The timer queue: what is due when, in (time, insertion) order.
//!
//! A binary heap of keys over a slab of payloads. Cancelling removes the payload and
//! leaves its heap key behind as a tombstone that popping skips, so both insertion and
//! cancellation stay cheap (timeouts are cancelled far more often than they fire).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use slab::Slab;

use crate::time::SimTime;

/// Identifies one timer for cancellation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TimerKey {
    slot: usize,
    seq: u64,
}

pub(crate) struct TimerQueue<T> {
    heap: BinaryHeap<Reverse<(SimTime, u64, usize)>>,
    slots: Slab<(u64, T)>,
    next_seq: u64,
}

impl<T> TimerQueue<T> {
    pub fn new() -> TimerQueue<T> {
        TimerQueue { heap: BinaryHeap::new(), slots: Slab::new(), next_seq: 0 }
    }

    pub fn insert(&mut self, at: SimTime, payload: T) -> TimerKey {
        let seq = self.next_seq;
        self.next_seq += 1;
        let slot = self.slots.insert((seq, payload));
        self.heap.push(Reverse((at, seq, slot)));
        TimerKey { slot, seq }
    }

    /// Removes a pending timer; a timer that already fired is left alone.
    pub fn cancel(&mut self, key: TimerKey) -> Option<T> {
        let live = self.slots.get(key.slot).is_some_and(|(seq, _)| *seq == key.seq);
        live.then(|| self.slots.remove(key.slot).1)
    }

    fn is_live(&self, seq: u64, slot: usize) -> bool {
        self.slots.get(slot).is_some_and(|(s, _)| *s == seq)
    }

    /// The time of the earliest pending timer.
    pub fn next_due(&mut self) -> Option<SimTime> {
        while let Some(&Reverse((at, seq, slot))) = self.heap.peek() {
            if self.is_live(seq, slot) {
                return Some(at);
            }
            self.heap.pop();
        }
        None
    }

    /// The next pending timer due exactly at `at`, in insertion order.
    pub fn pop_due(&mut self, at: SimTime) -> Option<T> {
        if self.next_due() != Some(at) {
            return None;
        }
        let Reverse((_, _, slot)) = self.heap.pop()?;
        Some(self.slots.remove(slot).1)
    }

    /// Empties the queue, keeping its memory; it then numbers timers from zero again,
    /// as a new queue does.
    pub fn clear(&mut self) {
        self.heap.clear();
        self.slots.clear();
        self.next_seq = 0;
    }

    /// The deadlines of the pending timers, earliest first.
    pub fn deadlines(&self) -> Vec<SimTime> {
        let mut at: Vec<SimTime> =
            self.heap.iter().filter(|Reverse((_, seq, slot))| self.is_live(*seq, *slot)).map(|r| r.0 .0).collect();
        at.sort_unstable();
        at
    }

    /// Takes every pending payload out (to drop them outside any borrow).
    pub fn drain(&mut self) -> Vec<T> {
        self.heap.clear();
        self.slots.drain().map(|(_, t)| t).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_in_time_then_insertion_order_and_skips_cancelled() {
        let mut q = TimerQueue::new();
        let a = q.insert(SimTime(5), "a");
        q.insert(SimTime(3), "b");
        q.insert(SimTime(5), "c");
        q.insert(SimTime(5), "d");
        assert_eq!(q.cancel(a), Some("a"));
        assert_eq!(q.cancel(a), None);
        assert_eq!(q.next_due(), Some(SimTime(3)));
        assert_eq!(q.pop_due(SimTime(3)), Some("b"));
        assert_eq!(q.pop_due(SimTime(3)), None);
        assert_eq!(q.pop_due(SimTime(5)), Some("c"));
        assert_eq!(q.pop_due(SimTime(5)), Some("d"));
        assert_eq!(q.next_due(), None);
    }
}
