//! The `sometimes` goals of every scenario: the situations the bugs of SYSTEMS.md
//! need, marked by one-line [`sim::Sim::sometimes`] calls in the model code. A
//! campaign counts the runs that reached each; `--strategy cover` branches from them.

use crate::scenario::GoalInfo;

const fn goal(name: &'static str, doc: &'static str) -> GoalInfo {
    GoalInfo { name, doc }
}

pub const DEMO_LOCK: &[GoalInfo] = &[
    goal("lock-contended", "a client found the lock taken and retries"),
    goal("release-lost", "a client's release failed: the lock stays until its TTL frees it"),
];

pub const LEASE: &[GoalInfo] = &[
    goal("work-outlasts-lease", "a client's work under the lease ended after the lease expired by its clock"),
    goal("write-after-lease-expired", "a client writes under a lease that expired by its own clock"),
];

pub const LAUNCHER: &[GoalInfo] = &[
    goal("tab-waits-on-create", "acquireCreateLock answered Creating: a tab waits on another tab's create"),
    goal(
        "waits-while-creator-hands-off",
        "a tab was told Creating after the creator's create ended: a handoff in progress (or a dead creator)",
    ),
    goal("lock-taken-over-after-ttl", "acquireCreateLock replaced a placeholder older than the TTL (C07, C10)"),
    goal("fallback-create", "the provider took the slow fallback create path (up to 300 s; C10)"),
    goal("insert-failed", "the creator's createSandboxRecord failed (C11, C13)"),
];

pub const CREATE_LOCK: &[GoalInfo] = &[
    goal("tab-waits-on-create", "a tab opened on another tab's fresh placeholder and waits (C09's waiter)"),
    goal("lock-taken-over-after-ttl", "acquireCreateLock replaced a placeholder older than the TTL (C10, slow create)"),
    goal("insert-failed", "the creator's createSandboxRecord failed (C11)"),
];

pub const DEVSERVER: &[GoalInfo] = &[goal(
    "lock-lost-while-start-runs",
    "a start path ended its locked section no longer holding the Redis lock (expired, or taken by another)",
)];

pub const TOOLS: &[GoalInfo] =
    &[goal("two-config-writes-at-once", "two writers inside a read-modify-write of one config file at once")];

pub const RESTART: &[GoalInfo] = &[
    goal("pending-restart-coalesced", "a restart arrived while a cycle ran and set pending"),
    goal("pending-cycle-runs", "the runner found pending set and began another cycle"),
];

pub const PREWARM: &[GoalInfo] = &[
    goal("pid-reused", "a process got a recently freed pid"),
    goal("owner-json-unreadable", "a waiter read owner.json while it was empty or torn"),
    goal("dead-holder-reclaimed", "a waiter judged the holder dead and removed its lock"),
    goal("stale-lock-reclaimed-by-mtime", "a waiter removed the lock as stale by its mtime"),
];
