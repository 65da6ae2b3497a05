//! `RestartByID` in each version: the gate in front of `runRestartCycle`.
//!
//! - V0: `TryLock` on a per-workspace mutex; a request that finds it held is logged
//!   and dropped; `defer Unlock()` runs when `RestartByID` returns, which is before
//!   the container is up because the provision runs in its own goroutine.
//! - V1: `coalesceRestart`: under `s.mu`, a request that finds `running` sets
//!   `pending` and returns; the runner loops while `pending` was set during its cycle.
//!   A recovered panic in `cycle()` leaves `running` set (the text has no `defer`).
//! - `proposed`: V1 with the reset deferred: a panicked cycle counts as done and the
//!   runner goes on to its `pending` check.

use std::rc::Rc;

use sim::Sim;

use crate::system::restart::history::begin_cycle;
use crate::system::restart::server::Server;
use crate::system::restart::version::Version;

/// How a cycle returned to its runner.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CycleReturn {
    Done,
    /// It panicked and the panic was recovered (`panic_recovered`).
    Panicked,
}

impl Server {
    /// `RestartByID(ws)`.
    pub async fn restart_by_id(self: &Rc<Self>, sim: &Sim, ws: u32) {
        match self.version {
            Version::V0 => self.restart_v0(sim, ws).await,
            Version::V1 | Version::Proposed => self.coalesce_restart(sim, ws).await,
        }
    }

    async fn restart_v0(self: &Rc<Self>, sim: &Sim, ws: u32) {
        let me = self.goroutine(ws, "restart");
        let m = self.v0_mutex(ws);
        let Some(unlock) = m.try_lock(&me) else {
            sim::note!(sim, self.node, "Auto-restart: skipping ws{ws} — restart already in progress");
            return;
        };
        let token = begin_cycle(&self.history, ws, &self.name, sim.now());
        sim::note!(sim, self.node, "{me}: TryLock ok → cycle {} begins", token.number());
        // The deferred Unlock runs on return and on a recovered panic alike.
        let _ = self.run_cycle(sim, ws, token).await;
        unlock.unlock();
    }

    async fn coalesce_restart(self: &Rc<Self>, sim: &Sim, ws: u32) {
        const CYCLES_MAX: u32 = 10_000;
        let me = self.goroutine(ws, "restart");
        let s = self.coalescer(ws);
        let guard = s.mu.lock(&me).await;
        if s.running.get() {
            s.pending.set(true);
            sim.sometimes("pending-restart-coalesced");
            sim::note!(sim, self.node, "{me}: a cycle is running → pending = true, return");
            guard.unlock();
            return;
        }
        s.running.set(true);
        let mut token = begin_cycle(&self.history, ws, &self.name, sim.now());
        sim::note!(sim, self.node, "{me}: running = true → cycle {} begins", token.number());
        guard.unlock();
        for _ in 0..CYCLES_MAX {
            let returned = self.run_cycle(sim, ws, token).await;
            if returned == CycleReturn::Panicked && self.version == Version::V1 {
                sim::note!(sim, self.node, "{me}: cycle panicked; running stays true (no deferred reset)");
                return;
            }
            let guard = s.mu.lock(&me).await;
            if s.pending.get() {
                s.pending.set(false);
                sim.sometimes("pending-cycle-runs");
                token = begin_cycle(&self.history, ws, &self.name, sim.now());
                sim::note!(sim, self.node, "{me}: pending was set → pending = false, cycle {} begins", token.number());
                guard.unlock();
                continue;
            }
            s.running.set(false);
            sim::note!(sim, self.node, "{me}: no pending → running = false, done");
            guard.unlock();
            return;
        }
        panic!("coalesceRestart ran {CYCLES_MAX} cycles for one runner");
    }
}
