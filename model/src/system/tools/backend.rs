//! The mux backend process of one run: its file system, the locks of every version,
//! the background process table, the stream's abort signal, the ghost, and the
//! helpers every actor uses to wait on I/O, take a lock (seen by the ghost) and write
//! a file (judged by the ghost).

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::rc::Rc;

use sim::{ChoiceKind, FaultPoint, NodeId, Notify, Sim};

use crate::substrate::fs::FileSystem;
use crate::substrate::sync::{Locks, Mutex, MutexMap, RwLock, WakeOrder};
use crate::system::tools::docs::{Doc, Fact};
use crate::system::tools::ghost::Ghost;
use crate::system::tools::version::Version;

pub const CONFIG: &str = "/home/.mux/config.json";
pub const PROVIDERS: &str = "/home/.mux/providers.jsonc";
pub const SECRETS: &str = "/home/.mux/secrets.json";
/// The parent checkout: the files a fork copies and bash and file edits rewrite.
pub const CHECKOUT: [&str; 2] = ["/repo/src/a.ts", "/repo/src/b.ts"];
/// The target of `file_edit_insert`, missing at the start in most runs.
pub const NOTES: &str = "/repo/NOTES.md";

pub const SPAWN_FAIL: FaultPoint =
    FaultPoint { name: "bash.spawn.fail", doc: "BackgroundProcessManager's `await spawnProcess` fails" };
pub const MIGRATE_FAIL: FaultPoint =
    FaultPoint { name: "bash.migrate.fail", doc: "moving a foreground bash process to the background fails" };
pub const AGENT_SLOW: FaultPoint =
    FaultPoint { name: "task.agent.slow", doc: "a sub-agent takes minutes to report (waitForAgentReport)" };
pub const STREAM_ABORT: FaultPoint =
    FaultPoint { name: "stream.abort", doc: "the user interrupts the stream (its abort signal fires)" };

/// The model's `[A]` numbers: the text states none (SYSTEMS.md S004.A). Durations in ms.
#[derive(Clone, Debug)]
pub struct ToolsParams {
    pub siblings_min: u64,
    pub siblings_max: u64,
    /// Each sibling call starts 0..=`call_stagger_ms` after the turn begins.
    pub call_stagger_ms: u64,
    /// Each file-system await (read, stat, write, spawn) takes 1..=`io_ms_max`.
    pub io_ms_max: u64,
    /// A sub-agent's report arrives after this long; a slow one after `agent_slow_ms`.
    pub agent_report_min_ms: u64,
    pub agent_report_max_ms: u64,
    pub agent_slow_ms: u64,
    /// UI and service actions start within this window of the stream's start.
    pub actions_window_ms: u64,
    pub provider_ops_max: u64,
    pub secrets_updates_max: u64,
    pub direct_save_flows_max: u64,
    pub cli_bootstrap: bool,
    /// Every tool but `mux_config_write` checks the abort signal when it begins.
    pub tools_honor_abort: bool,
    /// The abort is considered every 1..=`abort_tick_ms`.
    pub abort_tick_ms: u64,
}

impl Default for ToolsParams {
    fn default() -> ToolsParams {
        ToolsParams {
            siblings_min: 2,
            siblings_max: 4,
            call_stagger_ms: 30,
            io_ms_max: 5,
            agent_report_min_ms: 2_000,
            agent_report_max_ms: 60_000,
            agent_slow_ms: 300_000,
            actions_window_ms: 60,
            provider_ops_max: 3,
            secrets_updates_max: 2,
            direct_save_flows_max: 1,
            cli_bootstrap: true,
            tools_honor_abort: true,
            abort_tick_ms: 4,
        }
    }
}

/// A registered background process.
#[derive(Clone, Debug)]
pub struct Process {
    pub owner: String,
}

/// The backend: everything the actors share.
pub struct Backend {
    pub sim: Sim,
    pub node: NodeId,
    pub version: Version,
    pub params: ToolsParams,
    pub fs: FileSystem,
    pub locks: Locks,
    pub stream_mutex: Mutex,
    pub stream_rw: RwLock,
    pub task_service: Mutex,
    pub file_edit: MutexMap<String>,
    /// V6–V7: `withConfigDocumentLock`'s own map, in the tool.
    pub config_doc: MutexMap<String>,
    /// V8+: `withConfigFileLock`'s module-level map, keyed by absolute path.
    pub config_files: MutexMap<String>,
    /// V0–V7: `Config.editConfigQueue`.
    pub edit_config_queue: Mutex,
    /// `proposed`: one read/write lock per checkout file.
    pub checkout_locks: Vec<RwLock>,
    pub processes: RefCell<BTreeMap<String, Process>>,
    pub reserved_ids: RefCell<BTreeSet<String>>,
    aborted: Cell<bool>,
    pub abort_signal: Notify,
    pub ghost: Rc<sim::Tracked<Ghost>>,
}

/// A lock held by an actor: releases the substrate's guard and tells the ghost.
pub struct Held {
    _guard: Box<dyn std::any::Any>,
    ghost: Rc<sim::Tracked<Ghost>>,
    owner: String,
    lock: String,
}

impl Drop for Held {
    fn drop(&mut self) {
        self.ghost.borrow_mut().released(&self.owner, &self.lock);
    }
}

/// Tells the ghost a wait ended without the lock if the waiting task is dropped.
struct WaitMark<'a> {
    ghost: &'a Rc<sim::Tracked<Ghost>>,
    owner: &'a str,
    lock: &'a str,
    done: bool,
}

impl Drop for WaitMark<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.ghost.borrow_mut().gave_up(self.owner, self.lock);
        }
    }
}

