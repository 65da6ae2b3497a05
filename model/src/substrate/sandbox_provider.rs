//! The sandbox provider: the Daytona role of the multi-tab launcher (SYSTEMS.md S000.A).
//!
//! A server node holding sandboxes, their files and the sessions started in them.
//! Invariants it keeps:
//! - **A create outlives its caller.** `create` starts a job on the provider node
//!   ([`crate::substrate::remote_job`]): the caller's crash drops only its wait, and the sandbox
//!   still boots, turns healthy and gets its files, so an orphan is possible (I3).
//! - **Sandboxes exist from the moment the request arrives** (`Booting`), so a live
//!   sandbox is visible to observers for the whole create.
//! - **A failed create leaves nothing alive** `[A]`: when [`PROVIDER_CREATE_FAIL`] fires
//!   (after the create phase has taken its time), the provider destroys the
//!   half-created sandbox itself and the caller gets [`ProviderError::Failed`].
//! - **Config writes are two steps.** `.env`, then `config.yaml`, each landing after its
//!   own drawn duration, so two writers can interleave and leave a torn pair (I9).
//!   Each sandbox counts the file writes running on it.
//! - **Installs run on the provider** `[A]`: `write_config` and `upload_skill` are jobs
//!   too (the server-side install keeps going when the tab closes), so the count of
//!   writers on a skill directory is exact and never counts a dead writer.
//! - **Listing by user** (Daytona's `list(labels)`, the user being a label set at
//!   create) answers from the provider's state when the request arrives: a sandbox
//!   whose create request has arrived is listed, booting or not.
//! - Every duration is drawn from the tape within a [`ProviderParams`] range.
//! - The provider is not meant to crash; if it does, in-flight jobs stop where they are.

mod sandbox;

use std::collections::BTreeMap;
use std::rc::Rc;

use sim::{note, ChoiceKind, FaultPoint, NetError, NodeId, Ratio, Sim, Tracked};
use thiserror::Error;

use crate::substrate::remote_job::call_job;
pub use sandbox::{ConfigFile, Sandbox, SandboxId, SandboxStatus, Session, SkillDir, UploadState};

pub const PROVIDER_CREATE_FAIL: FaultPoint = FaultPoint {
    name: "provider.create.fail",
    doc: "a sandbox create fails after its create phase; the provider destroys what it had started",
};

pub const PROVIDER_DESTROY_FAIL: FaultPoint =
    FaultPoint { name: "provider.destroy.fail", doc: "a sandbox destroy fails; the sandbox stays alive" };

/// Every fault point of the provider, for a scenario's swarm profile.
pub const PROVIDER_FAULT_POINTS: [FaultPoint; 2] = [PROVIDER_CREATE_FAIL, PROVIDER_DESTROY_FAIL];

/// Why a provider request did not succeed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
pub enum ProviderError {
    /// A fault: the operation failed (a failed create leaves no live sandbox).
    #[error("the provider reported a failure")]
    Failed,
    /// No answer in time: the operation may not have started, may still be running,
    /// or may have finished with its answer lost.
    #[error("no answer in time (the operation may have happened)")]
    Timeout,
    #[error("network: {0}")]
    Network(#[from] NetError),
    /// The sandbox is destroyed or unknown.
    #[error("the sandbox is gone")]
    Gone,
    /// The sandbox has not finished booting.
    #[error("the sandbox is not healthy yet")]
    NotHealthy,
}

/// Durations in simulated milliseconds. Maxima are SYSTEMS.md S000.A's; minima and
/// the unquantified phases are assumptions `[A]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProviderParams {
    /// Snapshot create path (`daytona.ts:109-153`): up to 120 s; at least 2 s `[A]`.
    pub snapshot_create_min_ms: u64,
    pub snapshot_create_max_ms: u64,
    /// Fallback create path: up to 300 s; at least 10 s `[A]`.
    pub fallback_create_min_ms: u64,
    pub fallback_create_max_ms: u64,
    /// How often a create takes the fallback path `[A]`.
    pub fallback_path: Ratio,
    /// `waitForHealth()` (`daytona.ts:220`): up to 120 s; at least 1 s `[A]`.
    pub health_wait_min_ms: u64,
    pub health_wait_max_ms: u64,
    /// Writing one config file ("upload and setup", unquantified) `[A]`.
    pub file_write_min_ms: u64,
    pub file_write_max_ms: u64,
    /// Uploading one skill directory (unquantified) `[A]`.
    pub skill_upload_min_ms: u64,
    pub skill_upload_max_ms: u64,
    /// How long a `create` caller waits for its answer. The default exceeds the
    /// longest create by 10 s, more than a network round trip, so only a lost
    /// message or a slow network makes it time out.
    pub create_timeout_ms: u64,
    /// How long a `write_config`, `write_file` or `upload_skill` caller waits.
    pub install_timeout_ms: u64,
    /// 0: boot times are drawn to the millisecond. Otherwise they are drawn as whole
    /// multiples of this quantum within the path's bounds (`launcher/create-lock`
    /// counts time in 30 s ticks, as its peers do).
    pub boot_quantum_ms: u64,
}

