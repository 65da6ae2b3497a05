//! Virtual time. Nothing here reads a real clock: time moves only when the executor
//! has no ready task and jumps to the earliest timer.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use serde::{Deserialize, Serialize};

use crate::executor::Sim;
use crate::timers::TimerKey;

/// A point in simulated time, in milliseconds since the start of the run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SimTime(pub u64);

impl SimTime {
    pub const ZERO: SimTime = SimTime(0);

    pub const fn from_secs(secs: u64) -> SimTime {
        SimTime(secs * 1000)
    }

    pub const fn as_ms(self) -> u64 {
        self.0
    }

    pub const fn plus_ms(self, ms: u64) -> SimTime {
        SimTime(self.0.saturating_add(ms))
    }

    /// Milliseconds from `earlier` to `self`, or 0 if `earlier` is later.
    pub const fn ms_since(self, earlier: SimTime) -> u64 {
        self.0.saturating_sub(earlier.0)
    }
}

impl std::fmt::Display for SimTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{:03}s", self.0 / 1000, self.0 % 1000)
    }
}

/// A future that completes at a simulated deadline. Dropping it cancels its timer,
/// so a crashed task leaves no timer behind.
pub struct Sleep {
    sim: Sim,
    deadline: SimTime,
    timer: Option<TimerKey>,
}

impl Sleep {
    pub(crate) fn new(sim: Sim, deadline: SimTime) -> Sleep {
        Sleep { sim, deadline, timer: None }
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.sim.now() >= self.deadline {
            // Its timer, if any, has fired: time never passes a pending timer.
            self.timer = None;
            return Poll::Ready(());
        }
        if self.timer.is_none() {
            let key = self.sim.add_timer(self.deadline, cx.waker());
            self.timer = Some(key);
        }
        Poll::Pending
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if let Some(key) = self.timer.take() {
            self.sim.cancel_timer(key);
        }
    }
}
