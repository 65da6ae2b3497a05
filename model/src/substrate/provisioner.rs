//! The container provisioner: a Docker-like daemon node whose API calls take drawn
//! durations, can fail or hang, and finish even when their caller has died.
//!
//! Invariants it keeps:
//! - **Effects land at the end of a call.** Each call is a job on the daemon
//!   ([`call_job`]): it takes its drawn duration and then applies its effect, whether
//!   or not the caller is still alive to hear the answer.
//! - **A container carries the environment it was created with** (a snapshot of the
//!   database at the caller's load, with its version); nothing updates it later.
//! - **Containers exist from create to remove**, created or running; a start that
//!   fails leaves the container exited (gone from the live set).
//! - **Names are unique only when given** `[A]`: a create with a name that a live
//!   container already has fails with a conflict, as in Docker; unnamed creates never
//!   conflict.
//! - The daemon is not meant to crash.

mod container;

use std::collections::BTreeMap;
use std::rc::Rc;

use sim::{ChoiceKind, FaultPoint, NodeId, Sim};
use thiserror::Error;

use crate::substrate::remote_job::call_job;
use crate::substrate::workspace_db::Snapshot;
pub use container::{Container, ContainerId, ContainerState};

pub const PROVISION_FAIL: FaultPoint =
    FaultPoint { name: "docker.start.fail", doc: "a container start fails; the container exits" };
pub const PROVISION_HANG: FaultPoint =
    FaultPoint { name: "docker.pull.hang", doc: "an image pull never returns (the daemon hangs on it)" };
pub const STOP_SLOW: FaultPoint =
    FaultPoint { name: "docker.stop.slow", doc: "a container stop takes up to the slow-stop bound" };
pub const NOTIFY_LOST: FaultPoint =
    FaultPoint { name: "docker.notify.lost", doc: "a notification to a container is lost" };

/// Every fault point of the provisioner, for a scenario's swarm profile.
pub const PROVISIONER_FAULT_POINTS: [FaultPoint; 4] = [PROVISION_FAIL, PROVISION_HANG, STOP_SLOW, NOTIFY_LOST];

/// Durations of the daemon's calls, in milliseconds `[A]`: the text states none.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProvisionerParams {
    pub pull_min_ms: u64,
    pub pull_max_ms: u64,
    pub create_min_ms: u64,
    pub create_max_ms: u64,
    /// A start ends when the container's process is up.
    pub start_min_ms: u64,
    pub start_max_ms: u64,
    pub stop_min_ms: u64,
    pub stop_max_ms: u64,
    /// A slow stop ([`STOP_SLOW`]) takes up to this (Docker's 10 s grace and a kill).
    pub stop_slow_max_ms: u64,
    /// How long a caller waits for any call; beyond it the outcome is unknown.
    pub call_timeout_ms: u64,
}

impl Default for ProvisionerParams {
    fn default() -> ProvisionerParams {
        ProvisionerParams {
            pull_min_ms: 200,
            pull_max_ms: 5_000,
            create_min_ms: 50,
            create_max_ms: 500,
            start_min_ms: 1_000,
            start_max_ms: 10_000,
            stop_min_ms: 100,
            stop_max_ms: 2_000,
            stop_slow_max_ms: 30_000,
            // Go's Docker client has no timeout unless the caller's context sets one.
            call_timeout_ms: u64::MAX / 4,
        }
    }
}

/// Why a daemon call failed.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum DockerError {
    #[error("the container failed to start")]
    StartFailed,
    #[error("the container name {0} is already in use")]
    NameConflict(String),
    #[error("no such container {0}")]
    NoSuchContainer(ContainerId),
    #[error("no answer in time (the call may have happened)")]
    Timeout,
}

#[derive(Default)]
struct Daemon {
    containers: BTreeMap<ContainerId, Container>,
    next_id: u32,
}

/// A handle on the daemon node. Clones share it.
#[derive(Clone)]
pub struct Provisioner {
    pub node: NodeId,
    params: ProvisionerParams,
    daemon: Rc<sim::Tracked<Daemon>>,
}

impl Provisioner {
    pub fn new(sim: &Sim, name: &str, params: ProvisionerParams) -> Provisioner {
        Provisioner { node: sim.add_node(name), params, daemon: Rc::default() }
    }

    /// Puts a running container in place without a call (the world's starting state).
    pub fn seed_running(&self, ws: u32, name: Option<String>, snapshot: Snapshot) -> ContainerId {
        let mut d = self.daemon.borrow_mut();
        d.next_id += 1;
        let id = ContainerId(d.next_id);
        d.containers.insert(id, Container { id, ws, name, snapshot, state: ContainerState::Running, notes: vec![] });
        id
    }

    /// The live containers of `ws`, read from outside (invariants, tests).
    /// How many times the daemon's state (its containers) was written.
    pub fn writes(&self) -> u64 {
        self.daemon.writes()
    }

    /// How many containers of `ws` exist: [`Provisioner::live`]'s length, without copies.
    pub fn live_count(&self, ws: u32) -> usize {
        self.daemon.borrow().containers.values().filter(|c| c.ws == ws).count()
    }

    pub fn live(&self, ws: u32) -> Vec<Container> {
        self.daemon.borrow().containers.values().filter(|c| c.ws == ws).cloned().collect()
    }

