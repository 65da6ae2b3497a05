//! How a `proposed` launch asks and waits: a store request is tried a bounded number
//! of times, each try only if its answer can arrive before the holder's deadline, and
//! each try is numbered so the store refuses one that a later try overtook (a long
//! delay must not apply an old grant or publish after a newer request); a
//! wait ends when the tab's `getSandbox` value changes or a known expiry passes; and
//! every request is counted against L3 (no-spin) until the launch observes something
//! new.

use sim::{Sim, SimTime};

use crate::substrate::docstore::StoreError;
use crate::system::launcher::launch::mutate;
use crate::system::launcher::sandbox_records::SandboxTables;
use crate::system::launcher::server::UserSandbox;
use crate::system::launcher::tab::Tab;

/// Requests one launch made since it last observed a change (L3).
#[derive(Default)]
pub struct Pacing {
    since_news: u32,
}

impl Pacing {
    /// Counts a request; past the scenario's spin limit, L3 is broken.
    pub fn request(&mut self, tab: &Tab) {
        self.since_news += 1;
        let limit = tab.launcher.params.spin_limit;
        if self.since_news > limit {
            tab.launcher.ghost.broke(
                "no-spin",
                format!("tab{} made {} requests without observing a change", tab.id, self.since_news),
            );
        }
    }

    /// The launch observed something new: a changed query, an expiry, a grant.
    pub fn news(&mut self) {
        self.since_news = 0;
    }
}

/// Why a request has no answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoAnswer {
    /// Every try failed or went unanswered; the last error.
    Store(StoreError),
    /// No try left that could answer before the deadline.
    OutOfTime,
}

impl std::fmt::Display for NoAnswer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NoAnswer::Store(e) => write!(f, "{e}"),
            NoAnswer::OutOfTime => f.write_str("no time left under the lease"),
        }
    }
}

/// Whether a request sent now is answered (or timed out) by `deadline - margin`.
pub fn fits(tab: &Tab, sim: &Sim, wait_ms: u64, deadline: Option<SimTime>) -> bool {
    let margin = tab.launcher.params.leases.margin_ms;
    deadline.is_none_or(|d| sim.node_now(tab.node).plus_ms(wait_ms + margin) <= d)
}

/// Runs mutation `f` for the tab, retrying failed, ambiguous and unanswered tries
/// (`f` must be idempotent for its caller). Returns the answer and the time the
/// answered try was sent.
pub async fn request<R: 'static>(
    tab: &Tab,
    sim: &Sim,
    pacing: &mut Pacing,
    label: &'static str,
    deadline: Option<SimTime>,
    f: impl Fn(&mut SandboxTables, SimTime) -> R + Clone + 'static,
) -> Result<(R, SimTime), NoAnswer> {
    let p = tab.launcher.params.leases;
    let rpc_ms = sim.net_config().timeout_ms;
    let mut last = NoAnswer::OutOfTime;
    for attempt in 0..p.store_attempts {
        if attempt > 0 {
            sim.sleep_ms(p.retry_backoff_ms).await;
        }
        if !fits(tab, sim, rpc_ms, deadline) {
            return Err(NoAnswer::OutOfTime);
        }
        pacing.request(tab);
        let sent = sim.node_now(tab.node);
        match mutate_in_order(tab, sim, label, f.clone()).await {
            Ok(answer) => return Ok((answer, sent)),
            Err(e) => last = NoAnswer::Store(e),
        }
    }
    Err(last)
}

/// One try of mutation `f`, numbered: the store applies it only if no later request
/// of this tab got there first, from this life of the tab or a later one (the tab's
/// id and counter live in `sessionStorage`, which a reload keeps). A refused try
/// reads as a failed one (its sender has moved on by then: a later try is only sent
/// once this one timed out, and a later life only once this one ended).
pub async fn mutate_in_order<R: 'static>(
    tab: &Tab,
    sim: &Sim,
    label: &'static str,
    f: impl FnOnce(&mut SandboxTables, SimTime) -> R + 'static,
) -> Result<R, StoreError> {
    let seq = tab.requests_sent.get() + 1;
    tab.requests_sent.set(seq);
    let sender = u64::from(tab.id);
    match mutate(tab, sim, label, move |t, now| t.admit(sender, seq).then(|| f(t, now))).await {
        Ok(Some(answer)) => Ok(answer),
        Ok(None) => Err(StoreError::Failed),
        Err(e) => Err(e),
    }
}

/// Waits until the tab's `getSandbox` value differs from `seen`, or `until` passes.
pub async fn wait_for_news(tab: &Tab, sim: &Sim, seen: &Option<UserSandbox>, until: SimTime) {
    // Each turn waits for one change or the expiry; the bound only guards the model.
    for _ in 0..10_000 {
        let sub = tab.subscription.borrow().clone();
        let Some(sub) = sub else {
            return sim.sleep_ms(until.ms_since(sim.node_now(tab.node))).await;
        };
        if &sub.current() != seen || sim.node_now(tab.node) >= until {
            return;
        }
        let changed = sub.changed();
        sim.timeout_ms(until.ms_since(sim.node_now(tab.node)), changed).await;
    }
}
