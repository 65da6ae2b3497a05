//! The simulated network: request/response and one-way messages between nodes, with
//! delays drawn from the tape, loss, partitions, and the ambiguous outcome.
//!
//! The vocabulary mirrors turmoil's (`partition`, `repair`). A message in flight is an
//! engine action on a timer, not a task of its sender, so it still arrives when its
//! sender crashes after sending (a call in flight is one allocation: `call.rs`). The
//! handler runs atomically at the destination at delivery time; a lost reply means the
//! request was applied but the caller sees an error after its timeout: the ambiguous
//! outcome that create locks and record inserts must survive.

use std::collections::BTreeSet;

use thiserror::Error;

use crate::call::Call;
use crate::executor::Sim;
use crate::fault::points::NET_DELAY_LONG;
use crate::fault::EngineFault;
use crate::node::NodeId;
use crate::tape::ChoiceKind;
use crate::trace::{EventKind, Message};

/// Latency and timeout of the network, in milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NetConfig {
    /// Shortest one-way delay.
    pub delay_min_ms: u64,
    /// Longest one-way delay.
    pub delay_max_ms: u64,
    /// How long a caller waits for a reply before it reports [`NetError::Timeout`].
    /// Longer than two maximal delays, so only a lost message times out.
    pub timeout_ms: u64,
}

impl Default for NetConfig {
    fn default() -> NetConfig {
        NetConfig { delay_min_ms: 1, delay_max_ms: 100, timeout_ms: 5_000 }
    }
}

/// The shortest and longest `net.delay.long` delay: seconds to minutes, far beyond
/// the normal range and any caller's timeout, heavy-tailed (see `heavy_tail_ms`).
pub const LONG_DELAY_MIN_MS: u64 = 1_000;
pub const LONG_DELAY_MAX_MS: u64 = 300_000;

/// Why a call failed. The caller cannot tell whether the request was applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
pub enum NetError {
    #[error("request timed out (it may or may not have been applied)")]
    Timeout,
}

#[derive(Default)]
pub(crate) struct NetState {
    pub config: NetConfig,
    /// Unordered pairs of nodes that cannot reach each other.
    pub partitions: BTreeSet<(NodeId, NodeId)>,
}

#[inline]
fn pair(a: NodeId, b: NodeId) -> (NodeId, NodeId) {
    (a.min(b), a.max(b))
}

impl Sim {
    pub fn set_net_config(&self, config: NetConfig) {
        assert!(config.delay_min_ms <= config.delay_max_ms, "net delay range is empty");
        assert!(config.timeout_ms > 2 * config.delay_max_ms, "net timeout must exceed a round trip");
        self.k().net.borrow_mut().config = config;
    }

    #[inline]
    pub fn net_config(&self) -> NetConfig {
        self.k().net.borrow().config
    }

    /// Cuts the link between `a` and `b` in both directions.
    pub fn partition(&self, a: NodeId, b: NodeId) {
        self.k().net.borrow_mut().partitions.insert(pair(a, b));
    }

    /// Restores the link between `a` and `b`.
    pub fn repair(&self, a: NodeId, b: NodeId) {
        self.k().net.borrow_mut().partitions.remove(&pair(a, b));
    }

