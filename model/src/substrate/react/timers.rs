//! The window's timers: `setTimeout`, `setInterval`, `clearTimeout`/`clearInterval`.
//!
//! A timer is a task of the tab's node that holds its callback (a closure, with
//! whatever render snapshot it captured). It belongs to the tab, not to a component:
//! unmounting a component clears nothing by itself, so an uncleared timer fires after
//! unmount; a crash or close of the tab drops it. Every live timer is listed with the
//! component instance that set it and a label, so invariants can count pollers and
//! pending timers per instance (SYSTEMS.md L6).

use std::cell::Cell;
use std::collections::BTreeMap;
use std::rc::Rc;

use sim::{NodeId, Sim};

/// A timer handle, as `setTimeout` returns it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct TimerId(pub u64);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimerKind {
    Timeout,
    Interval,
}

/// A live timer: which component instance set it, and what for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimerInfo {
    pub kind: TimerKind,
    pub owner: u64,
    pub label: &'static str,
}

/// Every live timer of a world's tabs. Clones share the table.
#[derive(Clone, Default)]
pub struct Timers {
    live: Rc<sim::Tracked<BTreeMap<TimerId, TimerInfo>>>,
    next: Rc<Cell<u64>>,
}

/// Removes a timer from the table when its task ends or dies with its tab.
struct Registered {
    live: Rc<sim::Tracked<BTreeMap<TimerId, TimerInfo>>>,
    id: TimerId,
}

impl Drop for Registered {
    fn drop(&mut self) {
        self.live.borrow_mut().remove(&self.id);
    }
}

impl Timers {
    fn register(&self, info: TimerInfo) -> Registered {
        let id = TimerId(self.next.get());
        self.next.set(id.0 + 1);
        self.live.borrow_mut().insert(id, info);
        Registered { live: self.live.clone(), id }
    }

    /// `setTimeout(callback, delay_ms)` on `node`, set by component instance `owner`.
    pub fn set_timeout(
        &self,
        sim: &Sim,
        node: NodeId,
        owner: u64,
        label: &'static str,
        delay_ms: u64,
        callback: impl FnOnce(&Sim) + 'static,
    ) -> TimerId {
        let entry = self.register(TimerInfo { kind: TimerKind::Timeout, owner, label });
        let id = entry.id;
        let s = sim.clone();
        sim.spawn(node, "setTimeout", async move {
            s.sleep_ms(delay_ms).await;
            if entry.live.borrow().contains_key(&entry.id) {
                drop(entry);
                callback(&s);
            }
        });
        id
    }

    /// `setInterval(callback, period_ms)` on `node`, set by component instance `owner`.
    pub fn set_interval(
        &self,
        sim: &Sim,
        node: NodeId,
        owner: u64,
        label: &'static str,
        period_ms: u64,
        mut callback: impl FnMut(&Sim) + 'static,
    ) -> TimerId {
        let entry = self.register(TimerInfo { kind: TimerKind::Interval, owner, label });
        let id = entry.id;
        let s = sim.clone();
        sim.spawn(node, "setInterval", async move {
            loop {
                s.sleep_ms(period_ms).await;
                if !entry.live.borrow().contains_key(&entry.id) {
                    return;
                }
                callback(&s);
            }
        });
        id
    }

    /// `clearTimeout`/`clearInterval`: the timer never fires again. Clearing a timer
    /// that already fired or was cleared does nothing, as in a browser.
    pub fn clear(&self, id: TimerId) {
        self.live.borrow_mut().remove(&id);
    }

    /// How many live timers `owner` has with `label`.
    pub fn count(&self, owner: u64, label: &'static str) -> usize {
        self.live.borrow().values().filter(|t| t.owner == owner && t.label == label).count()
    }

    /// How many live timers `owner` has with each of `labels`: [`Timers::count`] for
    /// several labels in one scan (an invariant asks for two after every write).
    pub fn count_each<const N: usize>(&self, owner: u64, labels: [&'static str; N]) -> [usize; N] {
        let mut counts = [0; N];
        for t in self.live.borrow().values().filter(|t| t.owner == owner) {
            for (count, label) in counts.iter_mut().zip(labels) {
                *count += usize::from(t.label == label);
            }
        }
        counts
    }

    /// How many times the set of live timers was written (set or cleared).
    pub fn writes(&self) -> u64 {
        self.live.writes()
    }

    /// Whether `owner` has a live timer, without copying them.
    pub fn has_any(&self, owner: u64) -> bool {
        self.live.borrow().values().any(|t| t.owner == owner)
    }

    /// Every live timer of `owner`.
    pub fn of(&self, owner: u64) -> Vec<TimerInfo> {
        self.live.borrow().values().filter(|t| t.owner == owner).copied().collect()
    }
}
