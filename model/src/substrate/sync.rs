//! The sync kit: goroutines and the locks of Go servers and Node.js processes, on one
//! node's single-threaded memory.
//!
//! - A goroutine is a task on a node ([`go`] = [`Sim::spawn`]); the tape schedules it.
//! - [`Mutex`]: `Lock`, `Unlock` (drop the guard), `TryLock`; a released mutex goes to
//!   the oldest waiter or to one drawn from the tape ([`WakeOrder`]).
//! - [`RwLock`]: FIFO-fair; a waiting writer blocks later readers.
//! - [`MutexMap`]: per-key, non-reentrant FIFO mutexes, made on demand.
//! - [`Locks`]: the run's registry; it lists holders and waiters and finds a cycle in
//!   the wait-for graph (I16), including an owner waiting for a lock it holds.
//!
//! Locks live in memory: when a node crashes its tasks are dropped, their guards with
//! them, and every lock they held is released (the node's restart hook builds fresh
//! state anyway). Releases hand the lock straight to the next waiter, so a lock is
//! never free while someone waits for it.

mod mutex;
mod mutex_map;
mod registry;
mod rwlock;
mod wait_queue;

#[cfg(test)]
mod tests;

use std::future::Future;

use sim::{NodeId, Sim, TaskId};

pub use mutex::{Mutex, MutexGuard};
pub use mutex_map::{MapGuard, MutexMap};
pub use registry::Locks;
pub use rwlock::{ReadGuard, RwLock, WriteGuard};

/// Who holds or waits: a label a wait-for graph and a timeline can name ("c3",
/// "handler#2").
pub type Owner = String;

/// The order in which waiters are granted a released lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WakeOrder {
    /// The oldest waiter first: JavaScript promise queues, FIFO-fair locks.
    Fifo,
    /// A waiter drawn from the tape (0 = the oldest): Go's `sync.Mutex`.
    Drawn,
}

/// `go f()`: runs `fut` as a new task on `node`, scheduled by the tape.
pub fn go(sim: &Sim, node: NodeId, name: &'static str, fut: impl Future<Output = ()> + 'static) -> TaskId {
    sim.spawn(node, name, fut)
}
