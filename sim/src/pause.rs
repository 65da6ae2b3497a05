//! Process pauses: a node stops being scheduled for a while with its memory intact,
//! then carries on where it stood (a GC pause, a VM stall, SIGSTOP and SIGCONT).
//!
//! A pause is the fault that breaks leases: the paused node's tasks sit at their
//! await points, its timers fire late, messages to it wait at its door, and when it
//! resumes its code runs on as if no time had passed, except that the clock moved.
//! The engine does this at any await point, so a model author never has to predict
//! where a pause would hurt.

use crate::executor::{Runnable, Sim, TaskId};
use crate::node::NodeId;
use crate::time::SimTime;
use crate::trace::EventKind;

/// Paused nodes, and what waits for them.
#[derive(Default)]
pub(crate) struct Pauses {
    /// Each paused node, the end of its pause and the incarnation it paused in.
    paused: Vec<(NodeId, SimTime, u32)>,
    /// Tasks of paused nodes that are ready to run, in the order they became ready.
    held: Vec<(NodeId, TaskId)>,
    /// Deliveries to paused nodes, in arrival order.
    deferred: Vec<(NodeId, Runnable)>,
}

impl Pauses {
    fn until(&self, node: NodeId) -> Option<SimTime> {
        self.paused.iter().find(|(n, _, _)| *n == node).map(|(_, t, _)| *t)
    }

    /// Holds task `id` of `node` back if the node is paused; false if it may run.
    pub(crate) fn hold(&mut self, node: NodeId, id: TaskId) -> bool {
        if self.paused.is_empty() || self.until(node).is_none() {
            return false;
        }
        self.held.push((node, id));
        true
    }

    /// Takes the node off the paused list; its held tasks and deliveries, in order.
    fn release(&mut self, node: NodeId) -> (Vec<TaskId>, Vec<Runnable>) {
        self.paused.retain(|(n, _, _)| *n != node);
        let (mine, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut self.held).into_iter().partition(|(n, _)| *n == node);
        self.held = rest;
        let (acts, rest): (Vec<_>, Vec<_>) =
            std::mem::take(&mut self.deferred).into_iter().partition(|(n, _)| *n == node);
        self.deferred = rest;
        (mine.into_iter().map(|(_, id)| id).collect(), acts.into_iter().map(|(_, a)| a).collect())
    }

    /// Everything still waiting, to drop at shutdown.
    pub(crate) fn drain(&mut self) -> Vec<Runnable> {
        self.paused.clear();
        self.held.clear();
        if self.deferred.is_empty() {
            return Vec::new();
        }
        std::mem::take(&mut self.deferred).into_iter().map(|(_, a)| a).collect()
    }
}

impl Sim {
    /// Pauses `node` for `ms` milliseconds: none of its tasks runs and nothing is
    /// delivered to it until then. Pausing a paused or crashed node does nothing.
    pub fn pause(&self, node: NodeId, ms: u64) {
        assert_ne!(node, NodeId::SYSTEM, "the engine's node cannot pause");
        if ms == 0 || !self.is_up(node) || self.is_paused(node) {
            return;
        }
        let until = self.now().plus_ms(ms);
        let life = self.incarnation(node);
        let k = self.k();
        k.pauses.borrow_mut().paused.push((node, until, life));
        k.any_paused.set(true);
        // Tasks of the node that are ready now wait too.
        let tasks = k.tasks.borrow();
        let mut pauses = k.pauses.borrow_mut();
        k.ready.borrow_mut().retain(|r| match r {
            Runnable::Task(id) if tasks.get(id.slot as usize).is_some_and(|t| t.node == node) => {
                pauses.held.push((node, *id));
                false
            }
            _ => true,
        });
        drop((tasks, pauses));
        self.record(node, EventKind::Pause { for_ms: ms });
        self.act_at(until, move |sim| sim.resume(node, life));
    }

    /// Whether any node is paused now.
    #[inline]
    pub(crate) fn any_paused(&self) -> bool {
        self.k().any_paused.get()
    }

    /// Whether `node` is paused now.
    #[inline]
    pub fn is_paused(&self, node: NodeId) -> bool {
        self.any_paused() && self.k().pauses.borrow().until(node).is_some()
    }

    /// Ends the pause `node` began in incarnation `life` (a crash ended it already).
    fn resume(&self, node: NodeId, life: u32) {
        let current = self.k().pauses.borrow().paused.iter().any(|&(n, _, l)| n == node && l == life);
        if !current {
            return;
        }
        self.record(node, EventKind::Resume);
        self.release_paused(node);
    }

    /// Returns the node's held tasks and deliveries to the ready list, in order.
    fn release_paused(&self, node: NodeId) {
        let (tasks, acts) = {
            let mut pauses = self.k().pauses.borrow_mut();
            let released = pauses.release(node);
            self.k().any_paused.set(!pauses.paused.is_empty());
            released
        };
        let mut ready = self.k().ready.borrow_mut();
        ready.extend(tasks.into_iter().filter(|id| self.task_live(*id)).map(Runnable::Task));
        ready.extend(acts);
    }

    /// A crash ends a pause: the held tasks are gone, and the waiting deliveries find
    /// the node down.
    pub(crate) fn end_pause_on_crash(&self, node: NodeId) {
        if self.is_paused(node) {
            self.release_paused(node);
        }
    }

    /// Queues task `id` of `node` to run, or holds it while the node is paused.
    pub(crate) fn make_ready(&self, node: NodeId, id: TaskId) {
        if !self.any_paused() || !self.k().pauses.borrow_mut().hold(node, id) {
            self.k().ready.borrow_mut().push(Runnable::Task(id));
        }
    }

    /// Runs `action` (a delivery to `node`) now, or when the node resumes.
    pub(crate) fn when_running(&self, node: NodeId, action: impl FnOnce(&Sim) + 'static) {
        if self.is_paused(node) {
            self.hold_delivery(node, Runnable::Act(Box::new(action)));
        } else {
            action(self);
        }
    }

    /// Keeps `delivery` for paused `node` until it resumes.
    pub(crate) fn hold_delivery(&self, node: NodeId, delivery: Runnable) {
        self.k().pauses.borrow_mut().deferred.push((node, delivery));
    }
}
