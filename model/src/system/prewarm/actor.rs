//! An eve process: it starts with a pid on its host, prewarms a template under the
//! lock (`withSandboxTemplatePrewarmLock`) or waits for a running prewarm first
//! (`waitForSandboxTemplatePrewarmLock`), then uses the template, and exits. A kill
//! stops it at an await point: its `finally` never runs, its pid becomes a zombie
//! until reaped, and it may be relaunched later as a new process with a new pid.

use std::rc::Rc;

use sim::{ChoiceKind, NodeId, Sim, SimTime};

use crate::substrate::process::Pid;
use crate::substrate::yield_now::yield_now;
use crate::system::note::Line;
use crate::system::prewarm::faults::{PROCESS_KILL_AT_STEP, PROCESS_UNREAPED};
use crate::system::prewarm::ghost::ProcRec;
use crate::system::prewarm::version::{Liveness, Version, V0};
use crate::system::prewarm::world::{World, USER};
use crate::system::prewarm::{generational, lock};
use crate::system::text::Text;

/// Why a lock call gave up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LockError {
    #[error("timed out waiting for the sandbox template prewarm lock")]
    Timeout,
}

impl LockError {
    /// The error's text, as `{e}` writes it (a test compares).
    pub fn text(self) -> &'static str {
        match self {
            LockError::Timeout => "timed out waiting for the sandbox template prewarm lock",
        }
    }
}

/// A running process, as its own code sees itself.
#[derive(Clone)]
pub struct Proc {
    pub w: World,
    pub sim: Sim,
    pub slot: usize,
    /// Its ghost id.
    pub id: usize,
    pub host: usize,
    pub pid: u32,
    /// The code it runs (a process started before the upgrade runs V0).
    pub version: Version,
}

impl Proc {
    pub fn node(&self) -> NodeId {
        self.w.slots[self.slot].node
    }

    /// Notes `text` prefixed with the process's label.
    pub fn note(&self, text: &str) {
        self.note_with(|l| {
            l.str(text);
        });
    }

    /// Notes the text `body` lays out, prefixed with the process's label (`"{label}:
    /// {text}"`), laid out in the world's note buffer and hashed in one piece ([`Line`]).
    pub fn note_with(&self, body: impl FnOnce(&mut Line)) {
        let mut line = self.w.note_line();
        line.str(&self.w.ghost.borrow().procs[self.id].label).str(": ");
        body(&mut line);
        self.sim.note_str(self.node(), line.as_str());
        self.w.note_done(line);
    }

    /// `Date.now()` on its host.
    pub fn date_now(&self) -> u64 {
        self.w.host_now(&self.sim, self.host)
    }

    /// The await between two file system calls: other tasks run, and the process may
    /// be killed here.
    pub async fn step(&self) {
        yield_now().await;
        if self.sim.fault(&PROCESS_KILL_AT_STEP) {
            self.note("killed between two steps");
            kill(&self.w, &self.sim, self.slot);
            std::future::pending::<()>().await;
        }
    }

    /// The prewarm itself: invalidates the template, builds it for a drawn time
    /// (calling `beat` every heartbeat interval), then marks it ready.
    pub async fn prewarm(&self, template: usize, mut beat: impl FnMut(&Proc)) {
        let p = &self.w.params;
        let long = self.sim.chance(ChoiceKind::Workload, p.long_prewarm);
        let ms = if long {
            self.sim.workload(p.prewarm_short_max_ms, p.prewarm_long_max_ms)
        } else {
            self.sim.workload(5_000, p.prewarm_short_max_ms)
        };
        self.note_with(|l| {
            l.str("prewarm of template ").num(template as u64).str(" starts (").num(ms / 1000).str(" s)");
        });
        self.w.ghost.borrow_mut().enter_cs(template, self.id);
        let _ = self.w.fs.remove_file(self.w.ready_marker(template));
        let mut left = ms;
        while left > 0 {
            let chunk = left.min(p.heartbeat_ms.max(1));
            self.sim.sleep_ms(chunk).await;
            left -= chunk;
            beat(self);
        }
        let _ = self.w.fs.write(self.w.ready_marker(template), "ok");
        self.w.ghost.borrow_mut().leave_cs(template, self.id);
        self.note_with(|l| {
            l.str("prewarm of template ").num(template as u64).str(" done");
        });
    }

    /// `error: {e}`.
    fn note_error(&self, e: LockError) {
        self.note_with(|l| {
            l.str("error: ").str(e.text());
        });
    }

    async fn with_lock(&self, template: usize) -> Result<(), LockError> {
        match self.version.liveness {
            Liveness::Generational => generational::with_lock(self, template).await,
            _ => lock::with_lock(self, template).await,
        }
    }

    async fn wait_for_lock(&self, template: usize) -> Result<(), LockError> {
        match self.version.liveness {
            Liveness::Generational => generational::wait_for_lock(self, template).await,
            _ => lock::wait_for_lock(self, template).await,
        }
    }

