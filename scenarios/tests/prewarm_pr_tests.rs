//! The three tests of PR #441 (SYSTEMS.md S002.A, "Test:" rows) as deterministic
//! checks: each sets up one fixed lock directory, then runs the model's own
//! `waitForSandboxTemplatePrewarmLock` (`model::system::prewarm::lock::wait_for_lock`)
//! on the simulator against it, with no faults and no random decision that matters.
//!
//! - (a) dead-owner reclaim: `owner.json` names a same-host pid that has exited; the
//!   waiter returns in < 5 s and the lock directory is gone.
//! - (b) live-owner respect: `owner.json` names a live same-host pid and the
//!   directory's mtime is backdated 20 min (> the 10 min stale window); the waiter
//!   stays pending.
//! - (c) backward compatibility: `owner.json` without a hostname names a dead pid; it
//!   is not reclaimed by pid (pending with a fresh mtime), and falls back to mtime
//!   (reclaimed within a poll once the mtime is past the stale window).
//!
//! V1 passes all three. Each check also runs a version that fails it, so that the
//! check can fail: V0 fails (a) (mtime only, 30 min) and (c)'s fallback; V1 without
//! its `alive` exemption (mtime only at V1's 10 min: what S002-C03 says "would get
//! worse") fails (b); v0.5 (pid check without the hostname gate) fails (c)'s
//! "not by pid".

use std::cell::Cell;
use std::rc::Rc;

use model::substrate::fs::Durability;
use model::system::prewarm::actor::Proc;
use model::system::prewarm::ghost::ProcRec;
use model::system::prewarm::lock::wait_for_lock;
use model::system::prewarm::owner::OwnerRecord;
use model::system::prewarm::version::{Liveness, Stale, Version, V0, V0_5, V1};
use model::system::prewarm::world::{build, lock_dir, PrewarmParams, USER};
use scenarios::prewarm as p;
use sim::{ChoiceSource, Ratio, RunConfig, SimTime};

/// V1's stale window with V0's mtime-only judgement: V1 without the `alive` exemption.
const V1_WITHOUT_ALIVE: Version =
    Version { name: "v1-without-alive", liveness: Liveness::MtimeOnly, stale: Stale::V1, writes_hostname: true };

/// When the waiter arrives: late enough that an mtime can be backdated 20 min.
const ARRIVAL_MS: u64 = 30 * 60_000;

/// The lock directory a test finds when its waiter arrives.
#[derive(Clone, Copy)]
struct Lock {
    /// The pid `owner.json` names is still running.
    owner_alive: bool,
    /// `owner.json` carries the host's hostname (V1's record) or not (a pre-upgrade one).
    hostname: bool,
    /// How far before the waiter's arrival the directory's mtime lies.
    mtime_age_ms: u64,
}

/// What the waiter did within the observed window.
#[derive(Clone, Copy, Debug, Default)]
struct Seen {
    /// Milliseconds from its arrival to `waitForLock` returning (`Ok` or `Timeout`).
    returned_after_ms: Option<u64>,
    returned_ok: bool,
    /// The lock directory no longer existed when it returned.
    dir_gone: bool,
}

/// The text profile's parameters (S002.A, and the scenario's assumed defaults).
fn text_params() -> PrewarmParams {
    PrewarmParams {
        lock_timeout_ms: p::LOCK_TIMEOUT_MS.default,
        stale_v0_ms: p::STALE_V0_MS.default,
        stale_v1_ms: p::STALE_V1_MS.default,
        poll_ms: p::POLL_MS.default,
        hosts: 1,
        shared_hostname: false,
        processes_max: 1,
        templates_max: 1,
        arrival_max_ms: 0,
        prewarm_short_max_ms: p::PREWARM_SHORT_MAX_MS.default,
        prewarm_long_max_ms: p::PREWARM_LONG_MAX_MS.default,
        long_prewarm: Ratio::new(0, 16),
        user_role: Ratio::new(16, 16),
        pid_reuse_window: 1,
        pid_range: 32_000,
        background_processes: 0,
        legacy_holder: false,
        rm_stepwise: true,
        stale_reloops: false,
        durability: Durability::Immediate,
        clock_skew_max_ms: 0,
        relaunch: false,
        heartbeat_ms: p::HEARTBEAT_MS.default,
        heartbeat_stale_ms: p::HEARTBEAT_STALE_MS.default,
        legacy_stale_ms: p::LEGACY_STALE_MS.default,
    }
}

