//! The world of one prewarm run: hosts (a pid namespace, a hostname, a clock each),
//! the file system that holds the lock directories (local to the one host, or a
//! network file system on a file server shared by every host), the eve processes,
//! and the ghost that judges them.

use std::cell::Cell;
use std::rc::Rc;

use sim::{ChoiceKind, NodeId, Ratio, Sim};

use crate::substrate::fs::{parent, Durability, FileSystem, PathKey};
use crate::substrate::process::{PidParams, ProcessTable};
use crate::system::note::{Line, NoteBuffer};
use crate::system::prewarm::ghost::Ghost;
use crate::system::prewarm::version::{Stale, Version};
use crate::system::text::Text;

/// Every number and switch of the model. The scenario fills it from its `ParamInfo`s
/// (SYSTEMS.md S002.A for the stated ones; the rest are `[A]` and say why there).
#[derive(Clone, Debug)]
pub struct PrewarmParams {
    pub lock_timeout_ms: u64,
    pub stale_v0_ms: u64,
    pub stale_v1_ms: u64,
    pub poll_ms: u64,
    pub hosts: usize,
    pub shared_hostname: bool,
    pub processes_max: usize,
    pub templates_max: usize,
    pub arrival_max_ms: u64,
    pub prewarm_short_max_ms: u64,
    pub prewarm_long_max_ms: u64,
    /// How often a prewarm is a long one.
    pub long_prewarm: Ratio,
    pub user_role: Ratio,
    pub pid_reuse_window: u32,
    pub pid_range: u32,
    pub background_processes: usize,
    pub legacy_holder: bool,
    pub rm_stepwise: bool,
    pub stale_reloops: bool,
    pub durability: Durability,
    pub clock_skew_max_ms: u64,
    pub relaunch: bool,
    pub heartbeat_ms: u64,
    pub heartbeat_stale_ms: u64,
    /// proposed: how long a pre-upgrade lock is respected after a waiter first sees it.
    pub legacy_stale_ms: u64,
}

impl PrewarmParams {
    /// The stale window of `version` (the proposed heartbeat window for `proposed`).
    pub fn stale_ms(&self, version: Version) -> u64 {
        match version.stale {
            Stale::V0 => self.stale_v0_ms,
            Stale::V1 => self.stale_v1_ms,
            Stale::Heartbeat => self.heartbeat_stale_ms,
        }
    }
}

/// One host: a pid namespace, its hostname, and the node whose clock is its
/// `Date.now()`.
pub struct Host {
    pub name: String,
    pub clock: NodeId,
    pub procs: ProcessTable,
    /// Bumped when the namespace restarts (a container restart).
    pub ns: Cell<u32>,
}

/// One eve process slot: a node that runs a launch, and relaunches after a kill.
pub struct Slot {
    pub node: NodeId,
    pub host: usize,
    pub template: usize,
    /// Calls `waitForSandboxTemplatePrewarmLock` first (a sandbox user) instead of
    /// `withSandboxTemplatePrewarmLock` (a prewarmer).
    pub user_role: bool,
    pub arrival_ms: u64,
    /// Its first launch is a process started before the upgrade: it runs V0 and
    /// holds template 0's lock from the start (`legacy_holder`).
    pub legacy: bool,
    /// The ghost id of the process now running in this slot.
    pub proc: Cell<Option<usize>>,
    pub pid: Cell<u32>,
}

/// Everything a run shares.
pub struct PrewarmWorld {
    pub version: Version,
    pub params: PrewarmParams,
    pub fs: FileSystem,
    pub hosts: Vec<Host>,
    pub slots: Vec<Slot>,
    pub templates: usize,
    /// Each template's paths, formatted once per run: the processes name them at
    /// nearly every step.
    pub paths: Vec<TemplatePaths>,
    pub ghost: sim::Tracked<Ghost>,
    /// The buffer every note is laid out in ([`PrewarmWorld::note_line`]).
    note_buffer: NoteBuffer,
}

/// The paths of one template.
pub struct TemplatePaths {
    /// `/locks/tplT.lock`: the mkdir lock of V0–V1 (keys: a waiter looks these three
    /// up at every poll).
    pub lock_dir: PathKey,
    /// `/locks/tplT.lock/owner.json`.
    pub owner: PathKey,
    /// `/templates/tplT/ready`.
    pub ready: PathKey,
    /// `/locks/tplT`: the proposed lock's generations live below it.
    pub base: String,
}

impl TemplatePaths {
    /// The same text as [`lock_dir`] and [`ready_marker`] (a test checks), with the
    /// number formatted once.
    fn new(template: usize) -> TemplatePaths {
        // Each text pushed into a buffer of its final size: `concat` of the pieces
        // cost about 200 instructions a path, four paths a template, every run.
        let mut buf = itoa::Buffer::new();
        let n = buf.format(template as u64);
        let text = |pieces: &[&str]| {
            let mut s = String::with_capacity(pieces.iter().map(|p| p.len()).sum());
            pieces.iter().for_each(|p| s.push_str(p));
            s
        };
        let base = text(&[LOCKS_DIR, "/tpl", n]);
        let lock_dir = text(&[&base, ".lock"]);
        let owner = PathKey::new(text(&[&lock_dir, "/owner.json"]));
        let ready = PathKey::new(text(&[TEMPLATES_DIR, "/tpl", n, "/ready"]));
        TemplatePaths { lock_dir: PathKey::new(lock_dir), owner, ready, base }
    }
}

