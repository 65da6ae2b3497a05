//! The protocol versions of the multi-tab launcher (SYSTEMS.md S000.B) as data: each
//! version is the previous one with the fixes of one review round, so each is a set
//! of named choices the tab and store code branch on. A new design is one more value.
//!
//! The ids follow SYSTEMS.md: V0 is the `installing` mutex before the PR, V1 the first
//! commit, V2–V8 the seven review rounds (V8 was merged). [`DESIGNS`] holds designs
//! that are not in the text: `proposed` (see [`PROPOSED`]).

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
    /// `proposed`: no effect. `handleLaunch` itself waits, inside the one launch the
    /// tab runs, for the query to change or the blocking lease to expire.
    InsideLaunch,
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
    /// `proposed`: one mutation inserts the record and deletes the placeholder, only
    /// while the placeholder is the creator's own (fencing), idempotent by sandbox id;
    /// retried until it answers definitively; the sandbox is destroyed only on a
    /// definitive "fenced".
    FencedAtomic,
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

/// How the install and instant paths share the sandbox's config files and skill
/// directories.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Install {
    /// V1–V8: no coordination (S000-C06 is never fixed).
    Unlocked,
    /// `proposed`: expiring leases on the record, shared to start a session,
    /// exclusive to write; a config write marks the record's hash unknown until the
    /// writer publishes it.
    Leased,
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
    pub install: Install,
    /// `proposed`: the create-lock holder destroys every live sandbox the provider
    /// lists for the user before it creates (none is tracked while the lock is held).
    pub reap_before_create: bool,
    /// `proposed`: the auto-launch waits until auth is ready and the query answered.
    pub launch_after_auth: bool,
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
    install: Install::Unlocked,
    reap_before_create: false,
    launch_after_auth: false,
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

/// The `proposed` create lease: a placeholder is honoured for 400 s after its last
/// renewal (P1's "or the holder renews the lease"). It need not outlast the create
/// (up to 464 s): the holder renews it every
/// [`crate::system::launcher::world::LeaseParams::renew_every_ms`] (20 s) while it works.
/// It must outlast the longest message delay (300 s) plus the margin (60 s) with room
/// for a renewal (40 s): a create is sent only if its request lands before the
/// holder's deadline, so a holder that dies just after sending it still holds the
/// lease when the create lands, and the next holder's reaper lists it. A test checks
/// the sum.
pub const CREATE_LEASE_MS: u64 = 400_000;