    fn use_template(&self, template: usize) {
        if self.w.fs.exists_key(&self.w.paths[template].ready) {
            self.note_with(|l| {
                l.str("uses template ").num(template as u64);
            });
            let broken = self.w.ghost.borrow().use_breaks(template, self.id);
            if let Some(why) = broken {
                self.w.ghost.borrow_mut().break_("artifact-integrity", why);
            }
        } else {
            self.note_with(|l| {
                l.str("template ").num(template as u64).str(" is not ready");
            });
        }
    }

    /// One launch: the slot's role, then use the template.
    async fn run(&self, template: usize, user_role: bool) {
        if user_role {
            self.note_with(|l| {
                l.str("waits for template ").num(template as u64).str("'s prewarm");
            });
            if let Err(e) = self.wait_for_lock(template).await {
                self.note_error(e);
                return;
            }
            self.step().await;
            if self.w.fs.exists_key(&self.w.paths[template].ready) {
                self.use_template(template);
                return;
            }
        }
        match self.with_lock(template).await {
            Ok(()) => self.use_template(template),
            Err(e) => self.note_error(e),
        }
    }
}

/// Starts the process of `slot` (at its arrival time on the first launch).
pub async fn launch(w: World, sim: Sim, slot: usize, first: bool) {
    let s = &w.slots[slot];
    if first {
        sim.sleep_ms(s.arrival_ms).await;
    }
    let legacy = first && s.legacy;
    let host = &w.hosts[s.host];
    let pid = host.procs.spawn(USER, "eve");
    let id = {
        let mut g = w.ghost.borrow_mut();
        let prefix = if legacy { "legacy-" } else { "eve" };
        let label = Text::new().str(prefix).num(pid.0).str("@").str(&host.name).done();
        g.procs.push(ProcRec { label, host: s.host, ns: host.ns.get(), pid: pid.0, alive: true, died_at: None });
        g.procs.len() - 1
    };
    s.proc.set(Some(id));
    s.pid.set(pid.0);
    let version = if legacy { V0 } else { w.version };
    let p = Proc { w: Rc::clone(&w), sim: sim.clone(), slot, id, host: s.host, pid: pid.0, version };
    p.note_with(|l| {
        l.str("starts (pid ").num(u64::from(pid.0)).str(", host ").str(&host.name).str(", ").str(version.name).str(")");
    });
    p.run(s.template, s.user_role && !legacy).await;
    p.note("exits");
    host.procs.exit_reaped(pid);
    w.ghost.borrow_mut().died(id, sim.now());
    s.proc.set(None);
}

/// Kills the process running in `slot` (SIGKILL, OOM, a crash): its node's tasks stop
/// where they are; its pid is a zombie until reaped, or forever if
/// `process.unreaped` fires; it is relaunched later if the world says so.
pub fn kill(w: &World, sim: &Sim, slot: usize) {
    let s = &w.slots[slot];
    let Some(id) = s.proc.take() else { return };
    let procs = w.hosts[s.host].procs.clone();
    let pid = Pid(s.pid.get());
    let start = procs.start_of(pid);
    procs.exit(pid);
    w.ghost.borrow_mut().died(id, sim.now());
    if !sim.fault(&PROCESS_UNREAPED) {
        let reap_ms = sim.between(ChoiceKind::Delay, 0, 1_000);
        let s2 = sim.clone();
        sim.spawn(NodeId::SYSTEM, "reap", async move {
            s2.sleep_ms(reap_ms).await;
            if procs.start_of(pid) == start {
                procs.reap(pid);
            }
        });
    }
    sim.crash(s.node);
    if w.params.relaunch {
        let down_ms = sim.between(ChoiceKind::Delay, 5_000, 300_000);
        let (s2, node) = (sim.clone(), s.node);
        sim.spawn(NodeId::SYSTEM, "relaunch", async move {
            s2.sleep_ms(down_ms).await;
            s2.restart(node);
        });
    }
}

/// The ghost's view of when `proc` died.
pub fn died_at(w: &World, proc: usize) -> Option<SimTime> {
    w.ghost.borrow().procs[proc].died_at
}

/// Spawns every slot's first launch and registers its relaunch.
pub fn start_all(sim: &Sim, w: &World) {
    for (i, s) in w.slots.iter().enumerate() {
        let w2 = Rc::clone(w);
        sim.on_restart(s.node, move |sim| {
            sim.spawn(w2.slots[i].node, "eve", launch(Rc::clone(&w2), sim.clone(), i, false));
        });
        sim.spawn(s.node, "eve", launch(Rc::clone(w), sim.clone(), i, true));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lock_error_reads_as_display_writes_it() {
        assert_eq!(LockError::Timeout.text(), LockError::Timeout.to_string());
    }
}