    /// One call: `effect` runs on the daemon after `duration_ms`; `None` = it hangs.
    async fn call<R: 'static>(
        &self,
        sim: &Sim,
        from: NodeId,
        label: &'static str,
        duration_ms: impl FnOnce(&Sim) -> Option<u64> + 'static,
        effect: impl FnOnce(&Sim, &mut Daemon) -> Result<R, DockerError> + 'static,
    ) -> Result<R, DockerError> {
        let daemon = self.daemon.clone();
        let answer = call_job(sim, from, self.node, label, self.params.call_timeout_ms, move |sim| {
            let sim = sim.clone();
            let duration = duration_ms(&sim);
            async move {
                match duration {
                    Some(ms) => sim.sleep_ms(ms).await,
                    None => std::future::pending::<()>().await,
                }
                effect(&sim, &mut daemon.borrow_mut())
            }
        })
        .await;
        answer.unwrap_or(Err(DockerError::Timeout))
    }

    /// `docker ps --filter label=workspace=ws`: the live containers of `ws`.
    pub async fn list(&self, sim: &Sim, from: NodeId, ws: u32) -> Result<Vec<Container>, DockerError> {
        let (lo, hi) = (self.params.create_min_ms, self.params.create_max_ms);
        self.call(
            sim,
            from,
            "docker.list",
            move |s| Some(s.between(ChoiceKind::Delay, lo, hi)),
            move |_, d| Ok(d.containers.values().filter(|c| c.ws == ws).cloned().collect()),
        )
        .await
    }

    /// `docker pull`: can hang ([`PROVISION_HANG`]).
    pub async fn pull(&self, sim: &Sim, from: NodeId) -> Result<(), DockerError> {
        let (lo, hi) = (self.params.pull_min_ms, self.params.pull_max_ms);
        let duration = move |s: &Sim| (!s.fault(&PROVISION_HANG)).then(|| s.between(ChoiceKind::Delay, lo, hi));
        self.call(sim, from, "docker.pull", duration, |_, _| Ok(())).await
    }

    /// `docker create`: a container of `ws` with `snapshot`'s environment, created
    /// (not running) when the call ends.
    pub async fn create(
        &self,
        sim: &Sim,
        from: NodeId,
        ws: u32,
        name: Option<String>,
        snapshot: Snapshot,
    ) -> Result<ContainerId, DockerError> {
        let (lo, hi) = (self.params.create_min_ms, self.params.create_max_ms);
        self.call(
            sim,
            from,
            "docker.create",
            move |s| Some(s.between(ChoiceKind::Delay, lo, hi)),
            move |_, d| {
                if let Some(n) = &name {
                    if d.containers.values().any(|c| c.name.as_ref() == Some(n)) {
                        return Err(DockerError::NameConflict(n.clone()));
                    }
                }
                d.next_id += 1;
                let id = ContainerId(d.next_id);
                d.containers
                    .insert(id, Container { id, ws, name, snapshot, state: ContainerState::Created, notes: vec![] });
                Ok(id)
            },
        )
        .await
    }

    /// `docker start`: the container runs when the call ends, or exits if the start
    /// fails ([`PROVISION_FAIL`]) or it was removed meanwhile.
    pub async fn start(&self, sim: &Sim, from: NodeId, id: ContainerId) -> Result<(), DockerError> {
        let (lo, hi) = (self.params.start_min_ms, self.params.start_max_ms);
        self.call(
            sim,
            from,
            "docker.start",
            move |s| Some(s.between(ChoiceKind::Delay, lo, hi)),
            move |s, d| {
                if !d.containers.contains_key(&id) {
                    return Err(DockerError::NoSuchContainer(id));
                }
                if s.fault(&PROVISION_FAIL) {
                    d.containers.remove(&id);
                    return Err(DockerError::StartFailed);
                }
                d.containers.get_mut(&id).expect("checked above").state = ContainerState::Running;
                Ok(())
            },
        )
        .await
    }

    /// `docker stop` then `docker rm`: the container is gone when the call ends; a
    /// container already gone is no error. Can be slow ([`STOP_SLOW`]).
    pub async fn stop_and_remove(&self, sim: &Sim, from: NodeId, id: ContainerId) -> Result<(), DockerError> {
        let (lo, hi, slow) = (self.params.stop_min_ms, self.params.stop_max_ms, self.params.stop_slow_max_ms);
        let duration = move |s: &Sim| {
            let max = if s.fault(&STOP_SLOW) { slow } else { hi };
            Some(s.between(ChoiceKind::Delay, lo, max))
        };
        self.call(sim, from, "docker.stop", duration, move |_, d| {
            d.containers.remove(&id);
            Ok(())
        })
        .await
    }

    /// A one-way notification to a running container (it keeps the text); it can be
    /// lost ([`NOTIFY_LOST`]) and never reaches a container that is gone.
    pub fn notify(&self, sim: &Sim, from: NodeId, id: ContainerId, text: String) {
        let daemon = self.daemon.clone();
        sim.send(from, self.node, "container.notify", move |sim| {
            if sim.fault(&NOTIFY_LOST) {
                return;
            }
            if let Some(c) = daemon.borrow_mut().containers.get_mut(&id) {
                c.notes.push(text);
            }
        });
    }
}