/// Runs one waiter of `version` against `lock` on the simulator and watches it for
/// `window_ms` after its arrival.
fn wait_against(version: Version, lock: Lock, window_ms: u64) -> Seen {
    let seen = Rc::new(Cell::new(Seen::default()));
    let out = Rc::clone(&seen);
    let config = RunConfig { fault_phase_ms: ARRIVAL_MS + window_ms, liveness_deadline_ms: 0, ..RunConfig::default() };
    let result = sim::run(
        ChoiceSource::Seed(0),
        &config,
        move |sim| {
            let w = build(sim, version, text_params());
            let (w2, s2) = (Rc::clone(&w), sim.clone());
            sim.spawn(w.slots[0].node, "pr-test", async move {
                s2.sleep_ms(ARRIVAL_MS).await;
                let host = &w2.hosts[0];
                // The holder: it took the lock and wrote its record.
                let owner = host.procs.spawn(USER, "eve");
                let dir = lock_dir(0);
                w2.fs.mkdir(&dir).expect("the lock directory is new");
                let hostname = lock.hostname.then(|| host.procs.hostname());
                let record = OwnerRecord { pid: i64::from(owner.0), hostname, ..OwnerRecord::default() };
                w2.fs.write(&format!("{dir}/owner.json"), &record.to_json()).expect("the directory exists");
                w2.fs.set_mtime(&dir, SimTime(ARRIVAL_MS - lock.mtime_age_ms));
                if !lock.owner_alive {
                    host.procs.exit_reaped(owner);
                }
                // The waiter, a process of its own on the same host.
                let pid = host.procs.spawn(USER, "eve");
                let id = {
                    let mut g = w2.ghost.borrow_mut();
                    let label = format!("waiter{}", pid.0);
                    g.procs.push(ProcRec { label, host: 0, ns: 0, pid: pid.0, alive: true, died_at: None });
                    g.procs.len() - 1
                };
                let waiter = Proc { w: Rc::clone(&w2), sim: s2.clone(), slot: 0, id, host: 0, pid: pid.0, version };
                let returned = wait_for_lock(&waiter, 0).await;
                out.set(Seen {
                    returned_after_ms: Some(s2.now().as_ms() - ARRIVAL_MS),
                    returned_ok: returned.is_ok(),
                    dir_gone: !w2.fs.exists(&dir),
                });
            });
            w
        },
        &[],
    );
    assert!(result.outcome.is_pass(), "{:?}", result.outcome);
    seen.get()
}

/// (a): a dead same-host owner is reclaimed in under 5 s, and the directory is gone.
fn reclaims_a_dead_owner_within_5_s(version: Version) -> bool {
    let lock = Lock { owner_alive: false, hostname: true, mtime_age_ms: 0 };
    let seen = wait_against(version, lock, 60_000);
    seen.returned_ok && seen.returned_after_ms.is_some_and(|ms| ms < 5_000) && seen.dir_gone
}

/// (b): a live same-host owner whose lock's mtime is 20 min old keeps its lock: the
/// waiter is still pending 2 min later (past the stale window by 12 min).
fn respects_a_live_owner_with_a_20_min_old_mtime(version: Version) -> bool {
    let lock = Lock { owner_alive: true, hostname: true, mtime_age_ms: 20 * 60_000 };
    wait_against(version, lock, 2 * 60_000).returned_after_ms.is_none()
}

/// (c), first half: a dead owner without a hostname is not reclaimed by pid: with a
/// fresh mtime the waiter is still pending a minute later.
fn does_not_reclaim_a_hostname_less_owner_by_pid(version: Version) -> bool {
    let lock = Lock { owner_alive: false, hostname: false, mtime_age_ms: 0 };
    wait_against(version, lock, 60_000).returned_after_ms.is_none()
}

/// (c), second half: once its mtime is past the 10 min stale window (11 min old) it
/// is reclaimed within a poll, the directory gone.
fn reclaims_a_hostname_less_owner_by_mtime(version: Version) -> bool {
    let lock = Lock { owner_alive: false, hostname: false, mtime_age_ms: 11 * 60_000 };
    let seen = wait_against(version, lock, 60_000);
    seen.returned_ok && seen.returned_after_ms.is_some_and(|ms| ms < 5_000) && seen.dir_gone
}

#[test]
fn a_dead_owner_is_reclaimed_within_5_s_by_v1_not_by_v0() {
    assert!(reclaims_a_dead_owner_within_5_s(V1), "V1");
    assert!(reclaims_a_dead_owner_within_5_s(V0_5), "v0.5 (same host: the pid check suffices)");
    assert!(!reclaims_a_dead_owner_within_5_s(V0), "V0 judges by mtime alone (S002-C01)");
}

#[test]
fn a_live_owner_with_a_backdated_mtime_is_respected_but_not_without_the_alive_exemption() {
    assert!(respects_a_live_owner_with_a_20_min_old_mtime(V1), "V1");
    assert!(respects_a_live_owner_with_a_20_min_old_mtime(V0_5), "v0.5");
    assert!(respects_a_live_owner_with_a_20_min_old_mtime(V0), "V0: 20 min is inside its 30 min window");
    assert!(
        !respects_a_live_owner_with_a_20_min_old_mtime(V1_WITHOUT_ALIVE),
        "V1 without the alive exemption reclaims a live lock (S002-C03 at STALE=10)"
    );
}

#[test]
fn a_hostname_less_dead_owner_falls_back_to_mtime_in_v1() {
    assert!(does_not_reclaim_a_hostname_less_owner_by_pid(V1), "V1 gates the pid check on the hostname");
    assert!(reclaims_a_hostname_less_owner_by_mtime(V1), "V1 falls back to the 10 min mtime window");
    assert!(!does_not_reclaim_a_hostname_less_owner_by_pid(V0_5), "v0.5 has no hostname gate (S002-C04's hazard)");
    assert!(!reclaims_a_hostname_less_owner_by_mtime(V0), "V0's window is 30 min");
}
