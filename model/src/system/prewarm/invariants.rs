//! The invariants of SYSTEMS.md section E that apply to S002, as checks over the
//! prewarm world. Event-time checks (I5, I6, I14, L5, P2) are judged by the ghost when
//! the event happens and reported here; I1 and L2 are judged after every step.
//!
//! Bounds (L2, L5) are stated in true simulated time:
//! - a holder is **pid-verifiable** by a waiter when its `owner.json` (as written)
//!   names its pid and the waiter runs in the same pid namespace, and the record is
//!   not a pre-upgrade one (the text accepts that a hostname-less lock falls back to
//!   the stale window: the PR's third test); the waiter must
//!   then free the lock within `2 × poll + 1 s` of the later of the holder's death
//!   and the start of its wait (SYSTEMS.md L2: "about one poll");
//! - otherwise within the version's stale window plus the same margin (for a
//!   pre-upgrade lock met by `proposed`, its legacy window);
//! - a timeout is spurious (L5) when the lock's holder at that moment has been dead
//!   longer than one heartbeat interval plus two polls plus 1 s: no design can tell
//!   a holder that died more recently than that from a live one.

use sim::{Sim, SimTime};

use crate::system::prewarm::actor::Proc;
use crate::system::prewarm::ghost::{Ghost, ProcRec, Wait};
use crate::system::prewarm::version::Stale;
use crate::system::prewarm::world::World;

fn broken(w: &World, name: &str) -> Result<(), String> {
    w.ghost.borrow().broken(name).map_or(Ok(()), |why| Err(why.clone()))
}

/// I1: at most one prewarm per template at a time.
pub fn mutex(w: &World, _: &Sim) -> Result<(), String> {
    let g = w.ghost.borrow();
    for (t, procs) in g.in_cs() {
        if procs.len() > 1 {
            let who: Vec<&str> = procs.iter().map(|p| g.procs[*p].label.as_str()).collect();
            return Err(format!("{} prewarm template {t} at once", who.join(" and ")));
        }
    }
    Ok(())
}

/// I5: a release removes only the releaser's own lock.
pub fn owner_only_release(w: &World, _: &Sim) -> Result<(), String> {
    broken(w, "owner-only-release")
}

/// I6: no lock is reclaimed from a live holder.
pub fn no_premature_reclaim(w: &World, _: &Sim) -> Result<(), String> {
    broken(w, "no-premature-reclaim")
}

/// I14: nobody uses a template while a prewarm of it runs, or before one completed.
pub fn artifact_integrity(w: &World, _: &Sim) -> Result<(), String> {
    broken(w, "artifact-integrity")
}

/// L5: a waiter throws only while a live holder holds the lock.
pub fn no_spurious_timeout(w: &World, _: &Sim) -> Result<(), String> {
    broken(w, "no-spurious-timeout")
}

/// P2: every lock instance a waiter judges by its mtime goes stale before the
/// waiter's deadline.
pub fn stale_below_timeout(w: &World, _: &Sim) -> Result<(), String> {
    broken(w, "stale-below-timeout")
}

/// The margin of every bound: two polls and a second.
fn margin_ms(w: &World) -> u64 {
    2 * w.params.poll_ms + 1_000
}

/// One lock L2 bounds: a template's current lock, whose holder is dead, and a live
/// process waiting for it.
struct Overdue<'g> {
    template: usize,
    holder: &'g ProcRec,
    died: SimTime,
    waiter: &'g ProcRec,
    wait: &'g Wait,
    /// The waiter may expect the lock freed within `bound_ms` of this.
    from: SimTime,
    bound_ms: u64,
    verifiable: bool,
}

/// Calls `f` on every pair L2 bounds, in order, until it answers something.
fn first_bounded<'g, R>(w: &World, g: &'g Ghost, mut f: impl FnMut(Overdue<'g>) -> Option<R>) -> Option<R> {
    for (t, inst) in g.current.iter() {
        let i = &g.instances[inst];
        let holder = &g.procs[i.owner];
        let Some(died) = holder.died_at else { continue };
        for (&waiter, wait) in &g.waiting {
            let wp = &g.procs[waiter];
            if wait.template != t || !wp.alive {
                continue;
            }
            let host_ns = w.hosts[wp.host].ns.get();
            let verifiable =
                i.names_pid && !i.legacy && wp.host == holder.host && holder.ns == host_ns && wp.ns == host_ns;
            let stale_ms =
                if i.legacy && w.version.stale == Stale::Heartbeat { w.params.legacy_stale_ms } else { w.stale_ms() };
            let bound_ms = if verifiable { margin_ms(w) } else { stale_ms + margin_ms(w) };
            let from = died.max(wait.since);
            let pair = Overdue { template: t, holder, died, waiter: wp, wait, from, bound_ms, verifiable };
            if let Some(r) = f(pair) {
                return Some(r);
            }
        }
    }
    None
}

/// L2: a dead holder's lock is freed within its bound while someone waits for it.
pub fn bounded_reclaim(w: &World, sim: &Sim) -> Result<(), String> {
    let g = w.ghost.borrow();
    let now = sim.now();
    let late = first_bounded(w, &g, |o| {
        (now.ms_since(o.from) > o.bound_ms).then(|| {
            format!(
                "{} died at {}; {} has waited for template {} since {} and the lock still stands \
                 after {} s (bound {} s, {})",
                o.holder.label,
                o.died,
                o.waiter.label,
                o.template,
                o.wait.since,
                now.ms_since(o.from) / 1000,
                o.bound_ms / 1000,
                if o.verifiable { "same host, pid on record" } else { "not pid-verifiable" }
            )
        })
    });
    late.map_or(Ok(()), Err)
}

/// The last time at which [`bounded_reclaim`] still holds with the ghost `g` and the
/// hosts' namespaces as they are: the earliest `from + bound` of its pairs
/// (`SimTime(u64::MAX)` when there is none). A function of the ghost and the
/// namespaces alone, which the footprint keeps instead of the time.
pub fn reclaim_deadline(w: &World, g: &Ghost) -> SimTime {
    let mut deadline = u64::MAX;
    first_bounded(w, g, |o| {
        deadline = deadline.min(o.from.as_ms().saturating_add(o.bound_ms));
        None::<()>
    });
    SimTime(deadline)
}

/// Judges a timeout as it is thrown (L5).
pub fn judge_timeout(p: &Proc, template: usize) {
    let w = &p.w;
    let mut g = w.ghost.borrow_mut();
    let Some(&inst) = g.current.get(&template) else { return };
    let owner = g.instances[inst].owner;
    let Some(died) = g.procs[owner].died_at else { return };
    let tolerance_ms = w.params.heartbeat_ms + margin_ms(w);
    let dead_ms = p.sim.now().ms_since(died);
    if dead_ms > tolerance_ms {
        let (who, whose) = (g.procs[p.id].label.clone(), g.procs[owner].label.clone());
        g.break_(
            "no-spurious-timeout",
            format!(
                "{who} timed out on template {template} while its holder {whose} had been dead for {} s",
                dead_ms / 1000
            ),
        );
    }
}