/// `proposed`: a design for the launcher that keeps every S000 invariant under every
/// fault `launcher/multi-tab` injects. It keeps the text's shape (a reactive
/// `getSandbox`, a placeholder as the create lock, the install path) and changes five
/// things. The tab side is [`crate::system::launcher::fenced_create`] and
/// [`crate::system::launcher::leased_install`]; the mutations are [`crate::system::launcher::lease`].
///
/// **Protocol.** A holder is one life of one tab (a reload is a new holder).
/// 1. A tab launches once auth is ready and `getSandbox` answered, and runs one launch
///    at a time; a launch ends running, or in `launching` with an error and Retry.
/// 2. `found` → install path (5). Otherwise `acquireCreateLease(holder)`: `exists`
///    (with the record) → install path; `held(until)` → wait in the launch until the
///    query changes or the lease expires at `until`, then ask again; `acquired` →
///    create path. The lease is the placeholder, honoured for [`CREATE_LEASE_MS`]
///    from its grant; the holder's own earlier placeholder is renewed, not waited on.
/// 3. Create path, all under a local deadline (send time of the granting request, or
///    of the last confirmed renewal, + TTL; step 7) that the tab checks before every
///    request: list the user's sandboxes at the
///    provider and destroy every one (no record exists while the lease is held: a
///    record is only inserted by the placeholder's owner, in the same mutation that
///    deletes it), until a list comes back empty; then `createHermesSandbox`; start
///    the session; publish.
/// 4. Publish is one mutation: if a record already tracks the sandbox, done
///    (idempotent); else if the placeholder is still this holder's, insert the record
///    and delete the placeholder atomically; else answer `fenced`. Failed, ambiguous
///    or lost answers are retried; only `fenced` makes the tab destroy its sandbox.
///    Running only after a durable record.
/// 5. Install path: `acquireInstallLease(record, holder, skill, config)` reads the
///    current record: the skill needs an upload unless recorded, the config a write
///    unless the record's hash is the tab's. It grants shared claims on what is only
///    read and exclusive claims on what is written, all at once or not at all, for
///    [`crate::system::launcher::world::LeaseParams::install_lease_ms`]; a config write sets
///    the hash to unknown in the same mutation. Busy → wait for the query (the leases
///    are on the record, so every release reaches the waiters) or the blocker's
///    expiry. Then upload, write, publish (fenced by the lease: add the skill, set the
///    hash), start the session, release. Every step only if it ends before the
///    deadline.
/// 6. Store requests are retried a few times ([`crate::system::launcher::world::LeaseParams`]);
///    then the launch shows an error with Retry.
///
/// **Why each fault breaks nothing.**
/// - *Tab crash or close mid-create*: the provider's create continues, untracked. The
///   crashed holder's placeholder blocks everyone for the TTL; the next holder lists
///   and destroys that sandbox before it creates, so one live sandbox at most
///   (single-sandbox) and no orphan at the end (no-orphan). A holder sends its create
///   only while the create and the publish fit in its lease, so the request has
///   arrived (and is listed) before anyone can take the lease over.
/// - *Tab crash mid-install*: its lease expires; a config write it began left the hash
///   unknown, so the next tab rewrites instead of trusting the files; a skill upload it
///   began is not recorded, so the next tab of that skill uploads it whole. Its
///   provider jobs end before its lease does.
/// - *TTL vs a slow create* (C10): the lease outlasts the longest create plus reap and
///   publish, and the holder stops acting at its deadline (no-premature-reclaim);
///   anything it might publish later is fenced (owner-only-publish).
/// - *Store mutation fails*: not applied; retried, or an error with Retry.
/// - *Ambiguous mutation or lost reply*: every mutation is idempotent for its holder
///   (the lease acquires recognise the holder; publish recognises the sandbox id;
///   adding a skill is a set insert), so a retry answers what really happened. An
///   ambiguous publish never leads to a destroy of a recorded sandbox
///   (no-dangling-record, C11); without a definitive answer the tab leaves the sandbox
///   alone: either it is recorded, or the next holder reaps it.
/// - *Handoff* (C09): one mutation replaces the placeholder with the record, so no
///   query ever sees neither.
/// - *Provider create fails*: the provider destroyed it; the holder releases its lease
///   and shows Retry. *Destroy fails*: the reaper lists again and does not create while
///   anything is alive; out of budget it releases the lease and shows Retry, and the
///   next holder tries again.
/// - *Concurrent installs* (C06, C12): exclusive claims serialise the config write and
///   each skill upload; a session starts only under a claim on its config and skill,
///   so it reads one complete version of its own config and an intact skill
///   (session-runs-tab-config, no-session-on-partial-skill); the hash is published by
///   the writer only, under its claim (config-hash-truthful, derived-state-coherent);
///   skills are added by set insert (no-lost-skill). Installs of different skills
///   with the same config share the config claim (parallel-progress).
/// - *Slow auth*: nothing is launched before auth; the page shows sign-in meanwhile.
/// - *Lost query pushes*: the client re-syncs; waits also end at the lease's expiry.
/// - The page is `running` only with a session on a recorded sandbox, which is never
///   destroyed; every other outcome is progress or an error with Retry (ui-truthful),
///   and every wait ends at a known expiry (waiting-tabs-progress). Each repeated
///   request follows a new observation, a failure (a bounded number), or an expiry
///   (no-spin).
///
/// **Protocol, continued: time.**
/// 7. *Renewals* ([`crate::system::launcher::lease_keeper`]): while it works under a
///    lease, the holder renews it every 20 s; its own deadline is the send time of
///    the last confirmed renewal plus the TTL, by its own clock, and it stops acting
///    at the deadline less the margin. Every request to the provider is sent only if
///    it lands (and, for an install job, ends) before that; a request that went
///    unanswered may still land, so the holder keeps the lease until it surely has
///    before it publishes or releases.
/// 8. *In order*: every store request of a tab carries a number (kept in
///    `sessionStorage`, so a reload keeps counting), and the store refuses one that a
///    later request of the same tab overtook, so a long-delayed grant or publish, of
///    this life of the tab or an earlier one, is never applied after what followed it.
///
/// **Why the timing faults break nothing** (the engine's `node.pause`,
/// `net.delay.long`, `clock.jump` and `clock.drift`).
/// - *Store clock ahead* (F8 of the earlier design, which had a fixed 540 s lease and
///   no renewals, so a store clock 100 s ahead expired a live holder's lease): only
///   the skew since the last renewal counts now, and renewals come every 20 s
///   against a 60 s margin. A premature expiry needs the renewals to fail for most
///   of a TTL and the clocks to part by more than the margin in that window.
/// - *Paused holder*: a pause (at most 120 s) misses renewals but not the lease. A
///   holder paused past its lease (a longer pause in a custom run) finds its publish
///   fenced (step 4) and destroys its sandbox.
/// - *Late create, session start, upload or config write* (`net.delay.long`): each is
///   sent only if it lands before the lease can end, and an unanswered one keeps the
///   lease held until it has landed, so no later holder lists too early or writes
///   beside it, and no session starts on files a later install rewrites.
/// - *Late store request*: refused if a later request of its tab came first (step 8).
///
/// Assumptions `[A]`: a message arrives within 300 s (the engine's `net.delay.long`
/// bound) or never; two clocks part by less than the 60 s margin between renewals.
pub const PROPOSED: Version = Version {
    name: "proposed",
    claim: Claim::CreateLock,
    placeholder_ttl_ms: Some(CREATE_LEASE_MS),
    retry_by_recursion: false,
    resume: Resume::InsideLaunch,
    skip_config_write_when_same: true,
    skills_update: SkillsUpdate::AtomicAppend,
    publish_hash_only_if_written: true,
    handoff: Handoff::FencedAtomic,
    create_failure_page: CreateFailurePage::LaunchingWithError,
    install: Install::Leased,
    reap_before_create: true,
    launch_after_auth: true,
};

