//! The environment's misbehaviour in a prewarm run: kills at random moments,
//! container restarts that restart a pid namespace, file server crashes, background
//! processes that take freed pids, and the engine's clock jumps on host clocks.

use std::rc::Rc;

use sim::{ChoiceKind, NemesisConfig, NodeId, Sim};

use crate::system::prewarm::actor::kill;
use crate::system::prewarm::faults::{FS_SERVER_CRASH, HOST_RESTART, PROCESS_KILL};
use crate::system::prewarm::world::World;
use crate::system::text::Text;

/// Starts the killer, the background processes and the clock nemesis.
pub fn start(sim: &Sim, w: &World) {
    let (w2, s2) = (Rc::clone(w), sim.clone());
    sim.spawn(NodeId::SYSTEM, "killer", async move {
        loop {
            s2.sleep_ms(s2.between(ChoiceKind::Delay, 1_000, 120_000)).await;
            if !s2.faults_active() {
                return;
            }
            strike(&w2, &s2);
        }
    });
    for h in 0..w.hosts.len() {
        for i in 0..w.params.background_processes {
            let (w2, s2) = (Rc::clone(w), sim.clone());
            sim.spawn(NodeId::SYSTEM, "background", async move {
                let procs = w2.hosts[h].procs.clone();
                let name = Text::new().str("bg").num(i as u64).done();
                loop {
                    let user = if s2.draw(ChoiceKind::Workload, 2) == 0 { "eve" } else { "other" };
                    let pid = procs.spawn(user, &name);
                    let start = procs.start_of(pid);
                    s2.sleep_ms(s2.between(ChoiceKind::Delay, 1_000, 1_800_000)).await;
                    // A container restart may have ended it, and its pid be another's now.
                    if procs.start_of(pid) == start {
                        procs.exit_reaped(pid);
                    }
                    if !s2.faults_active() {
                        return;
                    }
                    s2.sleep_ms(s2.between(ChoiceKind::Delay, 0, 60_000)).await;
                }
            });
        }
    }
    sim.spawn_nemesis(NemesisConfig {
        targets: w.hosts.iter().map(|h| h.clock).collect(),
        tick_min_ms: 10_000,
        tick_max_ms: 600_000,
        ..NemesisConfig::default()
    });
}

fn strike(w: &World, sim: &Sim) {
    for slot in 0..w.slots.len() {
        if w.slots[slot].proc.get().is_some() && sim.fault(&PROCESS_KILL) {
            let id = w.slots[slot].proc.get().unwrap_or_default();
            let mut line = w.note_line();
            line.str("kill -9 ").str(&w.ghost.borrow().procs[id].label);
            sim.note_str(NodeId::SYSTEM, line.as_str());
            w.note_done(line);
            kill(w, sim, slot);
        }
    }
    for (h, host) in w.hosts.iter().enumerate() {
        if sim.fault(&HOST_RESTART) {
            let mut line = w.note_line();
            line.str(&host.name).str(" restarts: its pid namespace starts over");
            sim.note_str(NodeId::SYSTEM, line.as_str());
            w.note_done(line);
            for slot in 0..w.slots.len() {
                if w.slots[slot].host == h {
                    kill(w, sim, slot);
                }
            }
            host.procs.restart_namespace();
            host.ns.set(host.ns.get() + 1);
            // The footprint reads the namespace: its change must not look like a
            // step that wrote nothing (`reads.rs`).
            sim::tracked::count_untracked_write();
            if w.hosts.len() == 1 {
                w.fs.crash();
            }
        }
    }
    if w.hosts.len() > 1 && sim.fault(&FS_SERVER_CRASH) {
        sim.note(NodeId::SYSTEM, "the file server crashes and comes back");
        w.fs.crash();
    }
}
