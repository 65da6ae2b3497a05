//! The timer queue: what is due when, in (time, insertion) order.
//!
//! A vector of timers kept sorted by (time, insertion), latest first, each timer's
//! payload inline: the earliest pops off the end with no shift. A run has few timers
//! pending at once (about one per waiting actor: demo/lock has at most four), so a
//! new timer finds its place by a short scan from the front and a short shift. A
//! binary heap over a slab of payloads cost far more here (a sift per pop and a
//! slab slot per timer, for queues this short), and so did a sorted `VecDeque`
//! (its wrapping index on every access). Cancelling finds the timer by its (time,
//! insertion) key, by binary search, and removes it; a timer that already fired is
//! no longer there, so a late cancel is a no-op, as it must be.

use crate::time::SimTime;

/// Identifies one timer for cancellation: its deadline and its insertion number,
/// which together are its unique place in the queue's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TimerKey {
    at: SimTime,
    seq: u64,
}

pub(crate) struct TimerQueue<T> {
    /// Sorted by `(at, seq)`, latest first, so the earliest pops off the end; keys
    /// are unique (`seq` is).
    queue: Vec<(TimerKey, T)>,
    next_seq: u64,
}

impl TimerKey {
    /// The queue's order: time, then insertion.
    #[inline]
    fn order(self) -> (SimTime, u64) {
        (self.at, self.seq)
    }
}

impl<T> TimerQueue<T> {
    pub fn new() -> TimerQueue<T> {
        TimerQueue { queue: Vec::new(), next_seq: 0 }
    }

    pub fn insert(&mut self, at: SimTime, payload: T) -> TimerKey {
        let key = TimerKey { at, seq: self.next_seq };
        self.next_seq += 1;
        // The new timer pops last among those due at `at` (its `seq` is the largest
        // yet), so it goes in front of every timer due no later than `at`.
        let index = self.queue.iter().position(|(k, _)| k.at <= at).unwrap_or(self.queue.len());
        self.queue.insert(index, (key, payload));
        key
    }

    /// Removes a pending timer; a timer that already fired is left alone.
    pub fn cancel(&mut self, key: TimerKey) -> Option<T> {
        let index = self.queue.partition_point(|(k, _)| k.order() > key.order());
        if self.queue.get(index).is_some_and(|(k, _)| *k == key) {
            Some(self.queue.remove(index).1)
        } else {
            None
        }
    }

    /// Whether no timer is pending.
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// The time of the earliest pending timer.
    #[inline]
    pub fn next_due(&mut self) -> Option<SimTime> {
        self.queue.last().map(|(k, _)| k.at)
    }

    /// The next pending timer due exactly at `at`, in insertion order.
    #[inline]
    pub fn pop_due(&mut self, at: SimTime) -> Option<T> {
        if self.queue.last()?.0.at != at {
            return None;
        }
        self.queue.pop().map(|(_, payload)| payload)
    }

    /// Empties the queue, keeping its memory; it then numbers timers from zero again,
    /// as a new queue does.
    pub fn clear(&mut self) {
        self.queue.clear();
        self.next_seq = 0;
    }

    /// The deadlines of the pending timers, earliest first.
    pub fn deadlines(&self) -> Vec<SimTime> {
        self.queue.iter().rev().map(|(k, _)| k.at).collect()
    }

    /// Takes every pending payload out (to drop them outside any borrow).
    pub fn drain(&mut self) -> Vec<T> {
        self.queue.drain(..).rev().map(|(_, payload)| payload).collect()
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
