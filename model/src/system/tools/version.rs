//! The protocol versions of S004 (SYSTEMS.md S004.B) as data: one value per commit of
//! PR #3576, and `proposed`. Every difference between two versions is a field here, so
//! the tools read which lock to take from the version and never from its name.

/// The stream-level wrapper around every tool's `execute` (V1–V3; gone in V4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StreamLock {
    /// V0, V4+: siblings run fully in parallel.
    None,
    /// V1: `withSequentialExecution`, one `AsyncMutex` per stream held across the whole body.
    Mutex,
    /// V2: the same mutex, except that a provably forked `task` call runs without it.
    MutexForkedExempt,
    /// V3: a FIFO-fair read/write lock; a provably forked task reads, everything else writes.
    RwLock,
}

/// Who serializes read-modify-writes of the config files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfigLocking {
    /// V0–V7: `Config.editConfigQueue`, instance-scoped; `mux_config_write` (V6–V7: its
    /// own per-document `MutexMap`) does not coordinate with it.
    InstanceQueue,
    /// V8+: `withConfigFileLock`, a module-level `MutexMap<string>` keyed by absolute
    /// path, taken by `editConfig` and by `withConfigDocumentLock` alike.
    FileLock,
}

/// One protocol version: every mechanism SYSTEMS.md S004.B changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Version {
    pub name: &'static str,
    pub stream_lock: StreamLock,
    /// V5+: `file_edit_insert`'s create-on-missing runs under the per-file edit lock.
    pub insert_locked: bool,
    /// V6+: `mux_config_write` runs its read → applyMutations → write under a lock.
    pub config_tool_locked: bool,
    pub config_locking: ConfigLocking,
    /// V7+: `generateUniqueProcessId` reserves the ID synchronously (`reservedIds`).
    pub reserve_process_ids: bool,
    /// V9+: `ProviderService` mutations run under `withProvidersConfigLock`, and
    /// `updateGlobalSecrets`/`updateProjectSecrets` under `withConfigFileLock(secrets)`.
    pub providers_and_secrets_locked: bool,
    /// V10+: `syncGatewayLifecycle` merges `routePriority` inside `editConfig`'s lock.
    pub route_merge_under_lock: bool,
    /// `proposed`: direct `saveConfig` callers and CLI bootstrap writers take the file lock.
    pub direct_writers_locked: bool,
    /// `proposed`: a call queued on a resource lock re-checks the abort signal once it
    /// holds the lock, before any side effect (`mux_config_write` included).
    pub abort_checked_after_lock: bool,
    /// `proposed`: a forked `create()` reads the checkout under per-file read locks
    /// (taken in path order), and checkout writers hold the write lock of each file
    /// they change, so a fork copies one instant of the checkout.
    pub checkout_locks: bool,
}

const V0: Version = Version {
    name: "v0",
    stream_lock: StreamLock::None,
    insert_locked: false,
    config_tool_locked: false,
    config_locking: ConfigLocking::InstanceQueue,
    reserve_process_ids: false,
    providers_and_secrets_locked: false,
    route_merge_under_lock: false,
    direct_writers_locked: false,
    abort_checked_after_lock: false,
    checkout_locks: false,
};

/// The text's versions, V0 (before #2906) to V10 (037f3ae, FINAL), in order.
pub const VERSIONS: [Version; 11] = [
    V0,
    Version { name: "v1", stream_lock: StreamLock::Mutex, ..V0 },
    Version { name: "v2", stream_lock: StreamLock::MutexForkedExempt, ..V0 },
    Version { name: "v3", stream_lock: StreamLock::RwLock, ..V0 },
    // 7c44e03 reverts the stream lock: back to V0's scheduling.
    Version { name: "v4", ..V0 },
    Version { name: "v5", insert_locked: true, ..V0 },
    Version { name: "v6", insert_locked: true, config_tool_locked: true, ..V0 },
    Version { name: "v7", insert_locked: true, config_tool_locked: true, reserve_process_ids: true, ..V0 },
    Version {
        name: "v8",
        insert_locked: true,
        config_tool_locked: true,
        reserve_process_ids: true,
        config_locking: ConfigLocking::FileLock,
        ..V0
    },
    Version {
        name: "v9",
        insert_locked: true,
        config_tool_locked: true,
        reserve_process_ids: true,
        config_locking: ConfigLocking::FileLock,
        providers_and_secrets_locked: true,
        ..V0
    },
    Version {
        name: "v10",
        insert_locked: true,
        config_tool_locked: true,
        reserve_process_ids: true,
        config_locking: ConfigLocking::FileLock,
        providers_and_secrets_locked: true,
        route_merge_under_lock: true,
        ..V0
    },
];

/// `proposed`: V10 plus the three repairs of what V10 still gets wrong.
///
/// - C10: a call that waited for a lock checks the stream's abort signal as soon as it
///   holds the lock and returns "aborted" without a side effect; the check costs one
///   branch and keeps the per-resource parallelism of V4–V10.
/// - C11: every `config.json` writer goes through `withConfigFileLock`: the direct
///   `saveConfig` flows become `editConfig` transforms, and the bootstrap writers (in
///   process, as modelled) take the same per-path lock.
/// - C02: a fork's `create()` copies the checkout under the read locks of the files it
///   copies, taken in path order (no deadlock), and every checkout writer holds the
///   write lock of each file it rewrites. Only siblings that touch the same files ever
///   wait on each other, so L6 still holds.
pub const PROPOSED: Version = Version {
    name: "proposed",
    direct_writers_locked: true,
    abort_checked_after_lock: true,
    checkout_locks: true,
    ..VERSIONS[10]
};

/// Designs beyond the text, reviewed beside its versions.
pub const DESIGNS: [Version; 1] = [PROPOSED];

/// The version or design named `name`.
pub fn by_name(name: &str) -> Option<Version> {
    VERSIONS.iter().chain(DESIGNS.iter()).copied().find(|v| v.name == name)
}