pub type World = Rc<PrewarmWorld>;

/// Room for the longest note (a label, a path and the words around them), so the
/// note buffer does not grow in a run.
const NOTE_ROOM: usize = 128;

pub const USER: &str = "eve";
pub const LOCKS_DIR: &str = "/locks";
pub const TEMPLATES_DIR: &str = "/templates";

pub fn lock_dir(template: usize) -> String {
    format!("{LOCKS_DIR}/tpl{template}.lock")
}

pub fn ready_marker(template: usize) -> String {
    format!("{TEMPLATES_DIR}/tpl{template}/ready")
}

impl PrewarmWorld {
    /// [`lock_dir`] of `template`, without formatting it.
    pub fn lock_dir(&self, template: usize) -> &str {
        self.paths[template].lock_dir.as_str()
    }

    /// The lock's `owner.json` of `template` (V0–V1).
    pub fn owner_path(&self, template: usize) -> &str {
        self.paths[template].owner.as_str()
    }

    /// [`ready_marker`] of `template`, without formatting it.
    pub fn ready_marker(&self, template: usize) -> &str {
        self.paths[template].ready.as_str()
    }

    /// `/locks/tplT`, the directory of the proposed lock's generations.
    pub fn lock_base(&self, template: usize) -> &str {
        &self.paths[template].base
    }

    /// A host's `Date.now()`.
    pub fn host_now(&self, sim: &Sim, host: usize) -> u64 {
        sim.node_now(self.hosts[host].clock).as_ms()
    }

    pub fn stale_ms(&self) -> u64 {
        self.params.stale_ms(self.version)
    }

    /// An empty line for a note, in the world's buffer; give it back with
    /// [`PrewarmWorld::note_done`] once noted (a line not given back only costs the
    /// next note an allocation).
    pub fn note_line(&self) -> Line {
        self.note_buffer.line()
    }

    /// Takes back the buffer of a noted line.
    pub fn note_done(&self, line: Line) {
        self.note_buffer.done(line);
    }
}

/// Builds the hosts, the file system and the slots from the tape.
pub fn build(sim: &Sim, version: Version, params: PrewarmParams) -> World {
    let hosts: Vec<Host> = (0..params.hosts.max(1))
        .map(|i| {
            let node_name = Text::new().str("host").num(i as u64).done();
            let name = if params.shared_hostname { "eve-host".to_string() } else { node_name.clone() };
            let clock = sim.add_node(node_name);
            let skew = params.clock_skew_max_ms;
            if skew > 0 {
                let offset = sim.between(ChoiceKind::Workload, 0, 2 * skew) as i64 - skew as i64;
                sim.jump_clock(clock, offset);
            }
            let pids =
                PidParams { first: 300, last: 300 + params.pid_range.max(8), reuse_window: params.pid_reuse_window };
            Host { procs: ProcessTable::with_pids(sim, &name, pids), name, clock, ns: Cell::new(0) }
        })
        .collect();
    let server = if hosts.len() == 1 { hosts[0].clock } else { sim.add_node("fileserver") };
    let fs = FileSystem::with_durability(sim, server, params.durability);
    let templates = sim.workload(1, params.templates_max.max(1) as u64) as usize;
    let _ = fs.mkdir_p(LOCKS_DIR);
    let paths: Vec<TemplatePaths> = (0..templates).map(TemplatePaths::new).collect();
    for path in &paths {
        let _ = fs.mkdir_p(parent(path.ready.as_str()).unwrap_or(TEMPLATES_DIR));
    }
    // Room for a few slots per host: growing a vector one push at a time reallocates.
    let mut slots = Vec::with_capacity(4 * hosts.len());
    for (h, host) in hosts.iter().enumerate() {
        let n = sim.workload(1, params.processes_max.max(1) as u64) as usize;
        let _ = host;
        let legacy_slots = usize::from(h == 0 && params.legacy_holder);
        for i in 0..n + legacy_slots {
            let node = sim.add_node(Text::new().str("p").num(h as u64).str(".").num(i as u64).done());
            let legacy = i == n;
            let template = if legacy { 0 } else { sim.draw(ChoiceKind::Workload, templates as u64) as usize };
            let user_role = !legacy && sim.chance(ChoiceKind::Workload, params.user_role);
            let arrival_ms = if legacy { 0 } else { sim.workload(0, params.arrival_max_ms) };
            slots.push(Slot {
                node,
                host: h,
                template,
                user_role,
                arrival_ms,
                legacy,
                proc: Cell::new(None),
                pid: Cell::new(0),
            });
        }
    }
    Rc::new(PrewarmWorld {
        version,
        params,
        fs,
        hosts,
        slots,
        templates,
        paths,
        ghost: sim::Tracked::new(Ghost::with_room()),
        note_buffer: NoteBuffer::with_room(NOTE_ROOM),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_paths_are_the_formatted_ones() {
        for t in [0, 1, 9, 10, 123] {
            let p = TemplatePaths::new(t);
            assert_eq!(p.lock_dir.as_str(), lock_dir(t));
            assert_eq!(p.owner.as_str(), format!("{}/owner.json", lock_dir(t)));
            assert_eq!(p.ready.as_str(), ready_marker(t));
            assert_eq!(p.base, format!("{LOCKS_DIR}/tpl{t}"));
        }
    }
}
