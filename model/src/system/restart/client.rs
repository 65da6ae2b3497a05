//! The clients: one canvas per workspace, saving secrets and models.
//!
//! The mixed workload draws, per workspace, one to `episodes_max` episodes apart by
//! up to `episode_gap_max_ms`: the canvas's "set key + pick model" flow (SetSecret,
//! then SetModel within `burst_gap_max_ms`) or a single save. The contract workloads
//! shape one workspace's requests after the text's test cases: one save; a burst of
//! 2–5 saves within 300 ms (all inside the first cycle); 2–4 saves a minute apart.

use std::rc::Rc;

use sim::{ChoiceKind, NodeId, Sim};

use crate::system::restart::server::{Save, Server};
use crate::system::restart::world::{RestartParams, Workload};

/// The saves of one workspace, with the delay before each, in milliseconds.
pub fn draw_saves(sim: &Sim, params: &RestartParams) -> Vec<(u64, Save)> {
    let mut n = 0;
    let mut next = |model: bool| {
        n += 1;
        if model {
            Save::Model(n)
        } else {
            Save::Secret(n)
        }
    };
    match params.workload {
        Workload::Single => vec![(sim.workload(0, 1_000), next(false))],
        Workload::Burst => {
            let count = sim.workload(2, 5);
            (0..count).map(|i| (sim.workload(0, 300 / count), next(i % 2 == 1))).collect()
        }
        Workload::Sequential => {
            let count = sim.workload(2, 4);
            (0..count).map(|i| (if i == 0 { 0 } else { params.sequential_gap_ms }, next(i % 2 == 1))).collect()
        }
        Workload::Mixed | Workload::Contract => {
            let mut saves = Vec::new();
            for _ in 0..sim.workload(1, params.episodes_max) {
                let pause = sim.workload(0, params.episode_gap_max_ms);
                match sim.workload(0, 2) {
                    0 => {
                        saves.push((pause, next(false)));
                        saves.push((sim.workload(0, params.burst_gap_max_ms), next(true)));
                    }
                    1 => saves.push((pause, next(false))),
                    _ => saves.push((pause, next(true))),
                }
            }
            saves
        }
    }
}

/// Runs the canvas of `ws` on `node`: each save is an HTTP request to a server
/// replica (drawn when there are several); a request to a server that is down fails.
pub fn spawn_client(sim: &Sim, node: NodeId, ws: u32, saves: Vec<(u64, Save)>, servers: Vec<Rc<Server>>) {
    let s = sim.clone();
    sim.spawn(node, "canvas", async move {
        for (pause_ms, save) in saves {
            s.sleep_ms(pause_ms).await;
            let server = servers[s.draw(ChoiceKind::Workload, servers.len() as u64) as usize].clone();
            sim::note!(s, node, "ws{ws}: {save} → {}", server.name);
            s.send(node, server.node, save.handler(), move |sim| server.receive(sim, ws, save));
        }
    });
}