impl Backend {
    pub fn new(sim: &Sim, node: NodeId, version: Version, params: ToolsParams) -> Backend {
        let locks = Locks::new(sim);
        Backend {
            sim: sim.clone(),
            node,
            version,
            params,
            fs: FileSystem::new(sim, node),
            stream_mutex: locks.mutex("stream-mutex", WakeOrder::Fifo),
            stream_rw: locks.rwlock("stream-rwlock"),
            task_service: locks.mutex("task-service", WakeOrder::Fifo),
            file_edit: locks.mutex_map("file-edit"),
            config_doc: locks.mutex_map("config-document"),
            config_files: locks.mutex_map("config-file"),
            edit_config_queue: locks.mutex("edit-config-queue", WakeOrder::Fifo),
            checkout_locks: CHECKOUT.iter().map(|p| locks.rwlock(&["checkout:", p].concat())).collect(),
            locks,
            processes: RefCell::new(BTreeMap::new()),
            reserved_ids: RefCell::new(BTreeSet::new()),
            aborted: Cell::new(false),
            abort_signal: Notify::new(),
            ghost: Rc::new(sim::Tracked::new(Ghost::default())),
        }
    }

    /// Notes `text`; pass `format_args!(..)`, not `format!(..)`, so that a hash-only
    /// run builds no text (see `sim::note!`).
    pub fn note(&self, text: impl std::fmt::Display) {
        sim::note!(self.sim, self.node, "{text}");
    }

    /// One file-system or process await.
    pub async fn io(&self) {
        let ms = self.sim.between(ChoiceKind::Delay, 1, self.params.io_ms_max);
        self.sim.sleep_ms(ms).await;
    }

    /// Names what actor `owner` (outside the stream) does from now on, for messages.
    pub fn set_role(&self, owner: &str, role: String) {
        let mut ghost = self.ghost.borrow_mut();
        match ghost.roles.get_mut(owner) {
            Some(r) => *r = role,
            None => {
                ghost.roles.insert(owner.to_string(), role);
            }
        }
    }

    // ---- the abort signal --------------------------------------------------------

    pub fn aborted(&self) -> bool {
        self.aborted.get()
    }

    pub fn fire_abort(&self) {
        self.aborted.set(true);
        self.ghost.borrow_mut().abort();
        self.note("USER aborts the stream");
        self.abort_signal.notify_all();
    }

    /// Call `owner` is about to begin its side effects. A tool that honors the
    /// signal (`honors`) returns false once the stream is aborted.
    pub fn may_begin(&self, owner: &str, honors: bool) -> bool {
        if self.ghost.borrow().has_begun(owner) {
            return true;
        }
        if honors && self.aborted() {
            self.note(format_args!("{owner} sees the abort signal and returns without a side effect"));
            return false;
        }
        self.ghost.borrow_mut().begin(owner);
        true
    }

    /// A side effect of `owner` (only sibling calls are judged by I13).
    pub fn side_effect(&self, owner: &str, what: impl std::fmt::Display) {
        let mut ghost = self.ghost.borrow_mut();
        if ghost.calls.contains_key(owner) {
            ghost.side_effect(owner, what);
        }
    }

    // ---- locks -------------------------------------------------------------------

    /// Waits for a lock through `acquire` (a substrate lock call), telling the ghost.
    pub async fn hold<G: 'static>(&self, owner: &str, lock: String, acquire: impl Future<Output = G>) -> Held {
        self.ghost.borrow_mut().waiting(owner, &lock);
        let mut mark = WaitMark { ghost: &self.ghost, owner, lock: &lock, done: false };
        let guard = acquire.await;
        mark.done = true;
        drop(mark);
        self.ghost.borrow_mut().acquired(owner, &lock);
        self.note(format_args!("{owner} holds {lock}"));
        Held { _guard: Box::new(guard), ghost: self.ghost.clone(), owner: owner.to_string(), lock }
    }

    /// V8+'s `withConfigFileLock(path)`: the module-level per-path lock.
    pub async fn config_file_lock(&self, owner: &str, path: &str) -> Held {
        self.hold(owner, ["config-file[", path, "]"].concat(), self.config_files.lock(path.to_string(), owner)).await
    }

    // ---- files -------------------------------------------------------------------

    pub fn read_doc(&self, path: &str) -> Doc {
        self.fs.read_with(path, Doc::parse).unwrap_or_default()
    }

    /// An atomic write (temp file + rename) of `doc` to `path` by `owner`, which
    /// promises `facts`.
    pub async fn write_doc(&self, owner: &str, path: &str, doc: &Doc, facts: Vec<Fact>) {
        let text = doc.render();
        self.side_effect(owner, format_args!("writes {path}"));
        if let Err(e) = self.fs.write_atomic(path, &text).await {
            self.note(format_args!("{owner}: write of {path} failed: {e:?}"));
            return;
        }
        self.note(format_args!("{owner} writes {path}"));
        self.ghost.borrow_mut().wrote(path, owner, &text, facts);
    }

    /// A plain one-step write (`writeFileString`).
    pub fn write_plain(&self, owner: &str, path: &str, text: &str, facts: Vec<Fact>) {
        self.side_effect(owner, format_args!("writes {path}"));
        if let Err(e) = self.fs.write(path, text) {
            self.note(format_args!("{owner}: write of {path} failed: {e:?}"));
            return;
        }
        self.note(format_args!("{owner} writes {path}"));
        self.ghost.borrow_mut().wrote(path, owner, text, facts);
    }

    /// The checkout as it is now, for the ghost.
    pub fn checkout_now(&self) -> Vec<String> {
        CHECKOUT.iter().map(|p| self.fs.read(p).unwrap_or_default()).collect()
    }
}