impl ProviderParams {
    /// The longest a create can take: fallback path, health wait, two files, a skill.
    pub fn longest_create_ms(&self) -> u64 {
        let path = self.snapshot_create_max_ms.max(self.fallback_create_max_ms);
        path + self.health_wait_max_ms + self.longest_install_ms()
    }

    /// The longest an install can take: two config files and one skill directory.
    pub fn longest_install_ms(&self) -> u64 {
        2 * self.file_write_max_ms + self.skill_upload_max_ms
    }
}

impl Default for ProviderParams {
    fn default() -> ProviderParams {
        let mut p = ProviderParams {
            snapshot_create_min_ms: 2_000,
            snapshot_create_max_ms: 120_000,
            fallback_create_min_ms: 10_000,
            fallback_create_max_ms: 300_000,
            fallback_path: Ratio::new(1, 4),
            health_wait_min_ms: 1_000,
            health_wait_max_ms: 120_000,
            file_write_min_ms: 100,
            file_write_max_ms: 2_000,
            skill_upload_min_ms: 1_000,
            skill_upload_max_ms: 30_000,
            create_timeout_ms: 0,
            install_timeout_ms: 0,
            boot_quantum_ms: 0,
        };
        p.create_timeout_ms = p.longest_create_ms() + 10_000;
        p.install_timeout_ms = p.longest_install_ms() + 10_000;
        p
    }
}

#[derive(Default)]
struct ProviderState {
    sandboxes: BTreeMap<SandboxId, Sandbox>,
    sessions: Vec<Session>,
    next_sandbox: SandboxId,
}

type State = Rc<Tracked<ProviderState>>;

/// A handle on the provider. Clones share the same provider.
#[derive(Clone)]
pub struct SandboxProvider {
    pub node: NodeId,
    pub params: ProviderParams,
    state: State,
}

/// Checks that `id` is healthy; the error says why not.
fn healthy(state: &State, id: SandboxId) -> Result<(), ProviderError> {
    match state.borrow().sandboxes.get(&id).map(|s| s.status) {
        Some(SandboxStatus::Healthy) => Ok(()),
        Some(SandboxStatus::Booting) => Err(ProviderError::NotHealthy),
        Some(SandboxStatus::Destroyed) | None => Err(ProviderError::Gone),
    }
}

fn draw_ms(sim: &Sim, lo: u64, hi: u64) -> u64 {
    sim.between(ChoiceKind::Delay, lo, hi)
}

/// Counts one config file write on a sandbox while it lives (a job dropped with a
/// crashed provider stops counting too).
struct ConfigWrite {
    state: State,
    id: SandboxId,
}

impl ConfigWrite {
    fn begin(state: &State, id: SandboxId) -> ConfigWrite {
        if let Some(s) = state.borrow_mut().sandboxes.get_mut(&id) {
            s.config_writes += 1;
        }
        ConfigWrite { state: state.clone(), id }
    }
}

