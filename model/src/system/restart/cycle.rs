//! `runRestartCycle`: `Stop` → `loadWorkspaceSecrets` → `provisionWorkspace` → `go
//! sendRestartContext`, with the provision in its own goroutine in V0.
//!
//! `Stop` lists the workspace's containers and stops and removes each `[A]`; its
//! errors are logged and the cycle goes on `[A]`. `provisionWorkspace` pulls, creates
//! a container with the loaded environment and starts it; on an error it removes what
//! it created `[A]`. A panic (the `restart.cycle.panic` fault) strikes after `Stop`,
//! in `loadWorkspaceSecrets`. The domain consequence is noted when a container comes
//! up: without `HERMES_DEFAULT_MODEL` it answers "No LLM provider configured".

use std::future::Future;
use std::rc::Rc;

use sim::{FaultPoint, Sim};

use crate::substrate::provisioner::{ContainerId, DockerError};
use crate::substrate::sync::go;
use crate::substrate::workspace_db::{Env, Snapshot};
use crate::system::restart::coalescer::CycleReturn;
use crate::system::restart::history::{CycleEnd, CycleToken};
use crate::system::restart::server::Server;
use crate::system::restart::version::Version;

pub const CYCLE_PANIC: FaultPoint =
    FaultPoint { name: "restart.cycle.panic", doc: "a restart cycle panics (in loadWorkspaceSecrets)" };

/// What hermes in a container with `env` answers (start.sh's fallback chain).
pub fn hermes_answer(env: &Env) -> String {
    match (env.get("HERMES_DEFAULT_MODEL"), env.get("MINIMAX_API_KEY")) {
        (None, _) => "HERMES_DEFAULT_MODEL absent → start.sh falls back to nousresearch/hermes-4-70b → provider \
                      openrouter → no OPENROUTER_API_KEY → \"No LLM provider configured\""
            .to_string(),
        (Some(m), None) => format!("model {m}, provider minimax, no MINIMAX_API_KEY → \"No LLM provider configured\""),
        (Some(m), Some(k)) => format!("answers with {m} (key {k})"),
    }
}

impl Server {
    /// Runs one cycle of `ws`; `token` ends when its provision ends.
    pub async fn run_cycle(self: &Rc<Self>, sim: &Sim, ws: u32, token: CycleToken) -> CycleReturn {
        let n = token.number();
        sim::note!(sim, self.node, "cycle {n} ws{ws}: Stop");
        self.stop(sim, ws).await;
        if sim.fault(&CYCLE_PANIC) {
            if !self.params.panic_recovered {
                sim::note!(sim, self.node, "cycle {n} ws{ws}: panic, not recovered → the process exits");
                self.crash_process(sim).await;
            }
            sim::note!(sim, self.node, "cycle {n} ws{ws}: panic, recovered; the goroutine ends");
            return CycleReturn::Panicked;
        }
        let snapshot = match self.db.load(sim, self.node, ws).await {
            Ok(s) => s,
            Err(e) => {
                sim::note!(sim, self.node, "cycle {n} ws{ws}: loadWorkspaceSecrets failed: {e}");
                token.end(CycleEnd::Failed(e.to_string()));
                return CycleReturn::Done;
            }
        };
        let keys: Vec<&str> = snapshot.env.keys().map(String::as_str).collect();
        sim::note!(sim, self.node, "cycle {n} ws{ws}: loadWorkspaceSecrets → v{} {keys:?}", snapshot.version);
        if self.version.async_provision() {
            sim::note!(sim, self.node, "cycle {n} ws{ws}: go provisionWorkspace");
            let (me, s) = (self.clone(), sim.clone());
            go(sim, self.node, "provisionWorkspace", async move { me.provision(&s, ws, snapshot, token).await });
        } else {
            self.provision(sim, ws, snapshot, token).await;
        }
        CycleReturn::Done
    }

    /// A Docker call under the `proposed` design's deadline (none otherwise).
    async fn docker_call<R>(
        &self,
        sim: &Sim,
        call: impl Future<Output = Result<R, DockerError>>,
    ) -> Result<R, DockerError> {
        if self.version != Version::Proposed {
            return call.await;
        }
        sim.timeout_ms(self.params.proposed.call_timeout_ms, call).await.unwrap_or(Err(DockerError::Timeout))
    }

    /// `Stop(ws)`: every container of the workspace is stopped and removed.
    async fn stop(&self, sim: &Sim, ws: u32) {
        let containers = match self.docker_call(sim, self.docker.list(sim, self.node, ws)).await {
            Ok(c) => c,
            Err(e) => return sim::note!(sim, self.node, "Stop ws{ws}: list failed: {e}"),
        };
        for c in containers {
            match self.docker_call(sim, self.docker.stop_and_remove(sim, self.node, c.id)).await {
                Ok(()) => sim::note!(sim, self.node, "Stop ws{ws}: {} removed", c.id),
                Err(e) => sim::note!(sim, self.node, "Stop ws{ws}: {}: {e}", c.id),
            }
        }
    }

    /// `provisionWorkspace(ws, env)`: pull, create, start; then `go sendRestartContext`.
    async fn provision(self: &Rc<Self>, sim: &Sim, ws: u32, snapshot: Snapshot, token: CycleToken) {
        let n = token.number();
        let version = snapshot.version;
        match self.create_and_start(sim, ws, snapshot.clone()).await {
            Ok(id) => {
                let answer = hermes_answer(&snapshot.env);
                sim::note!(sim, self.node, "cycle {n} ws{ws}: {id} up with v{version}: {answer}");
                token.end(CycleEnd::Up { container: id, version });
                if self.version == Version::Proposed {
                    // The acknowledgement the reconciler compares with the latest commit.
                    let _ = self.db.mark_applied(sim, self.node, ws, version).await;
                }
                let (docker, s, node) = (self.docker.clone(), sim.clone(), self.node);
                go(sim, self.node, "sendRestartContext", async move {
                    docker.notify(&s, node, id, format!("restart context: config v{version}"));
                });
            }
            Err(e) => {
                sim::note!(sim, self.node, "cycle {n} ws{ws}: provisionWorkspace failed: {e}");
                token.end(CycleEnd::Failed(e.to_string()));
            }
        }
    }

    async fn create_and_start(&self, sim: &Sim, ws: u32, snapshot: Snapshot) -> Result<ContainerId, DockerError> {
        self.docker_call(sim, self.docker.pull(sim, self.node)).await?;
        let named = self.params.container_names || self.version == Version::Proposed;
        let name = named.then(|| format!("ws-{ws}"));
        let id = self.docker_call(sim, self.docker.create(sim, self.node, ws, name, snapshot)).await?;
        if let Err(e) = self.docker_call(sim, self.docker.start(sim, self.node, id)).await {
            let _ = self.docker_call(sim, self.docker.stop_and_remove(sim, self.node, id)).await;
            return Err(e);
        }
        Ok(id)
    }
}