    #[inline(always)]
    pub(crate) fn link_down_reason(&self, from: NodeId, to: NodeId) -> Option<&'static str> {
        if !self.is_up(to) {
            Some("destination down")
        } else if self.partitioned(from, to) {
            Some("partitioned")
        } else {
            None
        }
    }

    /// Whether a partition cuts `from` off from `to` (most runs have none).
    #[inline]
    pub(crate) fn partitioned(&self, from: NodeId, to: NodeId) -> bool {
        let net = self.k().net.borrow();
        !net.partitions.is_empty() && net.partitions.contains(&pair(from, to))
    }

    /// The delay of one message `what` from `from` to `to`: drawn from the normal
    /// range, unless `net.delay.long` fires and makes it seconds to minutes. Inlined:
    /// every message draws one, and the long delay is out of line.
    #[inline(always)]
    pub(crate) fn net_delay_ms(&self, from: NodeId, to: NodeId, what: &'static str) -> u64 {
        let c = self.net_config();
        let normal = self.between_at(ChoiceKind::Delay, "net.delay", c.delay_min_ms, c.delay_max_ms);
        if !self.message_fault_fires(EngineFault::DelayLong) {
            return normal;
        }
        self.long_delay_ms(from, to, what)
    }

    /// [`Sim::net_delay_ms`] once `net.delay.long` fired: the long delay, recorded.
    #[cold]
    #[inline(never)]
    fn long_delay_ms(&self, from: NodeId, to: NodeId, what: &'static str) -> u64 {
        let ms = self.heavy_tail_ms(LONG_DELAY_MIN_MS, LONG_DELAY_MAX_MS);
        self.record_fault_with(self.current_node(), &NET_DELAY_LONG, || {
            format!("{what} from {} to {} takes {ms} ms", self.node_name(from), self.node_name(to))
        });
        ms
    }

    /// Whether a loss fault `point` drops message `what` from `from` to `to`; `what`
    /// is a prefix and a label, formatted only when the fault fires and the trace keeps
    /// its events. Inlined down to the draw (most asks of a faulting run find the point
    /// off and draw nothing); the trace line is out of line.
    #[inline]
    pub(crate) fn lost(&self, fault: EngineFault, from: NodeId, to: NodeId, what: (&str, &str)) -> bool {
        let fired = self.message_fault_fires(fault);
        if fired {
            self.record_lost(fault.point(), from, to, what);
        }
        fired
    }

    /// Traces a message [`Sim::lost`] dropped.
    #[inline(never)]
    fn record_lost(&self, point: &crate::FaultPoint, from: NodeId, to: NodeId, what: (&str, &str)) {
        let (prefix, label) = what;
        self.record_fault_with(self.current_node(), point, || {
            format!("{prefix}{label} from {} to {}", self.node_name(from), self.node_name(to))
        });
    }

    /// Sends a request from `from` to `to` and waits for the reply. `handler` runs
    /// atomically on `to` when the request arrives; its result travels back. Fails
    /// with [`NetError::Timeout`] when the request or the reply is lost, the
    /// destination is down, or the nodes are partitioned. One allocation per call
    /// (see `call.rs`).
    pub async fn call<R: 'static>(
        &self,
        from: NodeId,
        to: NodeId,
        label: &'static str,
        handler: impl FnOnce(&Sim) -> R + 'static,
    ) -> Result<R, NetError> {
        Call::start(self, from, to, label, handler).await
    }

    /// Sends a one-way message: `handler` runs on `to` when it arrives, unless the
    /// message is lost on the way.
    pub fn send(&self, from: NodeId, to: NodeId, label: &'static str, handler: impl FnOnce(&Sim) + 'static) {
        self.record_message(from, Message::Send, to, label);
        let delay_ms = self.net_delay_ms(from, to, label);
        self.act_at(self.now().plus_ms(delay_ms), move |sim| {
            sim.when_running(to, move |sim| {
                sim.arrive(from, to, label, handler);
            });
        });
    }

    /// Applies a message that reached `to`, or drops it; `None` if it was lost.
    #[inline]
    pub(crate) fn arrive<R>(
        &self,
        from: NodeId,
        to: NodeId,
        label: &'static str,
        handler: impl FnOnce(&Sim) -> R,
    ) -> Option<R> {
        let why = self
            .link_down_reason(from, to)
            .or_else(|| self.lost(EngineFault::RequestLost, from, to, ("", label)).then_some("request lost"));
        if let Some(why) = why {
            self.record(to, EventKind::Lost { to, label, why });
            return None;
        }
        self.record_message(to, Message::Deliver, from, label);
        Some(self.as_node(to, || handler(self)))
    }

    /// Whether a reply can come later than the caller's timeout in this run: when a
    /// long delay or a pause can hold a message up. Only then does every call get its
    /// own deadline timer at once; in other runs a reply always beats the timeout, so
    /// only a lost message arms it.
    #[inline]
    pub(crate) fn calls_can_outlive_timeout(&self) -> bool {
        if self.faults_quiet() {
            return self.any_paused();
        }
        self.any_paused() || self.fault_table().holds_messages_armed()
    }
}
