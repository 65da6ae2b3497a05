//! A process table: one pid namespace (a host, or a container with its own), the
//! substrate behind pid files and `kill(pid, 0)` liveness checks.
//!
//! What it models:
//! - **Pid allocation and reuse.** Pids come from a range, allocated in cyclic order
//!   after the last one handed out, as Linux does; which free pid a new process gets
//!   is drawn from the tape: the next free pid in that order (draw 0), or one of the
//!   `reuse_window - 1` most recently freed pids, standing for a busy host whose pid
//!   counter has wrapped since (or a small `pid_max`). So a dead process's pid may soon
//!   be held by someone else. A namespace restart
//!   ([`ProcessTable::restart_namespace`]: a container restarted) empties the table
//!   and starts allocating from the first pid again, so the same pids come back.
//! - **`kill(pid, 0)`** ([`ProcessTable::kill0`]): a live process or a zombie of the
//!   same user answers [`Kill0::Alive`]; another user's answers [`Kill0::Eperm`]
//!   (alive, but not ours); a free pid answers [`Kill0::Esrch`]. Root may signal all.
//! - **Zombies.** [`ProcessTable::exit`] leaves a zombie that still holds its pid
//!   (and still answers `kill(pid, 0)`) until [`ProcessTable::reap`] frees it.
//! - **Hostnames.** Each table carries the hostname its processes see; two tables may
//!   share one (containers started with the host's UTS namespace).

#[cfg(test)]
mod tests;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use sim::{ChoiceKind, Sim};

/// A process id inside one namespace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pid(pub u32);

impl std::fmt::Display for Pid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// What `kill(pid, 0)` answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kill0 {
    /// Success: the process exists (running or a zombie) and may be signalled.
    Alive,
    /// No such process.
    Esrch,
    /// The process exists but belongs to another user.
    Eperm,
}

/// The state of a pid that is in use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProcState {
    Running,
    /// Exited, not yet reaped by its parent: the pid stays taken.
    Zombie,
}

/// A process as the table knows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcInfo {
    pub user: String,
    pub name: String,
    pub state: ProcState,
    /// When it started, as a sequence number in its namespace (`/proc/<pid>/stat`'s
    /// start time): tells a reused pid from the process that held it before.
    pub start: u64,
}

/// The pid range of a namespace and how far allocation may reach past the next pid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PidParams {
    pub first: u32,
    pub last: u32,
    /// How many candidates a new process's pid is drawn from: the next free pid in
    /// cyclic order, then the most recently freed ones (1: strictly sequential).
    pub reuse_window: u32,
}

impl Default for PidParams {
    fn default() -> PidParams {
        PidParams { first: 300, last: 32_767, reuse_window: 1 }
    }
}

struct Table {
    params: PidParams,
    procs: BTreeMap<u32, ProcInfo>,
    /// The pid after the last one allocated.
    next: u32,
    /// Freed pids, most recent first (only those still free).
    freed: Vec<u32>,
    spawned: u64,
}

/// One pid namespace. Clones share it.
#[derive(Clone)]
pub struct ProcessTable {
    sim: Sim,
    hostname: Rc<str>,
    table: Rc<RefCell<Table>>,
}

impl ProcessTable {
    /// A namespace with Linux's default pid range and sequential allocation.
    pub fn new(sim: &Sim, hostname: &str) -> ProcessTable {
        ProcessTable::with_pids(sim, hostname, PidParams::default())
    }

    /// A namespace with its own pid range and reuse window.
    pub fn with_pids(sim: &Sim, hostname: &str, params: PidParams) -> ProcessTable {
        assert!(params.first > 0 && params.first <= params.last && params.reuse_window > 0, "bad pid range");
        let table = Table { params, procs: BTreeMap::new(), next: params.first, freed: Vec::new(), spawned: 0 };
        ProcessTable { sim: sim.clone(), hostname: hostname.into(), table: Rc::new(RefCell::new(table)) }
    }

