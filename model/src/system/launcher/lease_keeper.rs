//! The `proposed` lease keeper: renews a lease its tab holds while the tab works under
//! it, and keeps the holder's own deadline (protocol step 6 of
//! [`crate::system::launcher::version::PROPOSED`]).
//!
//! Why renewals: a fixed lease must outlast the whole critical section, and the
//! store's clock, which judges expiry, may run ahead of real time (`clock.jump`,
//! `clock.drift`), so a long fixed lease expires early in real time (F8). With
//! renewals every [`crate::system::launcher::world::LeaseParams::renew_every_ms`], only
//! the skew gathered since the last renewal counts, and the lease can be short enough
//! that a dead holder blocks others briefly.
//!
//! The holder's deadline is the send time (its own clock) of the last renewal the
//! store confirmed, plus the TTL: the store applied it no earlier, so by the store's
//! clock the lease ends no sooner (up to the skew the margin covers). An unanswered
//! renewal moves nothing. A renewal the store refuses means the lease is gone.
//!
//! The keeper also remembers the provider requests its holder sent and never heard
//! back from: such a request may still arrive (a long delay), so the holder keeps the
//! lease until it surely has ([`Keeper::settle`]) before it lets the lease go.

use std::cell::Cell;
use std::rc::Rc;

use sim::{note, Sim, SimTime};

use crate::system::launcher::launch::mutate;
use crate::system::launcher::sandbox_records::SandboxTables;
use crate::system::launcher::tab::Tab;
use crate::system::launcher::world::Mutant;

#[derive(Default)]
struct Shared {
    deadline: Cell<SimTime>,
    lost: Cell<bool>,
    stopped: Cell<bool>,
    /// When every unanswered provider request has surely arrived and ended.
    settled_at: Cell<SimTime>,
}

/// A lease being kept. Dropping it stops the renewals.
pub struct Keeper {
    shared: Rc<Shared>,
}

impl Keeper {
    /// Starts renewing a lease granted by a request sent at `sent`, with `renew`, the
    /// holder's renewal mutation (true: renewed; false: the lease is no longer its own).
    pub fn start(
        tab: &Tab,
        sim: &Sim,
        sent: SimTime,
        ttl_ms: u64,
        label: &'static str,
        renew: impl Fn(&mut SandboxTables, SimTime) -> bool + Clone + 'static,
    ) -> Keeper {
        let shared = Rc::new(Shared::default());
        shared.deadline.set(sent.plus_ms(ttl_ms));
        let (s, t, sim2) = (shared.clone(), tab.clone(), sim.clone());
        sim.spawn(tab.node, label, async move { renew_loop(&t, &sim2, &s, ttl_ms, label, renew).await });
        Keeper { shared }
    }

    /// The holder's deadline by its own clock.
    pub fn deadline(&self) -> SimTime {
        self.shared.deadline.get()
    }

    /// Whether the store said the lease is no longer the holder's.
    pub fn lost(&self) -> bool {
        self.shared.lost.get()
    }

    /// Records a provider request sent at `sent` that went unanswered and whose effect
    /// may still land up to `after_arrival_ms` after it arrives.
    pub fn unanswered(&self, tab: &Tab, sent: SimTime, after_arrival_ms: u64) {
        let lp = tab.launcher.params.leases;
        let at = sent.plus_ms(lp.max_message_delay_ms + after_arrival_ms);
        self.shared.settled_at.set(self.shared.settled_at.get().max(at));
    }

    /// Waits, still holding the lease, until every unanswered request has surely
    /// landed. False if the lease ends first: the holder must then not release it
    /// (it expires later still, by the rule that sends a request only if it lands
    /// before the deadline).
    pub async fn settle(&self, tab: &Tab, sim: &Sim) -> bool {
        let at = self.shared.settled_at.get();
        let now = sim.node_now(tab.node);
        if at <= now {
            return true;
        }
        note!(sim, tab.node, "keeps its lease until t={at}, when its unanswered requests have surely landed");
        sim.sleep_ms(at.ms_since(now)).await;
        !self.lost() && sim.node_now(tab.node) < self.deadline()
    }

    /// Waits for `fut` while the lease lasts (less the margin): `None` if the lease
    /// ended or was lost first. Renewals move the deadline on meanwhile.
    pub async fn within<T>(&self, tab: &Tab, sim: &Sim, fut: impl std::future::Future<Output = T>) -> Option<T> {
        let margin = tab.launcher.params.leases.margin_ms;
        let step = tab.launcher.params.leases.renew_every_ms;
        let mut fut = std::pin::pin!(fut);
        loop {
            let now = sim.node_now(tab.node);
            let end = SimTime(self.deadline().as_ms().saturating_sub(margin));
            if self.lost() || now >= end {
                return None;
            }
            if let Some(v) = sim.timeout_ms(end.ms_since(now).min(step), fut.as_mut()).await {
                return Some(v);
            }
        }
    }
}

impl Drop for Keeper {
    fn drop(&mut self) {
        self.shared.stopped.set(true);
    }
}

async fn renew_loop(
    tab: &Tab,
    sim: &Sim,
    s: &Shared,
    ttl_ms: u64,
    label: &'static str,
    renew: impl Fn(&mut SandboxTables, SimTime) -> bool + Clone + 'static,
) {
    let lp = tab.launcher.params.leases;
    loop {
        sim.sleep_ms(lp.renew_every_ms).await;
        let sent = sim.node_now(tab.node);
        if s.stopped.get() || sent >= s.deadline.get() {
            return;
        }
        if lp.mutant == Some(Mutant::SkipRenew) {
            s.deadline.set(s.deadline.get().max(sent.plus_ms(ttl_ms)));
            continue;
        }
        match mutate(tab, sim, label, renew.clone()).await {
            Ok(true) if !s.stopped.get() => s.deadline.set(s.deadline.get().max(sent.plus_ms(ttl_ms))),
            Ok(false) => {
                s.lost.set(true);
                return;
            }
            _ => {}
        }
    }
}