impl Drop for ConfigWrite {
    fn drop(&mut self) {
        if let Some(s) = self.state.borrow_mut().sandboxes.get_mut(&self.id) {
            s.config_writes = s.config_writes.saturating_sub(1);
        }
    }
}

/// Writes one config file of `id` after a drawn duration.
async fn write_file_job(
    sim: Sim,
    state: State,
    p: ProviderParams,
    id: SandboxId,
    file: ConfigFile,
    hash: u64,
) -> Result<(), ProviderError> {
    healthy(&state, id)?;
    let writing = ConfigWrite::begin(&state, id);
    sim.sleep_ms(draw_ms(&sim, p.file_write_min_ms, p.file_write_max_ms)).await;
    drop(writing);
    healthy(&state, id)?;
    *state.borrow_mut().sandboxes.get_mut(&id).expect("healthy sandbox").file_mut(file) = Some(hash);
    Ok(())
}

/// `.env`, then `config.yaml`: two writes another writer can slip between.
async fn write_config_job(
    sim: Sim,
    state: State,
    p: ProviderParams,
    id: SandboxId,
    hash: u64,
) -> Result<(), ProviderError> {
    write_file_job(sim.clone(), state.clone(), p, id, ConfigFile::Env, hash).await?;
    write_file_job(sim, state, p, id, ConfigFile::ConfigYaml, hash).await
}

/// Uploads skill directory `skill` of `id`: Partial for a drawn duration, then Complete.
async fn upload_skill_job(
    sim: Sim,
    state: State,
    p: ProviderParams,
    id: SandboxId,
    skill: u32,
) -> Result<(), ProviderError> {
    healthy(&state, id)?;
    let dir = |state: &State| -> Option<SkillDir> { state.borrow().sandboxes.get(&id).map(|s| s.skill_dir(skill)) };
    let set = |state: &State, d: SkillDir| {
        if let Some(s) = state.borrow_mut().sandboxes.get_mut(&id) {
            s.skill_dirs.insert(skill, d);
        }
    };
    let mut d = dir(&state).expect("healthy sandbox");
    d.begin_upload();
    set(&state, d);
    sim.sleep_ms(draw_ms(&sim, p.skill_upload_min_ms, p.skill_upload_max_ms)).await;
    let mut d = dir(&state).expect("sandboxes are never forgotten");
    d.end_upload();
    set(&state, d);
    healthy(&state, id)
}

/// The create itself, on the provider node: boot path, fault, health, files, skill.
async fn create_job(
    sim: Sim,
    state: State,
    p: ProviderParams,
    node: NodeId,
    id: SandboxId,
    hash: u64,
    skill: u32,
) -> Result<SandboxId, ProviderError> {
    let fallback = sim.chance(ChoiceKind::Delay, p.fallback_path);
    sim.sometimes_if(fallback, "fallback-create");
    let (lo, hi) = if fallback {
        (p.fallback_create_min_ms, p.fallback_create_max_ms)
    } else {
        (p.snapshot_create_min_ms, p.snapshot_create_max_ms)
    };
    let boot_ms = match p.boot_quantum_ms {
        0 => draw_ms(&sim, lo, hi),
        q => q * draw_ms(&sim, lo.div_ceil(q), hi / q),
    };
    if let Some(s) = state.borrow_mut().sandboxes.get_mut(&id) {
        s.boot_ends_at = Some(sim.now().plus_ms(boot_ms));
    }
    sim.sleep_ms(boot_ms).await;
    let set_status = |status| state.borrow_mut().sandboxes.get_mut(&id).map(|s| s.status = status);
    if sim.fault(&PROVIDER_CREATE_FAIL) {
        set_status(SandboxStatus::Destroyed);
        note!(sim, node, "create of sandbox {id} failed; sandbox destroyed");
        return Err(ProviderError::Failed);
    }
    sim.sleep_ms(draw_ms(&sim, p.health_wait_min_ms, p.health_wait_max_ms)).await;
    if !state.borrow().sandboxes.get(&id).is_some_and(Sandbox::is_live) {
        return Err(ProviderError::Gone);
    }
    set_status(SandboxStatus::Healthy);
    note!(sim, node, "sandbox {id} healthy");
    write_config_job(sim.clone(), state.clone(), p, id, hash).await?;
    upload_skill_job(sim, state, p, id, skill).await?;
    Ok(id)
}

