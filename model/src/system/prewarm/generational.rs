//! The `proposed` prewarm lock ([`crate::system::prewarm::version::PROPOSED`]):
//! generation directories `/locks/tplT/gNNNNNN`, each created whole by renaming a
//! staging directory that already holds its `owner.json`; a generation is finished
//! once released, or once its holder is judged dead (same pid namespace: pid, start
//! time and zombie state; any other: a heartbeat seen unchanged for the heartbeat
//! stale window on the waiter's monotonic clock); the next generation is taken only
//! after the current one is finished, so a reclaim can never remove a live lock.

use std::collections::BTreeMap;

use crate::substrate::fs::FsError;
use crate::substrate::process::{Pid, ProcState};
use crate::system::prewarm::actor::{LockError, Proc};
use crate::system::prewarm::ghost::Wait;
use crate::system::prewarm::owner::OwnerRecord;
use crate::system::prewarm::world::LOCKS_DIR;

fn gen_dir(template: usize, generation: u64) -> String {
    format!("{LOCKS_DIR}/tpl{template}/g{generation:06}")
}

/// A pid namespace's id as `owner.json` records it: host and namespace incarnation
/// (boot id and namespace inode on Linux), never the hostname.
fn ns_id(p: &Proc) -> u64 {
    ((p.host as u64) << 32) | u64::from(p.w.hosts[p.host].ns.get())
}

/// The highest generation of `template`, if any.
fn top(p: &Proc, template: usize) -> Option<u64> {
    let mut top = None;
    let _ = p.w.fs.for_each_name(p.w.lock_base(template), |n| {
        top = top.max(n.strip_prefix('g').and_then(|n| n.parse::<u64>().ok()));
    });
    top
}

/// What the waiter remembers of each generation: the heartbeat it last saw, and
/// when (its monotonic clock) it first saw that value and the generation.
struct Seen {
    /// The highest heartbeat seen: only a higher one is a sign of life (a file server
    /// crash may bring back an older value).
    beat: u64,
    beat_since_ms: u64,
    first_seen_ms: u64,
}

/// `path` cut back to its first `dir_len` bytes, then `name` appended.
fn in_dir<'a>(path: &'a mut String, dir_len: usize, name: &str) -> &'a str {
    path.truncate(dir_len);
    path.push_str(name);
    path
}

/// Whether `generation` is finished: released, or its holder judged dead.
fn finished(p: &Proc, template: usize, generation: u64, seen: &mut BTreeMap<u64, Seen>) -> bool {
    // One buffer for the generation's three files: this runs on every poll.
    let mut path = gen_dir(template, generation);
    let dir_len = path.len();
    let fs = &p.w.fs;
    if fs.exists(in_dir(&mut path, dir_len, "/released")) {
        return true;
    }
    let now = p.sim.now().as_ms();
    let same_ns = |t: &str| {
        let o = OwnerRecord::parse(t)?;
        (o.ns == Some(ns_id(p)) && o.pid > 0).then_some((o.pid, o.start))
    };
    if let Ok(Some((pid, start))) = fs.read_with(in_dir(&mut path, dir_len, "/owner.json"), same_ns) {
        let info = p.w.hosts[p.host].procs.get(Pid(pid as u32));
        let alive = info.is_some_and(|i| i.state == ProcState::Running && Some(i.start) == start);
        return !alive;
    }
    let beat = fs.read_with(in_dir(&mut path, dir_len, "/heartbeat"), |b| b.parse().ok()).ok().flatten().unwrap_or(0);
    let s = seen.entry(generation).or_insert(Seen { beat, beat_since_ms: now, first_seen_ms: now });
    if beat > s.beat {
        s.beat = beat;
        s.beat_since_ms = now;
    }
    now.saturating_sub(s.beat_since_ms) > p.w.params.heartbeat_stale_ms
}

/// Waits until the current generation is finished; returns it (`None`: no lock yet).
async fn wait_finished(p: &Proc, template: usize) -> Result<Option<u64>, LockError> {
    let mut seen = BTreeMap::new();
    p.w.ghost.borrow_mut().waiting.insert(p.id, Wait { template, since: p.sim.now() });
    let mut legacy_since_ms = None;
    let result = loop {
        p.step().await;
        if let Some(done) = legacy_lock(p, template, &mut legacy_since_ms).await {
            if !done {
                p.sim.sleep_ms(p.w.params.poll_ms).await;
                continue;
            }
        }
        let Some(g) = top(p, template) else { break Ok(None) };
        if finished(p, template, g, &mut seen) {
            break Ok(Some(g));
        }
        let now = p.sim.now().as_ms();
        let s = seen.entry(g).or_insert(Seen { beat: 0, beat_since_ms: now, first_seen_ms: now });
        if s.first_seen_ms == now {
            p.note_with(|l| {
                l.str("waits on ").str(&gen_dir(template, g));
            });
        }
        // A timeout only while this generation shows signs of life: a holder known
        // alive, or a heartbeat seen to change within one interval and a poll.
        let fresh = now.saturating_sub(s.beat_since_ms) <= p.w.params.heartbeat_ms + p.w.params.poll_ms;
        if now.saturating_sub(s.first_seen_ms) > p.w.params.lock_timeout_ms && fresh {
            p.note_with(|l| {
                l.str("gives up on ").str(&gen_dir(template, g));
            });
            crate::system::prewarm::invariants::judge_timeout(p, template);
            break Err(LockError::Timeout);
        }
        p.sim.sleep_ms(p.w.params.poll_ms).await;
    };
    p.w.ghost.borrow_mut().waiting.remove(&p.id);
    result
}

