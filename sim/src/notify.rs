//! A single-threaded notification: tasks wait until the model says something changed.
//!
//! Models use it for every "wait until the state changes" (a tab waiting for its
//! subscription, a client waiting for a lock). Waiters wake in the order they waited;
//! which of them runs first is then the scheduler's choice, drawn from the tape.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

#[derive(Default)]
struct Inner {
    epoch: u64,
    waiters: Vec<Waker>,
}

/// Wakes every task waiting on it. Cloning shares the same notifier.
#[derive(Clone, Default)]
pub struct Notify(Rc<RefCell<Inner>>);

impl Notify {
    pub fn new() -> Notify {
        Notify::default()
    }

    /// Wakes every task currently waiting in [`Notify::notified`].
    pub fn notify_all(&self) {
        let waiters = {
            let mut inner = self.0.borrow_mut();
            inner.epoch += 1;
            std::mem::take(&mut inner.waiters)
        };
        for w in waiters {
            w.wake();
        }
    }

    /// Completes at the first `notify_all` after this call.
    pub fn notified(&self) -> Notified {
        Notified { notify: self.clone(), epoch: self.0.borrow().epoch }
    }
}

/// The future returned by [`Notify::notified`].
pub struct Notified {
    notify: Notify,
    epoch: u64,
}

impl Future for Notified {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut inner = self.notify.0.borrow_mut();
        if inner.epoch > self.epoch {
            return Poll::Ready(());
        }
        if !inner.waiters.iter().any(|w| w.will_wake(cx.waker())) {
            inner.waiters.push(cx.waker().clone());
        }
        Poll::Pending
    }
}

/// Completes at the first notification of any of `notifies` after this call: a task
/// that reacts to several sources of change (a tab re-renders on its own state and on
/// its subscription) waits on all of them at once.
pub fn notified_any(notifies: &[Notify]) -> impl Future<Output = ()> {
    let mut waits: Vec<Notified> = notifies.iter().map(Notify::notified).collect();
    std::future::poll_fn(move |cx| {
        if waits.iter_mut().any(|w| Pin::new(w).poll(cx).is_ready()) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
}
