//! What happened in a run, kept outside the servers' memory for the invariants: every
//! commit, every restart request, every cycle from the coalescer's decision to its
//! end, in one sequence that orders them.
//!
//! A cycle is open from the moment a server decides to run it (V0: `TryLock`
//! succeeds; V1: `running` set or `pending` cleared) until its provision ends, even
//! when that provision runs in its own goroutine (V0). A [`CycleToken`] carries the
//! open cycle; if the goroutine holding it dies (a crash, a recovered panic) the
//! cycle ends as aborted.

use std::rc::Rc;

use sim::SimTime;

use crate::substrate::provisioner::ContainerId;

/// A committed client write (SetSecret or SetModel).
#[derive(Clone, Debug)]
pub struct Commit {
    pub ws: u32,
    pub version: u64,
    pub seq: u64,
    pub at: SimTime,
    pub what: String,
}

/// Why `RestartByID` was called.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cause {
    /// A handler after its commit.
    Handler,
    /// A start-up or periodic reconcile.
    Reconcile,
    /// A path outside the coalescer (`other_restart_paths`).
    Other,
}

/// A call of `RestartByID` (or of another restart path).
#[derive(Clone, Debug)]
pub struct Request {
    pub ws: u32,
    pub seq: u64,
    pub cause: Cause,
}

/// How a cycle ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CycleEnd {
    /// The new container runs, with the environment of this database version.
    Up { container: ContainerId, version: u64 },
    /// The cycle returned an error (provision failed, load failed).
    Failed(String),
    /// The goroutine carrying it died (crash, recovered panic) before the end.
    Aborted,
}

#[derive(Clone, Debug)]
pub struct Cycle {
    pub ws: u32,
    pub server: String,
    pub begin_seq: u64,
    pub began_at: SimTime,
    pub end: Option<CycleEnd>,
    /// Whether no restart request of its workspace arrived since the previous cycle
    /// began (the contract allows no such cycle).
    pub unrequested: bool,
}

/// The run's history, shared by every node.
#[derive(Default)]
pub struct History {
    seq: u64,
    pub commits: Vec<Commit>,
    pub requests: Vec<Request>,
    pub cycles: Vec<Cycle>,
}

pub type HistoryRef = Rc<sim::Tracked<History>>;

impl History {
    fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    pub fn commit(&mut self, ws: u32, version: u64, at: SimTime, what: String) {
        let seq = self.next_seq();
        self.commits.push(Commit { ws, version, seq, at, what });
    }

    pub fn request(&mut self, ws: u32, cause: Cause) {
        let seq = self.next_seq();
        self.requests.push(Request { ws, seq, cause });
    }

    /// Cycles of `ws` open now.
    pub fn open_cycles(&self, ws: u32) -> impl Iterator<Item = &Cycle> {
        self.cycles.iter().filter(move |c| c.ws == ws && c.end.is_none())
    }

    pub fn cycles_of(&self, ws: u32) -> impl Iterator<Item = &Cycle> {
        self.cycles.iter().filter(move |c| c.ws == ws)
    }
}

/// Opens a cycle of `ws` run by `server`; the token closes it.
pub fn begin_cycle(history: &HistoryRef, ws: u32, server: &str, at: SimTime) -> CycleToken {
    let mut h = history.borrow_mut();
    let begin_seq = h.next_seq();
    let previous = h.cycles_of(ws).map(|c| c.begin_seq).max().unwrap_or(0);
    let unrequested = !h.requests.iter().any(|r| r.ws == ws && r.seq > previous);
    h.cycles.push(Cycle { ws, server: server.to_string(), begin_seq, began_at: at, end: None, unrequested });
    CycleToken { history: history.clone(), index: h.cycles.len() - 1, ended: false }
}

/// An open cycle. Dropping it without [`CycleToken::end`] ends it as aborted.
pub struct CycleToken {
    history: HistoryRef,
    index: usize,
    ended: bool,
}

impl CycleToken {
    /// The cycle's number in the run (for notes).
    pub fn number(&self) -> usize {
        self.index + 1
    }

    pub fn end(mut self, end: CycleEnd) {
        self.history.borrow_mut().cycles[self.index].end = Some(end);
        self.ended = true;
    }
}

impl Drop for CycleToken {
    fn drop(&mut self) {
        if !self.ended {
            if let Ok(mut h) = self.history.try_borrow_mut() {
                h.cycles[self.index].end = Some(CycleEnd::Aborted);
            }
        }
    }
}