impl SandboxProvider {
    /// Adds the provider as a node named `name`.
    pub fn new(sim: &Sim, name: &str, params: ProviderParams) -> SandboxProvider {
        SandboxProvider { node: sim.add_node(name), params, state: State::default() }
    }

    /// `createHermesSandbox(config, skill)` for `user`: boot, health, `.env`,
    /// `config.yaml`, skill upload. Continues on the provider if the caller dies.
    pub async fn create(
        &self,
        sim: &Sim,
        from: NodeId,
        user: u32,
        config_hash: u64,
        skill: u32,
    ) -> Result<SandboxId, ProviderError> {
        let (state, p, node) = (self.state.clone(), self.params, self.node);
        let answer = call_job(sim, from, node, "create sandbox", p.create_timeout_ms, move |sim| {
            let id = {
                let mut st = state.borrow_mut();
                st.next_sandbox += 1;
                let id = st.next_sandbox;
                st.sandboxes.insert(id, Sandbox::new(id, user));
                id
            };
            create_job(sim.clone(), state, p, node, id, config_hash, skill)
        });
        answer.await.unwrap_or(Err(ProviderError::Timeout))
    }

    /// Writes `.env` then `config.yaml` with `config_hash` (`daytona.ts:282-288`).
    pub async fn write_config(
        &self,
        sim: &Sim,
        from: NodeId,
        sandbox: SandboxId,
        config_hash: u64,
    ) -> Result<(), ProviderError> {
        let (state, p) = (self.state.clone(), self.params);
        let job = move |sim: &Sim| write_config_job(sim.clone(), state, p, sandbox, config_hash);
        call_job(sim, from, self.node, "write config", p.install_timeout_ms, job)
            .await
            .unwrap_or(Err(ProviderError::Timeout))
    }

    /// Writes one config file, for protocols that drive the two writes themselves.
    pub async fn write_file(
        &self,
        sim: &Sim,
        from: NodeId,
        sandbox: SandboxId,
        file: ConfigFile,
        config_hash: u64,
    ) -> Result<(), ProviderError> {
        let (state, p) = (self.state.clone(), self.params);
        let job = move |sim: &Sim| write_file_job(sim.clone(), state, p, sandbox, file, config_hash);
        call_job(sim, from, self.node, "write file", p.install_timeout_ms, job)
            .await
            .unwrap_or(Err(ProviderError::Timeout))
    }

    /// Uploads skill directory `skill` (`daytona.ts:276-297`).
    pub async fn upload_skill(
        &self,
        sim: &Sim,
        from: NodeId,
        sandbox: SandboxId,
        skill: u32,
    ) -> Result<(), ProviderError> {
        let (state, p) = (self.state.clone(), self.params);
        let job = move |sim: &Sim| upload_skill_job(sim.clone(), state, p, sandbox, skill);
        call_job(sim, from, self.node, "upload skill", p.install_timeout_ms, job)
            .await
            .unwrap_or(Err(ProviderError::Timeout))
    }

    /// Destroys a sandbox (idempotent). [`PROVIDER_DESTROY_FAIL`] leaves it alive.
    pub async fn destroy(&self, sim: &Sim, from: NodeId, sandbox: SandboxId) -> Result<(), ProviderError> {
        let state = self.state.clone();
        sim.call(from, self.node, "destroy sandbox", move |sim| {
            if sim.fault(&PROVIDER_DESTROY_FAIL) {
                return Err(ProviderError::Failed);
            }
            let mut st = state.borrow_mut();
            let sb = st.sandboxes.get_mut(&sandbox).ok_or(ProviderError::Gone)?;
            sb.status = SandboxStatus::Destroyed;
            Ok(())
        })
        .await?
    }

