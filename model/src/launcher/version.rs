//! The protocol versions of the multi-tab launcher (SYSTEMS.md S000.B) as data: each
//! version is the previous one with the fixes of one review round, so each is a set
//! of named choices the tab and store code branch on. A new design is one more value.
//!
//! The ids follow SYSTEMS.md: V0 is the `installing` mutex before the PR, V1 the first
//! commit, V2–V8 the seven review rounds (V8 was merged).

/// How a tab gets the right to work on the user's sandbox.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Claim {
    /// V0: `claimSandbox` marks the whole record `installing` (a per-user mutex); a
    /// cold create has no lock and `create` deletes any existing record first.
    InstallingMutex,
    /// V1+: a reactive `getSandbox` query, and `acquireCreateLock` only for cold creates.
    CreateLock,
}

/// What a waiting tab does to find out the creator finished.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resume {
    /// V1: nothing; the auto-launch effect is gated on `phase == config`.
    Never,
    /// V2–V3: relaunch when the query moves from `creating` to `found`.
    OnCreatingToFound,
    /// V4+: relaunch on any defined, non-`creating` value (`null` or `found`).
    OnAnyNonCreating,
}

/// How the install path records the skill it installed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SkillsUpdate {
    /// V1–V3: `updatePoolState(installedSkills: [...snapshot, skill])`, replacing the field.
    ReplaceFromSnapshot,
    /// V4+: `addInstalledSkill`, an atomic append on the current document.
    AtomicAppend,
}

/// Order of the creator's handoff from placeholder to real record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Handoff {
    /// V1–V4: delete the placeholder, then insert the real record (failure swallowed).
    DeleteThenInsert,
    /// V5: insert (failure swallowed), then delete the placeholder unconditionally.
    InsertThenDelete,
    /// V6+: insert, then delete only after a durable insert; on failure destroy the
    /// sandbox and keep the placeholder until its TTL.
    InsertThenDeleteOrDestroy,
}

/// Where the creator's failure path leaves the page (V6+).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CreateFailurePage {
    /// V6: `sandboxState = error`, phase and session untouched (still `running`).
    KeepRunning,
    /// V7: session cleared, `phase = config` (no config-phase branch renders it).
    BackToConfig,
    /// V8: session cleared, `phase = launching` with the error and a Retry button.
    LaunchingWithError,
}

/// One protocol version: every choice the text makes, by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Version {
    pub name: &'static str,
    pub claim: Claim,
    /// Age after which a pending placeholder is ignored by `getSandbox` and replaced
    /// by `acquireCreateLock`; `None` = never (V1: only the cron's 2-day sweep).
    pub placeholder_ttl_ms: Option<u64>,
    /// V1: `!lock` or `exists` recurse into `handleLaunch` with the same closure.
    pub retry_by_recursion: bool,
    pub resume: Resume,
    /// V3+: skip the `.env`/`config.yaml` write when the record's hash matches.
    pub skip_config_write_when_same: bool,
    pub skills_update: SkillsUpdate,
    /// V7+: publish `configHash` only when this launch wrote the files.
    pub publish_hash_only_if_written: bool,
    pub handoff: Handoff,
    pub create_failure_page: CreateFailurePage,
}

const V1: Version = Version {
    name: "v1",
    claim: Claim::CreateLock,
    placeholder_ttl_ms: None,
    retry_by_recursion: true,
    resume: Resume::Never,
    skip_config_write_when_same: false,
    skills_update: SkillsUpdate::ReplaceFromSnapshot,
    publish_hash_only_if_written: false,
    handoff: Handoff::DeleteThenInsert,
    create_failure_page: CreateFailurePage::KeepRunning,
};

/// 120 s (V2–V4), then 300 s (V5–V8): SYSTEMS.md S000.A.
pub const TTL_ROUND_1_MS: u64 = 120_000;
pub const TTL_ROUND_4_MS: u64 = 300_000;

const V2: Version = Version {
    name: "v2",
    placeholder_ttl_ms: Some(TTL_ROUND_1_MS),
    retry_by_recursion: false,
    resume: Resume::OnCreatingToFound,
    ..V1
};
const V3: Version = Version { name: "v3", skip_config_write_when_same: true, ..V2 };
const V4: Version =
    Version { name: "v4", resume: Resume::OnAnyNonCreating, skills_update: SkillsUpdate::AtomicAppend, ..V3 };
const V5: Version =
    Version { name: "v5", placeholder_ttl_ms: Some(TTL_ROUND_4_MS), handoff: Handoff::InsertThenDelete, ..V4 };
const V6: Version = Version { name: "v6", handoff: Handoff::InsertThenDeleteOrDestroy, ..V5 };
const V7: Version = Version {
    name: "v7",
    publish_hash_only_if_written: true,
    create_failure_page: CreateFailurePage::BackToConfig,
    ..V6
};
const V8: Version = Version { name: "v8", create_failure_page: CreateFailurePage::LaunchingWithError, ..V7 };
const V0: Version = Version { name: "v0", claim: Claim::InstallingMutex, ..V1 };

/// Every version of the text, in order.
pub const VERSIONS: [Version; 9] = [V0, V1, V2, V3, V4, V5, V6, V7, V8];

/// The version named `name` (`v0` … `v8`).
pub fn by_name(name: &str) -> Option<Version> {
    VERSIONS.iter().copied().find(|v| v.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each round changes what its review asked for and keeps every earlier fix.
    #[test]
    fn fixes_accumulate_round_by_round() {
        let ttl: Vec<Option<u64>> = VERSIONS.iter().map(|v| v.placeholder_ttl_ms).collect();
        assert_eq!(ttl[1], None);
        assert!(ttl[2..5].iter().all(|t| *t == Some(120_000)));
        assert!(ttl[5..].iter().all(|t| *t == Some(300_000)));
        for pair in VERSIONS[1..].windows(2) {
            let (a, b) = (pair[0], pair[1]);
            assert!(b.skip_config_write_when_same >= a.skip_config_write_when_same, "{}", b.name);
            assert!(b.publish_hash_only_if_written >= a.publish_hash_only_if_written, "{}", b.name);
            assert!(!b.retry_by_recursion || a.retry_by_recursion, "{}", b.name);
        }
        assert_eq!(by_name("v8").map(|v| v.create_failure_page), Some(CreateFailurePage::LaunchingWithError));
        assert_eq!(by_name("v9"), None);
    }
}
