//! The nemesis: the engine's fault driver for node crashes, restarts and clock jumps.
//!
//! It wakes at intervals drawn from the tape and, for each target node, asks the
//! `node.crash` and `clock.jump` fault points whether to strike. A crashed node with
//! a restart hook comes back after a drawn delay, also after the fault phase, so
//! liveness is judged on a system that could recover.

use crate::executor::Sim;
use crate::fault::points::{CLOCK_JUMP, NODE_CRASH};
use crate::node::NodeId;
use crate::tape::ChoiceKind;

/// When and where the nemesis strikes. Every field is in simulated milliseconds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NemesisConfig {
    /// The nodes it may crash or skew.
    pub targets: Vec<NodeId>,
    /// Shortest pause between two strikes.
    pub tick_min_ms: u64,
    /// Longest pause between two strikes.
    pub tick_max_ms: u64,
    /// Shortest time a crashed node stays down before its restart hook runs.
    pub restart_min_ms: u64,
    /// Longest time a crashed node stays down.
    pub restart_max_ms: u64,
    /// The largest clock jump, either way.
    pub clock_jump_max_ms: u64,
}

impl Default for NemesisConfig {
    fn default() -> NemesisConfig {
        NemesisConfig {
            targets: Vec::new(),
            tick_min_ms: 100,
            tick_max_ms: 10_000,
            restart_min_ms: 100,
            restart_max_ms: 30_000,
            clock_jump_max_ms: 60_000,
        }
    }
}

impl Sim {
    /// Starts the nemesis on the engine's node. It stops when the fault phase ends.
    pub fn spawn_nemesis(&self, config: NemesisConfig) {
        if config.targets.is_empty() {
            return;
        }
        let sim = self.clone();
        self.spawn(NodeId::SYSTEM, "nemesis", async move {
            loop {
                sim.sleep_ms(sim.between_at(ChoiceKind::Delay, "nemesis.tick", config.tick_min_ms, config.tick_max_ms))
                    .await;
                if !sim.faults_active() {
                    return;
                }
                for &node in &config.targets {
                    let _for = sim.acting_for(node);
                    if sim.is_up(node) && sim.fault(&NODE_CRASH) {
                        sim.crash(node);
                        sim.schedule_restart(node, &config);
                    }
                    if sim.fault(&CLOCK_JUMP) {
                        // Magnitude, then direction: a zero draw is no jump and forward.
                        let magnitude =
                            sim.between_at(ChoiceKind::Delay, "clock.jump.size", 0, config.clock_jump_max_ms) as i64;
                        let backward = sim.draw_at(ChoiceKind::Delay, "clock.jump.back", 2) == 1;
                        sim.jump_clock(node, if backward { -magnitude } else { magnitude });
                    }
                }
            }
        });
    }

    fn schedule_restart(&self, node: NodeId, config: &NemesisConfig) {
        if !self.restartable(node) {
            return;
        }
        let down_ms =
            self.between_at(ChoiceKind::Delay, "nemesis.restart", config.restart_min_ms, config.restart_max_ms);
        let sim = self.clone();
        self.spawn(NodeId::SYSTEM, "nemesis.restart", async move {
            sim.sleep_ms(down_ms).await;
            sim.restart(node);
        });
    }
}
