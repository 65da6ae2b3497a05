//! A scheduling point: the task steps aside once, so any other ready task may run
//! before it continues. The tape decides who runs next, as for every other step.
//!
//! Models put one between the steps of an operation the real system performs as
//! several awaited calls (`mkdir`, then `writeFile`; `readdir`, then `unlink`), so
//! every interleaving of those steps is reachable.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Completes on its second poll, after waking its task once.
pub fn yield_now() -> YieldNow {
    YieldNow { yielded: false }
}

/// The future of [`yield_now`].
pub struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