/// Designs beyond the text, reviewed beside its versions.
pub const DESIGNS: [Version; 1] = [PROPOSED];

/// The version named `name` (`v0` … `v8`, `proposed`).
pub fn by_name(name: &str) -> Option<Version> {
    VERSIONS.iter().chain(DESIGNS.iter()).copied().find(|v| v.name == name)
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
        assert_eq!(by_name("proposed"), Some(PROPOSED));
    }

    /// P1 for both `proposed` leases: between two renewals, a request the holder may
    /// send (a create lands within the longest message delay; an install job also
    /// runs up to its timeout) still lands and ends before the lease does, with the
    /// margin to spare; a paused holder (up to 120 s) misses a few renewals, not the lease.
    #[test]
    fn proposed_leases_outlast_what_their_holders_send() {
        let p = crate::system::launcher::world::LauncherParams::default();
        let (lp, provider) = (p.leases, p.provider);
        let create = lp.max_message_delay_ms + lp.margin_ms + lp.renew_every_ms;
        assert!(create <= CREATE_LEASE_MS, "{create} ms of create under a {CREATE_LEASE_MS} ms lease");
        assert_eq!(PROPOSED.placeholder_ttl_ms, Some(CREATE_LEASE_MS));
        let install = lp.max_message_delay_ms + provider.install_timeout_ms + lp.margin_ms + lp.renew_every_ms;
        assert!(install <= lp.install_lease_ms, "{install} ms of install under a {} ms lease", lp.install_lease_ms);
        assert!(p.pause_max_ms + lp.renew_every_ms + lp.margin_ms < CREATE_LEASE_MS.min(lp.install_lease_ms));
    }
}
