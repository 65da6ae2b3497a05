//! Who to wake when a timer or a reply is due: the engine's own task, known by its
//! id, or any other waker.
//!
//! A task's waker only queues the task's id on a thread-local list, which the
//! executor collects at its next step (see `executor.rs`). When the future that waits
//! is polled by its own task, which is nearly always, the engine remembers the task's
//! id instead of cloning its waker, and makes the task ready directly: no clone of the
//! waker, no thread-local queue. Both ways the task becomes ready at the same moment
//! and in the same place of the ready list, so no schedule changes.

use std::task::{RawWakerVTable, Waker};

use crate::executor::{Sim, TaskId};

/// A waiting future's way back to the task that awaits it.
pub(crate) enum Wakeup {
    /// The engine's task `TaskId`, which polled the future with its own waker.
    Task(TaskId),
    /// Any other waker (a combinator's, or a task of another simulation).
    Other(Waker),
}

/// The identity of the waker lent to the poll running now: the task's id, and the
/// raw parts [`Waker::will_wake`] compares. Raw pointers are only compared, never read.
#[derive(Clone, Copy)]
pub(crate) struct Polling {
    pub(crate) task: TaskId,
    data: *const (),
    vtable: *const RawWakerVTable,
}

impl Polling {
    pub(crate) fn new(task: TaskId, waker: &Waker) -> Polling {
        Polling { task, data: waker.data(), vtable: waker.vtable() }
    }

    fn is(&self, waker: &Waker) -> bool {
        waker.data() == self.data && std::ptr::eq(waker.vtable(), self.vtable)
    }
}

impl Wakeup {
    /// Whether waking `self` wakes whatever `waker` wakes, so it need not be replaced.
    pub(crate) fn will_wake(&self, sim: &Sim, waker: &Waker) -> bool {
        match self {
            Wakeup::Task(id) => sim.polling_task(waker) == Some(*id),
            Wakeup::Other(w) => w.will_wake(waker),
        }
    }
}

impl Sim {
    /// The wakeup for `waker`, seen in the poll running now.
    #[inline]
    pub(crate) fn wakeup_for(&self, waker: &Waker) -> Wakeup {
        match self.polling_task(waker) {
            Some(id) => Wakeup::Task(id),
            None => Wakeup::Other(waker.clone()),
        }
    }

    /// The task being polled, if `waker` is the one it was polled with.
    #[inline]
    fn polling_task(&self, waker: &Waker) -> Option<TaskId> {
        self.k().polling.get().filter(|p| p.is(waker)).map(|p| p.task)
    }

    /// Wakes `wakeup`: a task of this simulation joins the ready list at once.
    #[inline]
    pub(crate) fn wake_up(&self, wakeup: Wakeup) {
        match wakeup {
            Wakeup::Task(id) => self.make_task_ready(id),
            Wakeup::Other(waker) => {
                waker.wake();
                self.collect_woken();
            }
        }
    }
}
