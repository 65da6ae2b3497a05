//! The versions of the prewarm lock (SYSTEMS.md S002.B) as data: which owner record
//! the holder writes, how a waiter judges the holder's liveness, and which stale
//! window applies. A new design is one more value.
//!
//! - `v0`: `owner.json = {pid}`, no liveness check, a 30-minute mtime stale window.
//! - `v0.5`: never shipped: V1's pid check without its hostname gate (and without the
//!   hostname in `owner.json`), needed to show S002-C04.
//! - `v1` (FINAL): `{pid, hostname}`; dead → immediate reclaim, alive → never reclaimed
//!   by mtime, unknown → the 10-minute mtime window.
//! - `proposed`: see [`PROPOSED`].

/// How a waiter decides whether the lock's holder is alive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Liveness {
    /// V0: it does not; every lock is judged by its mtime alone.
    MtimeOnly,
    /// v0.5: `kill(pid, 0)` on whatever pid `owner.json` names, on any host.
    PidNoHostGate,
    /// V1: `kill(pid, 0)` only when `owner.json`'s hostname equals `os.hostname()`.
    PidHostGate,
    /// `proposed`: generation directories, a pid *and* process start time *and* pid
    /// namespace id for same-namespace holders, a heartbeat seen to stop for others.
    Generational,
}

/// Which stale window a version uses (the values are parameters).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stale {
    /// `STALE_LOCK_MS` = 30 min.
    V0,
    /// `STALE_LOCK_MS` = 10 min.
    V1,
    /// `proposed`: a heartbeat unchanged for this long on the waiter's monotonic clock.
    Heartbeat,
}

/// One protocol version.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Version {
    pub name: &'static str,
    pub liveness: Liveness,
    pub stale: Stale,
    /// `owner.json` carries `hostname` (V1).
    pub writes_hostname: bool,
}

pub const V0: Version = Version { name: "v0", liveness: Liveness::MtimeOnly, stale: Stale::V0, writes_hostname: false };
pub const V0_5: Version =
    Version { name: "v0.5", liveness: Liveness::PidNoHostGate, stale: Stale::V1, writes_hostname: false };
pub const V1: Version =
    Version { name: "v1", liveness: Liveness::PidHostGate, stale: Stale::V1, writes_hostname: true };

/// A design for the prewarm lock meant to keep every invariant under pid reuse,
/// zombies, container restarts, shared directories across hosts and skewed clocks.
///
/// 1. **No fixed lock path, no removal race.** The lock of a template is a sequence of
///    generation directories `/locks/T/<n>`. A process acquires generation `n + 1`
///    only after it has judged generation `n` finished (released, or its holder dead),
///    by renaming a staging directory that already holds its `owner.json` onto
///    `/locks/T/<n+1>`: the rename fails if that generation exists, so exactly one
///    process gets it, and `owner.json` is never missing or torn. "Finished" never
///    becomes false again, so the check-then-act race of removing `lockDir` after
///    judging it (a reclaim deleting the *next* holder's lock) cannot happen. Release
///    writes a `released` marker into one's own generation; old generations are
///    cleaned up by later holders and are never needed again.
/// 2. **Liveness that survives pid reuse and zombies.** `owner.json` records pid,
///    process start time and the pid namespace id (boot id + namespace inode, not the
///    hostname, which containers share). A waiter in the same namespace reads
///    `/proc/<pid>/stat`: alive only if the pid exists, is not a zombie and has the
///    recorded start time; anything else is dead and is reclaimed at once.
/// 3. **Other namespaces: a heartbeat, timed on the waiter's own monotonic clock.**
///    The holder bumps a counter in its generation every heartbeat interval. A waiter
///    that sees the counter unchanged for the heartbeat stale window on its
///    monotonic clock (never `Date.now()` against a server mtime) reclaims. A live
///    holder beats far more often than the window, so it is never reclaimed; clock
///    skew and jumps do not enter.
/// 4. **The timeout is per generation.** A waiter throws only after one live
///    generation held the lock for `LOCK_TIMEOUT_MS` since it first saw it; meeting a
///    new generation restarts the count, so `stale < timeout` holds per instance (P2).
pub const PROPOSED: Version =
    Version { name: "proposed", liveness: Liveness::Generational, stale: Stale::Heartbeat, writes_hostname: true };

/// Every version, in the order `list` shows them.
pub const VERSIONS: [Version; 4] = [V0, V0_5, V1, PROPOSED];

/// The version named `name`.
pub fn by_name(name: &str) -> Option<Version> {
    VERSIONS.iter().copied().find(|v| v.name == name)
}
