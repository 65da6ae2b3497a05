//! The versions of S001 and every number and assumption its model takes.
//!
//! Numbers the text states keep their values (60 s TTL, 5 s backend auto-start, 2 s /
//! 3 s frontend auto-start, 30 s / 15 s polling, ports 3000 and 8081). Every `[A]` of
//! SYSTEMS.md S001.A is a field here with the text's most plausible reading as default;
//! the scenario exposes each one as a named parameter.

/// The protocol version under test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    /// Before the note: shared `dev_server` session, no lock, start on preview tab.
    V0,
    /// The note's FINAL version ("PRODUCTION READY").
    V1,
    /// A design meant to keep every invariant (see `backend::start_proposed`).
    Proposed,
}

/// How the locked start path releases its Redis lock in `finally` `[A]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Release {
    /// `DEL key`: deletes whatever holds the key, the owner or not.
    Del,
    /// A Lua compare-and-delete on the lock value.
    CompareAndDelete,
    /// No release: the 60 s TTL frees the key.
    TtlOnly,
}

/// What a backend that loses `SET NX` does `[A]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Loser {
    /// Returns "already starting" at once.
    AlreadyStarting,
    /// Polls the key every second until it is free, then runs the start path.
    Wait,
    /// Returns an error.
    Fail,
}

/// What the double-check after the lock tests `[A]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DoubleCheck {
    /// The app's port answers (what "running" means to a preview).
    Port,
    /// A process of the app is alive in the path's session.
    Process,
    /// The path's session exists.
    Session,
}

/// How long the lock is held `[A]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockHold {
    /// Until the command is issued (the exec runs in the background).
    CommandIssued,
    /// Until the port answers, or a 300 s wait runs out.
    UntilReachable,
}

/// What Next.js does when port 3000 is taken `[A]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WebPortTaken {
    /// "Port 3000 is in use, trying 3001 instead" (Next.js's behaviour).
    NextPort,
    /// Exits with EADDRINUSE.
    Exit,
}

/// Every parameter of one run. Durations in simulated milliseconds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DevParams {
    pub lock_ttl_ms: u64,
    pub pool_auto_start_delay_ms: u64,
    /// Whether the sandbox pool auto-starts at all (V1 does; off isolates a bug).
    pub pool_auto_start: bool,
    pub release: Release,
    pub loser: Loser,
    pub double_check: DoubleCheck,
    pub lock_hold: LockHold,
    /// `[A]` the pool's auto-start takes the same Redis lock.
    pub auto_start_takes_lock: bool,
    /// `[A]` a Redis restart loses the keys (no AOF; an RDB snapshot is older than
    /// any 60 s lock).
    pub redis_restart_loses_keys: bool,
    /// `[A]` a successful `start()` sets `status` to running (else leaves it).
    pub start_sets_running: bool,
    pub web_port_taken: WebPortTaken,
    /// `[A]` the longest a status check (a fetch of the preview URL) takes to answer.
    pub status_check_latency_max_ms: u64,
    /// `[A]` the graceful-termination wait of the cleanup.
    pub cleanup_grace_ms: u64,
    /// Workload: most hook instances (tabs or mounted components).
    pub hooks_max: u64,
    /// Workload: most agent tool calls that start the dev server.
    pub agent_starts_max: u64,
    /// Workload: most user actions per tab (re-render, refresh, unmount, preview).
    pub user_actions_max: u64,
    /// Workload: whether a hook may use the other app type than the sandbox's.
    pub mixed_app_types: bool,
    /// Workload: the sandbox's app type, or `None` to draw it.
    pub sandbox_app: Option<crate::system::devserver::sandbox::App>,
    /// Starts: web (Next.js) and mobile (global npm install, expo start, tunnel).
    pub web_start_min_ms: u64,
    pub web_start_max_ms: u64,
    pub npm_install_max_ms: u64,
    pub expo_start_max_ms: u64,
    pub tunnel_max_ms: u64,
    /// `proposed`: a process starting for longer than this is hung and may be killed;
    /// longer than any healthy start.
    pub hung_after_ms: u64,
}

impl Default for DevParams {
    fn default() -> DevParams {
        DevParams {
            lock_ttl_ms: 60_000,
            pool_auto_start_delay_ms: 5_000,
            pool_auto_start: true,
            release: Release::Del,
            loser: Loser::AlreadyStarting,
            double_check: DoubleCheck::Port,
            lock_hold: LockHold::CommandIssued,
            auto_start_takes_lock: true,
            redis_restart_loses_keys: true,
            start_sets_running: true,
            web_port_taken: WebPortTaken::NextPort,
            status_check_latency_max_ms: 10_000,
            cleanup_grace_ms: 5_000,
            hooks_max: 3,
            agent_starts_max: 2,
            user_actions_max: 6,
            mixed_app_types: true,
            sandbox_app: None,
            web_start_min_ms: 3_000,
            web_start_max_ms: 20_000,
            npm_install_max_ms: 90_000,
            expo_start_max_ms: 40_000,
            tunnel_max_ms: 60_000,
            hung_after_ms: 300_000,
        }
    }
}

/// The version's frontend numbers (SYSTEMS.md S001.A).
pub fn auto_start_delay_ms(variant: Variant) -> u64 {
    match variant {
        Variant::V0 => 2_000,
        Variant::V1 | Variant::Proposed => 3_000,
    }
}

pub fn polling_ms(variant: Variant) -> u64 {
    match variant {
        Variant::V0 => 30_000,
        Variant::V1 | Variant::Proposed => 15_000,
    }
}