    pub fn hostname(&self) -> &str {
        &self.hostname
    }

    /// Starts a process; its pid is the next free one in cyclic order or, as the tape
    /// draws, a recently freed one. Panics if the namespace has no free pid (a model
    /// sizes its range).
    pub fn spawn(&self, user: &str, name: &str) -> Pid {
        let mut t = self.table.borrow_mut();
        let Table { params, procs, next, freed, .. } = &*t;
        let span = params.last - params.first + 1;
        let sequential = (0..span)
            .map(|i| params.first + (next - params.first + i) % span)
            .find(|p| !procs.contains_key(p))
            .unwrap_or_else(|| panic!("pid namespace {} is full", self.hostname));
        // The candidates, without a list: the sequential pid, then the freed ones
        // other than it, `reuse_window` in all.
        let others = || freed.iter().copied().filter(|p| *p != sequential);
        let count = (1 + others().count()).min(params.reuse_window as usize);
        let pick = self.sim.draw(ChoiceKind::Schedule, count as u64) as usize;
        let pid = if pick == 0 { sequential } else { others().nth(pick - 1).expect("a drawn candidate") };
        self.sim.sometimes_if(freed.contains(&pid), "pid-reused");
        t.freed.retain(|p| *p != pid);
        if pid == sequential {
            t.next = if pid == t.params.last { t.params.first } else { pid + 1 };
        }
        t.spawned += 1;
        let start = t.spawned;
        let info = ProcInfo { user: user.to_string(), name: name.to_string(), state: ProcState::Running, start };
        t.procs.insert(pid, info);
        Pid(pid)
    }

    /// The process exits (killed or done): a zombie until reaped.
    pub fn exit(&self, pid: Pid) {
        if let Some(p) = self.table.borrow_mut().procs.get_mut(&pid.0) {
            p.state = ProcState::Zombie;
        }
    }

    /// The parent reaps the process: its pid is free for reuse.
    pub fn reap(&self, pid: Pid) {
        let mut t = self.table.borrow_mut();
        if t.procs.get(&pid.0).is_some_and(|p| p.state == ProcState::Zombie) {
            t.procs.remove(&pid.0);
            t.freed.insert(0, pid.0);
            t.freed.truncate(64);
        }
    }

    /// Exits and is reaped at once (a parent waiting on its child).
    pub fn exit_reaped(&self, pid: Pid) {
        self.exit(pid);
        self.reap(pid);
    }

    /// `kill(pid, 0)` sent by a process of `as_user`.
    pub fn kill0(&self, pid: Pid, as_user: &str) -> Kill0 {
        match self.table.borrow().procs.get(&pid.0) {
            None => Kill0::Esrch,
            Some(p) if p.user == as_user || as_user == "root" => Kill0::Alive,
            Some(_) => Kill0::Eperm,
        }
    }

    /// The process holding `pid`, if any.
    pub fn get(&self, pid: Pid) -> Option<ProcInfo> {
        self.table.borrow().procs.get(&pid.0).cloned()
    }

    /// When the process holding `pid` started ([`ProcInfo::start`]), if any: what
    /// tells a reused pid from its earlier holder, without copying the process.
    pub fn start_of(&self, pid: Pid) -> Option<u64> {
        self.table.borrow().procs.get(&pid.0).map(|p| p.start)
    }

    /// Whether `pid` is held by a running (not zombie) process.
    pub fn is_running(&self, pid: Pid) -> bool {
        self.table.borrow().procs.get(&pid.0).is_some_and(|p| p.state == ProcState::Running)
    }

    /// The namespace restarts (a container restart): every process is gone and
    /// allocation starts again from the first pid.
    pub fn restart_namespace(&self) {
        let mut t = self.table.borrow_mut();
        t.procs.clear();
        t.freed.clear();
        t.next = t.params.first;
    }

    /// How many processes were ever spawned here.
    pub fn spawned(&self) -> u64 {
        self.table.borrow().spawned
    }
}