/// A pre-upgrade lock directory (`/locks/tplT.lock`, `owner.json` without hostname
/// or namespace) cannot be judged by pid; it is respected until this waiter has seen
/// it for the legacy window, longer than any legitimate prewarm (P1), then removed.
/// `None`: there is none; `Some(false)`: wait; `Some(true)`: just removed.
async fn legacy_lock(p: &Proc, template: usize, since_ms: &mut Option<u64>) -> Option<bool> {
    let dir = p.w.lock_dir(template);
    if !p.w.fs.exists(dir) {
        return None;
    }
    let now = p.sim.now().as_ms();
    let since = *since_ms.get_or_insert_with(|| {
        p.note_with(|l| {
            l.str("waits on the pre-upgrade lock ").str(dir);
        });
        now
    });
    if now.saturating_sub(since) <= p.w.params.legacy_stale_ms {
        return Some(false);
    }
    p.note_with(|l| {
        l.str("pre-upgrade lock ").str(dir).str(" outlived the legacy window: rm -r");
    });
    p.w.fs.rm_rf(dir);
    let mut g = p.w.ghost.borrow_mut();
    if g.current.contains_key(&template) {
        g.ended(template, p.id, false, p.sim.now());
    }
    Some(true)
}

/// `waitForLock`: returns once the current generation is finished.
pub async fn wait_for_lock(p: &Proc, template: usize) -> Result<(), LockError> {
    wait_finished(p, template).await.map(|_| ())
}

/// `withLock`: take the generation after the finished one, prewarm with heartbeats,
/// release by marking the generation released.
pub async fn with_lock(p: &Proc, template: usize) -> Result<(), LockError> {
    let fs = p.w.fs.clone();
    let _ = fs.mkdir_p(p.w.lock_base(template));
    let (mine, inst) = loop {
        let finished_gen = wait_finished(p, template).await?;
        let next = finished_gen.map_or(0, |g| g + 1);
        let staging = format!("{}/.staging-{}", p.w.lock_base(template), p.id);
        fs.rm_rf(&staging);
        let _ = fs.mkdir(&staging);
        let host = &p.w.hosts[p.host];
        let start = host.procs.start_of(Pid(p.pid));
        let record =
            OwnerRecord { pid: i64::from(p.pid), hostname: Some(host.procs.hostname()), ns: Some(ns_id(p)), start };
        let _ = fs.write(&format!("{staging}/owner.json"), &record.to_json());
        let _ = fs.sync(&format!("{staging}/owner.json"));
        p.step().await;
        let target = gen_dir(template, next);
        match fs.rename(&staging, &target) {
            Ok(()) => {
                let mut g = p.w.ghost.borrow_mut();
                if g.current.contains_key(&template) {
                    g.ended(template, p.id, false, p.sim.now());
                }
                let inst = g.created(template, p.id, p.sim.now());
                g.instances[inst].names_pid = true;
                drop(g);
                p.note_with(|l| {
                    l.str("acquired ").str(&target);
                });
                break (next, inst);
            }
            Err(FsError::NotEmpty | FsError::Exists | FsError::NotDir) => {
                p.note_with(|l| {
                    l.str(&target).str(" taken by another process");
                });
                fs.rm_rf(&staging);
            }
            Err(e) => panic!("rename onto {target}: {e}"),
        }
    };
    let dir = gen_dir(template, mine);
    let mut beats = 0u64;
    let fs2 = fs.clone();
    let beat_path = format!("{dir}/heartbeat");
    p.prewarm(template, move |_| {
        beats += 1;
        let _ = fs2.write(&beat_path, &beats.to_string());
    })
    .await;
    // finally
    p.step().await;
    let _ = fs.write(&format!("{dir}/released"), "");
    p.note_with(|l| {
        l.str("releases ").str(&dir);
    });
    let mut g = p.w.ghost.borrow_mut();
    if g.current.get(&template) == Some(&inst) {
        g.ended(template, p.id, true, p.sim.now());
    }
    Ok(())
}
