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

/// Seconds with three decimals, `12.345s`: the text of `format!("{}.{:03}s", ms / 1000,
/// ms % 1000)`, written in one piece. Trace notes hash this text and most of them carry
/// a time, so it is on every run's path: the digits are laid out by hand rather than
/// through two nested integer formats and a padding pass.
impl std::fmt::Display for SimTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // u64::MAX ms is 18446744073709551.615s: 17 digits, the point, 3 digits, `s`.
        let mut text = [0u8; 22];
        let mut start = text.len() - 5;
        text[start..].copy_from_slice(&[b'.', digit(self.0 / 100), digit(self.0 / 10), digit(self.0), b's']);
        let mut secs = self.0 / 1000;
        loop {
            start -= 1;
            text[start] = digit(secs);
            secs /= 10;
            if secs == 0 {
                break;
            }
        }
        f.write_str(std::str::from_utf8(&text[start..]).expect("ASCII digits"))
    }
}

/// The ASCII digit of `n`'s units.
fn digit(n: u64) -> u8 {
    b'0' + (n % 10) as u8
}

/// A future that completes at a simulated deadline. Dropping it cancels its timer,
/// so a crashed task leaves no timer behind. It borrows the `Sim` it sleeps in, as
/// the task that awaits it does: no count up and down of the kernel's `Rc` per sleep.
pub struct Sleep<'s> {
    sim: &'s Sim,
    deadline: SimTime,
    timer: Option<TimerKey>,
}

impl Sleep<'_> {
    #[inline]
    pub(crate) fn new(sim: &Sim, deadline: SimTime) -> Sleep<'_> {
        Sleep { sim, deadline, timer: None }
    }
}

impl Future for Sleep<'_> {
    type Output = ();

    #[inline]
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

impl Drop for Sleep<'_> {
    #[inline]
    fn drop(&mut self) {
        if let Some(key) = self.timer.take() {
            self.sim.cancel_timer(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::SimTime;

    #[test]
    fn a_time_displays_as_seconds_with_three_decimals() {
        for ms in [0, 1, 9, 10, 99, 100, 999, 1_000, 1_001, 12_345, 60_000, 1_234_567_890, u64::MAX - 1, u64::MAX] {
            assert_eq!(SimTime(ms).to_string(), format!("{}.{:03}s", ms / 1000, ms % 1000), "{ms}");
        }
        assert_eq!(SimTime(12_345).to_string(), "12.345s");
    }
}
