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
        assert_eq!(q.next_due(), Some(SimTime(5)));
        assert_eq!(q.pop_due(SimTime(5)), Some("c"));
        assert_eq!(q.pop_due(SimTime(5)), Some("d"));
        assert_eq!(q.next_due(), None);
    }

    /// The same random inserts, cancels and pops on the queue and on a plain sorted
    /// list of (time, insertion) agree at every pop, over short and long delays and ties.
    #[test]
    fn agrees_with_a_sorted_list_over_a_long_random_run() {
        let mut q = TimerQueue::new();
        let mut model: Vec<(SimTime, u64, TimerKey)> = Vec::new();
        let mut now = SimTime::ZERO;
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |bound: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % bound
        };
        let (mut seq, mut popped) = (0u64, 0);
        for _ in 0..20_000 {
            match next(10) {
                0..=4 => {
                    let delay = [0, 1, 7, 100, 1023, 1024, 1025, 5_000][next(8) as usize] + next(3);
                    let at = now.plus_ms(delay);
                    let key = q.insert(at, seq);
                    model.push((at, seq, key));
                    seq += 1;
                }
                5 if !model.is_empty() => {
                    let (_, _, key) = model.remove(next(model.len() as u64) as usize);
                    assert!(q.cancel(key).is_some());
                }
                _ => {
                    model.sort_by_key(|&(at, s, _)| (at, s));
                    assert_eq!(q.next_due(), model.first().map(|m| m.0));
                    let Some(&(at, s, _)) = model.first() else { continue };
                    now = at;
                    assert_eq!(q.pop_due(at), Some(s));
                    model.remove(0);
                    popped += 1;
                    let mut expect: Vec<SimTime> = model.iter().map(|m| m.0).collect();
                    expect.sort_unstable();
                    assert_eq!(q.deadlines(), expect);
                }
            }
        }
        assert!(popped > 5_000, "the run popped {popped} timers");
    }
}
