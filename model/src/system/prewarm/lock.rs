//! `withSandboxTemplatePrewarmLock` and `waitForSandboxTemplatePrewarmLock` as V0,
//! v0.5 and V1 write them (SYSTEMS.md S002.B): a `mkdir` lock directory per
//! template, `owner.json` written after it in a separate non-atomic step, release by
//! `rm -r` in a `finally` that a kill skips, and a waiter that polls for the
//! directory to go, reclaims it when its holder looks dead (v0.5, V1) or its mtime
//! looks stale, and throws after `LOCK_TIMEOUT_MS`.
//!
//! Every awaited file system call is a [`Proc::step`]: other processes run there and
//! the process may be killed there.

use crate::substrate::fs::FsError;
use crate::system::prewarm::actor::{LockError, Proc};
use crate::system::prewarm::owner::{classify, OwnerRecord, ParseMemo, Verdict};
use crate::system::prewarm::version::Liveness;
use crate::system::prewarm::world::USER;

/// `withLock(template, prewarm)`.
pub async fn with_lock(p: &Proc, template: usize) -> Result<(), LockError> {
    let dir = p.w.lock_dir(template);
    loop {
        p.step().await;
        match p.w.fs.mkdir(dir) {
            Ok(()) => {
                let mut g = p.w.ghost.borrow_mut();
                let inst = g.created(template, p.id, p.sim.now());
                g.instances[inst].legacy = p.version != p.w.version;
                drop(g);
                p.note_with(|l| {
                    l.str("mkdir ").str(dir).str(": acquired");
                });
                break;
            }
            Err(FsError::Exists) => {
                p.note_with(|l| {
                    l.str("mkdir ").str(dir).str(": EEXIST");
                });
                wait_for_lock(p, template).await?;
            }
            Err(e) => panic!("mkdir {dir}: {e}"),
        }
    }
    write_owner(p, template).await;
    p.prewarm(template, |_| {}).await;
    // finally
    p.step().await;
    p.note_with(|l| {
        l.str("releases ").str(dir);
    });
    remove(p, template, true).await;
    Ok(())
}

/// `owner.json` after the `mkdir`: Node's `writeFile` creates the file empty, then
/// writes it, so readers may see no file, an empty one or a torn one.
async fn write_owner(p: &Proc, template: usize) {
    let host = &p.w.hosts[p.host];
    let hostname = p.version.writes_hostname.then(|| host.procs.hostname());
    let json = OwnerRecord { pid: i64::from(p.pid), hostname, ..OwnerRecord::default() }.to_json();
    let path = p.w.owner_path(template);
    p.step().await;
    if p.w.fs.write(path, "").is_err() {
        p.note("owner.json: the lock directory is gone");
        return;
    }
    p.step().await;
    let _ = p.w.fs.write(path, &json[..json.len() / 2]);
    p.step().await;
    if p.w.fs.write(path, &json).is_ok() {
        let mut g = p.w.ghost.borrow_mut();
        if let Some(&inst) = g.current.get(&template) {
            if g.instances[inst].owner == p.id {
                g.instances[inst].names_pid = true;
            }
        }
    }
}

/// `rm -r lockDir`, as a release (`release`) or a reclaim; tells the ghost if it
/// removed the instance that stood there.
async fn remove(p: &Proc, template: usize, release: bool) {
    let dir = p.w.lock_dir(template);
    if p.w.params.rm_stepwise {
        let _ = p.w.fs.rm_rf_stepwise(dir).await;
    } else {
        p.w.fs.rm_rf(dir);
    }
    // Borrowed to change only if the instance ended: a borrow to change counts as a
    // write, after which the footprint is computed again.
    let ended = p.w.ghost.borrow().current.contains_key(&template) && !p.w.fs.exists_key(&p.w.paths[template].lock_dir);
    if ended {
        p.w.ghost.borrow_mut().ended(template, p.id, release, p.sim.now());
    }
}

/// `waitForLock(template)`.
pub async fn wait_for_lock(p: &Proc, template: usize) -> Result<(), LockError> {
    let dir = p.w.lock_dir(template);
    let paths = &p.w.paths[template];
    let params = &p.w.params;
    let stale_ms = p.w.params.stale_ms(p.version);
    let start = p.date_now();
    p.w.ghost.borrow_mut().waiting.insert(p.id, crate::system::prewarm::ghost::Wait { template, since: p.sim.now() });
    let (mut met, mut judged) = (None, None);
    let mut owner_memo = ParseMemo::default();
    let result = loop {
        p.step().await;
        if !p.w.fs.exists_key(&paths.lock_dir) {
            p.note_with(|l| {
                l.str(dir).str(" is gone");
            });
            break Ok(());
        }
        let verdict = match p.version.liveness {
            Liveness::MtimeOnly | Liveness::Generational => Verdict::Unknown,
            gate => {
                let procs = &p.w.hosts[p.host].procs;
                let judge = |text: &str| {
                    let record = owner_memo.parse(text);
                    p.sim.sometimes_if(record.is_none(), "owner-json-unreadable");
                    classify(record.as_ref(), gate == Liveness::PidHostGate, procs, USER)
                };
                let read = p.w.fs.read_with_key(&paths.owner, judge);
                read.unwrap_or(Verdict::Unknown)
            }
        };
        let current = p.w.ghost.borrow().current.get(&template).copied();
        if current != met {
            met = current;
            p.note_with(|l| {
                l.str("waits on ").str(dir).str(" (holder ").str(verdict.name()).str(")");
            });
        }
        if verdict == Verdict::Dead {
            p.note_with(|l| {
                l.str("holder of ").str(dir).str(" is dead: rm -r");
            });
            p.sim.sometimes("dead-holder-reclaimed");
            remove(p, template, false).await;
            break Ok(());
        }
        p.step().await;
        // The host's clock as of this step (read once: nothing below awaits before
        // the timeout check, except on paths that leave the iteration).
        let mut now = None;
        if verdict == Verdict::Unknown {
            let Ok(mtime) = p.w.fs.mtime_key(&paths.lock_dir) else { continue };
            let now = *now.insert(p.date_now());
            let first_unknown = current.is_some() && judged != current;
            judged = current;
            if first_unknown && mtime.as_ms() + stale_ms > start + params.lock_timeout_ms {
                p.w.ghost.borrow_mut().break_(
                    "stale-below-timeout",
                    format!(
                        "{dir} met at {}s has mtime {}; stale at {}s, after the waiter's deadline {}s (its clock)",
                        now / 1000,
                        mtime,
                        (mtime.as_ms() + stale_ms) / 1000,
                        (start + params.lock_timeout_ms) / 1000
                    ),
                );
            }
            if now.saturating_sub(mtime.as_ms()) > stale_ms {
                p.note_with(|l| {
                    l.str(dir).str(" is stale (mtime ").time(mtime).str("): rm -r");
                });
                p.sim.sometimes("stale-lock-reclaimed-by-mtime");
                remove(p, template, false).await;
                if params.stale_reloops {
                    continue;
                }
                break Ok(());
            }
        }
        let waited_ms = now.unwrap_or_else(|| p.date_now()).saturating_sub(start);
        if waited_ms > params.lock_timeout_ms {
            let waited_s = waited_ms / 1000;
            p.note_with(|l| {
                l.str("gives up on ").str(dir).str(" after ").num(waited_s).str(" s");
            });
            crate::system::prewarm::invariants::judge_timeout(p, template);
            break Err(LockError::Timeout);
        }
        p.sim.sleep_ms(params.poll_ms).await;
    };
    p.w.ghost.borrow_mut().waiting.remove(&p.id);
    result
}
