//! Clock drift: a node's clock runs fast or slow against true time for a while.
//!
//! Jumps (`Sim::jump_clock`) move a clock at once; drift moves it steadily, the way a
//! bad oscillator or a throttled VM does, so a node's lease timer and its peer's
//! disagree by more the longer the lease. Rates are integer parts per million and
//! the drifted offset is computed in integers, so no float reaches a decision.

use crate::executor::Sim;
use crate::node::NodeId;
use crate::trace::EventKind;

impl Sim {
    /// Makes `node`'s clock run `ppm` parts per million fast (negative: slow) for the
    /// next `for_ms` true milliseconds, then exact again. The time drifted stays on
    /// the clock when the drift ends, as after a jump. A later drift replaces this one.
    pub fn drift_clock(&self, node: NodeId, ppm: i64, for_ms: u64) {
        let now = self.now();
        self.k().nodes.borrow_mut()[node.0 as usize].set_drift(now, ppm);
        self.record(node, EventKind::ClockDrift { ppm, for_ms });
        if ppm == 0 {
            return;
        }
        self.act_at(now.plus_ms(for_ms), move |sim| {
            let still_mine = {
                let nodes = sim.k().nodes.borrow();
                let n = &nodes[node.0 as usize];
                n.drift_since == now && n.drift_ppm == ppm
            };
            if still_mine {
                sim.k().nodes.borrow_mut()[node.0 as usize].set_drift(sim.now(), 0);
                sim.record(node, EventKind::ClockDrift { ppm: 0, for_ms: 0 });
            }
        });
    }

    /// How fast `node`'s clock runs now, in parts per million (0: exact).
    pub fn clock_drift_ppm(&self, node: NodeId) -> i64 {
        self.k().nodes.borrow()[node.0 as usize].drift_ppm
    }
}