    /// The ids of `user`'s sandboxes that are not destroyed, as the provider sees them
    /// when the request arrives (Daytona's `list` by label).
    pub async fn list(&self, sim: &Sim, from: NodeId, user: u32) -> Result<Vec<SandboxId>, ProviderError> {
        let state = self.state.clone();
        let listed = sim
            .call(from, self.node, "list sandboxes", move |_| {
                let st = state.borrow();
                st.sandboxes.values().filter(|s| s.user == user && s.is_live()).map(|s| s.id).collect()
            })
            .await?;
        Ok(listed)
    }

    /// Starts a Hermes session for `tab` and `skill`; it reads the config files now.
    pub async fn start_session(
        &self,
        sim: &Sim,
        from: NodeId,
        sandbox: SandboxId,
        tab: u32,
        skill: u32,
    ) -> Result<u64, ProviderError> {
        let state = self.state.clone();
        sim.call(from, self.node, "start session", move |sim| {
            healthy(&state, sandbox)?;
            let mut st = state.borrow_mut();
            let sb = &st.sandboxes[&sandbox];
            let (config_seen, skill_dir_at_start) = (sb.config_files(), sb.skill_dir(skill));
            let id = st.sessions.len() as u64 + 1;
            let started_at = sim.now();
            st.sessions.push(Session {
                id,
                tab,
                started_by: from,
                sandbox,
                skill,
                config_seen,
                skill_dir_at_start,
                started_at,
            });
            Ok(id)
        })
        .await?
    }

    /// Setup only, before a run starts: a healthy sandbox for `user` that already
    /// holds `config_hash` and `skills`, as if created earlier. Returns its id.
    pub fn provision(&self, user: u32, config_hash: u64, skills: &[u32]) -> SandboxId {
        let mut st = self.state.borrow_mut();
        st.next_sandbox += 1;
        let id = st.next_sandbox;
        let mut sb = Sandbox::new(id, user);
        sb.status = SandboxStatus::Healthy;
        sb.env = Some(config_hash);
        sb.config_yaml = Some(config_hash);
        for &skill in skills {
            sb.skill_dirs.insert(skill, SkillDir { state: UploadState::Complete, overlapped: false });
        }
        st.sandboxes.insert(id, sb);
        id
    }

    // ---- observers: no network, for invariants and tests ---------------------------

    /// One sandbox as it is now.
    pub fn sandbox(&self, id: SandboxId) -> Option<Sandbox> {
        self.state.borrow().sandboxes.get(&id).cloned()
    }

    /// Reads one sandbox as it is now, without copying it.
    pub fn with_sandbox<R>(&self, id: SandboxId, read: impl FnOnce(Option<&Sandbox>) -> R) -> R {
        read(self.state.borrow().sandboxes.get(&id))
    }

    /// Whether sandbox `id` exists and is not destroyed.
    pub fn is_live(&self, id: SandboxId) -> bool {
        self.with_sandbox(id, |s| s.is_some_and(Sandbox::is_live))
    }

    /// How many times the provider's state (sandboxes, files, sessions) was written:
    /// unchanged, nothing an observer reads changed.
    pub fn writes(&self) -> u64 {
        self.state.writes()
    }

    /// Reads every sandbox (by id) without copying them.
    pub fn with_sandboxes<R>(&self, read: impl FnOnce(&BTreeMap<SandboxId, Sandbox>) -> R) -> R {
        read(&self.state.borrow().sandboxes)
    }

    /// The ids of `user`'s sandboxes that are not destroyed (booting or healthy).
    pub fn live_sandboxes(&self, user: u32) -> Vec<SandboxId> {
        self.with_sandboxes(|all| all.values().filter(|s| s.user == user && s.is_live()).map(|s| s.id).collect())
    }

    /// Every session started so far, in start order.
    pub fn sessions(&self) -> Vec<Session> {
        self.state.borrow().sessions.clone()
    }

    /// Reads every session started so far, in start order, without copying them.
    pub fn with_sessions<R>(&self, read: impl FnOnce(&[Session]) -> R) -> R {
        read(&self.state.borrow().sessions)
    }
}

#[cfg(test)]
mod tests;
