//! The `proposed` design's mutations (see [`crate::system::launcher::version::PROPOSED`]), as
//! pure functions over the `sandboxes` table, like [`crate::system::launcher::server`].
//!
//! Two leases, both fenced by their holder (one life of one tab):
//! - the **create lease** is the text's placeholder (`"pending-<holder>"`), honoured
//!   for the version's TTL; the only way a real record enters the table is
//!   [`publish_created`], which needs the holder's own placeholder and deletes it in
//!   the same mutation, so while a create lease is held the user has no real record;
//! - **install leases** sit on the record ([`InstallLease`]) and claim the config files
//!   and one skill directory, shared or exclusive.
//!
//! Every mutation is idempotent for its holder, so a retry after an ambiguous outcome
//! or a lost reply answers what really happened.

use std::collections::BTreeSet;

use sim::SimTime;

use crate::system::launcher::sandbox_records::{
    InstallLease, LeaseMode, NewSandboxRecord, PoolState, Resource, SandboxRecord, SandboxRef, SandboxTables,
};

/// The `configHash` of a record whose config files are being rewritten: it names no
/// config, so no tab trusts the files until the writer publishes their hash. Configs
/// are numbered from 1.
pub const CONFIG_UNKNOWN: u64 = 0;

/// What `acquireCreateLease` answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CreateLease {
    /// The user has a sandbox: the record, so the tab can install at once.
    Exists(SandboxRecord),
    /// Another holder's placeholder is honoured until `until`.
    Held { until: SimTime },
    /// The caller holds placeholder `placeholder` from now on (a new one, or its own
    /// earlier one renewed).
    Acquired { placeholder: u64 },
}

/// `acquireCreateLease(holder)`. Placeholders past the TTL are deleted (their ids are
/// returned, so the caller's ghost can judge the reclaim); the holder's own
/// placeholder, fresh or not, is renewed rather than waited on, since one tab runs one
/// launch at a time.
pub fn acquire_create_lease(
    t: &mut SandboxTables,
    user: u32,
    holder: u64,
    now: SimTime,
    ttl_ms: u64,
) -> (CreateLease, Vec<u64>) {
    if let Some(record) = t.real_record(user) {
        return (CreateLease::Exists(record.clone()), Vec::new());
    }
    // The user's placeholders are read in place, twice at most: only a reclaim builds a list.
    let mine = t.of_user(user).find(|r| r.sandbox == SandboxRef::Pending(holder)).map(|r| r.id);
    if let Some(id) = mine {
        if let Some(mut mine) = t.get_mut(id) {
            mine.set_created_at(now);
        }
        return (CreateLease::Acquired { placeholder: id }, Vec::new());
    }
    let held = t.of_user(user).find(|r| r.is_pending() && now.ms_since(r.created_at) < ttl_ms).map(|r| r.created_at);
    if let Some(at) = held {
        return (CreateLease::Held { until: at.plus_ms(ttl_ms) }, Vec::new());
    }
    let reclaimed: Vec<u64> = t.of_user(user).filter(|r| r.is_pending()).map(|r| r.id).collect();
    for id in &reclaimed {
        t.remove(*id);
    }
    let placeholder = t.insert(NewSandboxRecord {
        user,
        sandbox: SandboxRef::Pending(holder),
        pool_state: PoolState::Creating,
        installed_skills: BTreeSet::new(),
        config_hash: CONFIG_UNKNOWN,
        created_at: now,
    });
    (CreateLease::Acquired { placeholder }, reclaimed)
}

/// What `publishSandbox` answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Publish {
    /// A record tracks the sandbox (inserted now, or by an earlier try).
    Published { record: u64, inserted: bool },
    /// The placeholder is no longer the holder's: the sandbox is not recorded and never
    /// will be.
    Fenced,
}

/// The sandbox the creator publishes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Created {
    pub user: u32,
    pub sandbox: u64,
    pub skill: u32,
    pub config_hash: u64,
}

/// `publishSandbox`: the atomic, fenced, idempotent handoff from placeholder to record.
/// `fenced: false` is the mutant without the fencing check (it replaces whatever
/// placeholder the user has).
pub fn publish_created(
    t: &mut SandboxTables,
    placeholder: u64,
    holder: u64,
    c: Created,
    now: SimTime,
    fenced: bool,
) -> Publish {
    if let Some(r) = t.tracking(c.sandbox) {
        return Publish::Published { record: r.id, inserted: false };
    }
    let mine = t.get(placeholder).is_some_and(|p| p.sandbox == SandboxRef::Pending(holder));
    if !mine && fenced {
        return Publish::Fenced;
    }
    if !fenced {
        let pending: Vec<u64> = t.of_user(c.user).filter(|r| r.is_pending()).map(|r| r.id).collect();
        for id in pending {
            t.remove(id);
        }
    }
    t.remove(placeholder);
    let record = t.insert(NewSandboxRecord {
        user: c.user,
        sandbox: SandboxRef::Real(c.sandbox),
        pool_state: PoolState::Active,
        installed_skills: BTreeSet::from([c.skill]),
        config_hash: c.config_hash,
        created_at: now,
    });
    Publish::Published { record, inserted: true }
}

/// `renewCreateLease`: restarts the TTL of the holder's placeholder from now; false if
/// the placeholder is no longer the holder's.
pub fn renew_create_lease(t: &mut SandboxTables, placeholder: u64, holder: u64, now: SimTime) -> bool {
    match t.get_mut(placeholder).filter(|p| p.sandbox == SandboxRef::Pending(holder)) {
        Some(mut mine) => {
            let renewed = mine.created_at.max(now);
            mine.set_created_at(renewed);
            true
        }
        None => false,
    }
}

/// `renewInstallLease`: the holder's lease on `record` binds until `ttl_ms` from now;
/// false if the lease is no longer on the record (released, or taken over).
pub fn renew_install_lease(t: &mut SandboxTables, record: u64, holder: u64, now: SimTime, ttl_ms: u64) -> bool {
    let Some(mut r) = t.get_mut(record) else { return false };
    r.extend_lease(holder, now.plus_ms(ttl_ms))
}

/// `releaseCreateLease`: deletes the placeholder if it is still the holder's.
pub fn release_create_lease(t: &mut SandboxTables, placeholder: u64, holder: u64) -> bool {
    let mine = t.get(placeholder).is_some_and(|p| p.sandbox == SandboxRef::Pending(holder));
    mine && t.remove(placeholder).is_some()
}

/// What an install must do, as granted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InstallGrant {
    pub upload_skill: bool,
    pub write_config: bool,
}

/// What `acquireInstallLease` answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InstallLeaseAnswer {
    /// The record is gone.
    Gone,
    /// A conflicting lease binds until `until` (the earliest such expiry).
    Busy {
        until: SimTime,
    },
    Granted(InstallGrant),
}

/// `acquireInstallLease(record, holder, skill, config)`: decides from the current
/// record what the install must write, and grants shared claims on what it only reads
/// and exclusive claims on what it writes, all or nothing. A granted config write sets
/// the hash to [`CONFIG_UNKNOWN`]. Expired leases are dropped first (their holders are
/// returned, so the caller's ghost can judge the reclaim), and so is the holder's own
/// earlier lease (its launch is over).
pub fn acquire_install_lease(
    t: &mut SandboxTables,
    record: u64,
    holder: u64,
    want: (u32, u64),
    now: SimTime,
    ttl_ms: u64,
) -> (InstallLeaseAnswer, Vec<u64>) {
    let (skill, config) = want;
    let Some(mut r) = t.get_mut(record).filter(|r| r.is_real()) else { return (InstallLeaseAnswer::Gone, Vec::new()) };
    let expired: Vec<u64> =
        r.leases.iter().filter(|l| !l.live_at(now) && l.holder != holder).map(|l| l.holder).collect();
    r.retain_leases(|l| l.live_at(now) && l.holder != holder);
    let grant =
        InstallGrant { upload_skill: !r.installed_skills.contains(&skill), write_config: r.config_hash != config };
    let mode = |write: bool| if write { LeaseMode::Exclusive } else { LeaseMode::Shared };
    let claims = vec![(Resource::Config, mode(grant.write_config)), (Resource::Skill(skill), mode(grant.upload_skill))];
    let until = r.leases.iter().filter(|l| claims.iter().any(|c| l.conflicts_with(*c))).map(|l| l.expires_at).min();
    if let Some(until) = until {
        return (InstallLeaseAnswer::Busy { until }, expired);
    }
    if grant.write_config {
        r.set_config_hash(CONFIG_UNKNOWN);
    }
    r.push_lease(InstallLease { holder, claims, expires_at: now.plus_ms(ttl_ms) });
    (InstallLeaseAnswer::Granted(grant), expired)
}

/// `publishInstall`: records what the holder wrote, only while its lease is on the
/// record (an expired lease still on it was not taken over: any later grant would have
/// removed it). Returns false when fenced.
pub fn publish_install(t: &mut SandboxTables, record: u64, holder: u64, skill: Option<u32>, hash: Option<u64>) -> bool {
    let Some(mut r) = t.get_mut(record) else { return false };
    if !r.leases.iter().any(|l| l.holder == holder) {
        return false;
    }
    if let Some(skill) = skill {
        r.insert_skill(skill);
    }
    if let Some(hash) = hash {
        r.set_config_hash(hash);
    }
    true
}

/// `releaseInstallLease`: idempotent.
pub fn release_install_lease(t: &mut SandboxTables, record: u64, holder: u64) {
    if let Some(mut r) = t.get_mut(record) {
        r.retain_leases(|l| l.holder != holder);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TTL: u64 = 540_000;

    fn at(secs: u64) -> SimTime {
        SimTime::from_secs(secs)
    }

    fn created(sandbox: u64) -> Created {
        Created { user: 1, sandbox, skill: 2, config_hash: 1 }
    }

    #[test]
    fn the_create_lease_is_renewed_by_its_holder_and_taken_over_only_after_the_ttl() {
        let mut t = SandboxTables::new();
        let (first, _) = acquire_create_lease(&mut t, 1, 10, at(0), TTL);
        let CreateLease::Acquired { placeholder } = first else { panic!("{first:?}") };
        assert_eq!(acquire_create_lease(&mut t, 1, 10, at(5), TTL).0, first, "a retry by the holder renews");
        assert_eq!(acquire_create_lease(&mut t, 1, 20, at(100), TTL).0, CreateLease::Held { until: at(545) });
        let (taken, reclaimed) = acquire_create_lease(&mut t, 1, 20, at(545), TTL);
        assert!(matches!(taken, CreateLease::Acquired { placeholder: p } if p != placeholder));
        assert_eq!(reclaimed, [placeholder]);
        assert_eq!(publish_created(&mut t, placeholder, 10, created(7), at(546), true), Publish::Fenced);
        assert_eq!(t.real_record_count(1), 0, "the old holder cannot publish");
    }

    #[test]
    fn publish_replaces_the_placeholder_in_one_step_and_a_retry_sees_the_record() {
        let mut t = SandboxTables::new();
        let (CreateLease::Acquired { placeholder }, _) = acquire_create_lease(&mut t, 1, 10, at(0), TTL) else {
            panic!("acquired")
        };
        let Publish::Published { record, inserted: true } =
            publish_created(&mut t, placeholder, 10, created(7), at(9), true)
        else {
            panic!("published")
        };
        assert_eq!(t.of_user(1).count(), 1, "no moment with neither, none with both");
        let again = publish_created(&mut t, placeholder, 10, created(7), at(10), true);
        assert_eq!(again, Publish::Published { record, inserted: false });
        assert!(matches!(acquire_create_lease(&mut t, 1, 20, at(11), TTL).0, CreateLease::Exists(_)));
        assert!(!release_create_lease(&mut t, placeholder, 10));
    }

    #[test]
    fn only_the_holder_renews_and_a_renewal_after_a_takeover_is_refused() {
        let mut t = SandboxTables::new();
        let (CreateLease::Acquired { placeholder }, _) = acquire_create_lease(&mut t, 1, 10, at(0), TTL) else {
            panic!("acquired")
        };
        assert!(renew_create_lease(&mut t, placeholder, 10, at(500)));
        assert!(!renew_create_lease(&mut t, placeholder, 20, at(501)), "not the holder");
        assert_eq!(acquire_create_lease(&mut t, 1, 20, at(600), TTL).0, CreateLease::Held { until: at(1_040) });
        let (CreateLease::Acquired { .. }, reclaimed) = acquire_create_lease(&mut t, 1, 20, at(1_040), TTL) else {
            panic!("taken over at the renewed expiry")
        };
        assert_eq!(reclaimed, [placeholder]);
        assert!(!renew_create_lease(&mut t, placeholder, 10, at(1_041)), "the lease is gone");
    }

    #[test]
    fn a_request_overtaken_by_a_later_one_of_its_sender_is_refused() {
        let mut t = SandboxTables::new();
        assert!(t.admit(1, 2));
        assert!(!t.admit(1, 1), "sent before request 2, arrived after it");
        assert!(t.admit(2, 1), "another sender counts on its own");
        assert!(t.admit(1, 3));
    }

    #[test]
    fn install_leases_share_reads_serialise_writes_and_mark_the_hash_unknown() {
        let mut t = SandboxTables::new();
        let (CreateLease::Acquired { placeholder }, _) = acquire_create_lease(&mut t, 1, 10, at(0), TTL) else {
            panic!("acquired")
        };
        let Publish::Published { record, .. } = publish_created(&mut t, placeholder, 10, created(7), at(1), true)
        else {
            panic!("published")
        };
        let lease = |t: &mut SandboxTables, holder, skill, config, s| {
            acquire_install_lease(t, record, holder, (skill, config), at(s), 180_000).0
        };
        // Skill 2 with config 1 is already there: a reader.
        let read = InstallGrant { upload_skill: false, write_config: false };
        assert_eq!(lease(&mut t, 20, 2, 1, 2), InstallLeaseAnswer::Granted(read));
        // Skill 3 with config 1: shares the config, writes its own directory.
        let upload = InstallGrant { upload_skill: true, write_config: false };
        assert_eq!(lease(&mut t, 30, 3, 1, 2), InstallLeaseAnswer::Granted(upload));
        // Config 2 must wait for both readers of config 1.
        assert_eq!(lease(&mut t, 40, 2, 2, 3), InstallLeaseAnswer::Busy { until: at(182) });
        release_install_lease(&mut t, record, 20);
        assert!(publish_install(&mut t, record, 30, Some(3), None));
        release_install_lease(&mut t, record, 30);
        let write = InstallGrant { upload_skill: false, write_config: true };
        assert_eq!(lease(&mut t, 40, 2, 2, 4), InstallLeaseAnswer::Granted(write));
        assert_eq!(t.get(record).map(|r| r.config_hash), Some(CONFIG_UNKNOWN));
        // A reader of config 1 now sees an unknown hash: it would have to write.
        assert_eq!(lease(&mut t, 50, 2, 1, 5), InstallLeaseAnswer::Busy { until: at(184) });
        // The writer crashes; at expiry the next writer takes over and the crashed
        // holder's late publish is fenced.
        let (answer, expired) = acquire_install_lease(&mut t, record, 50, (2, 1), at(184), 180_000);
        assert_eq!((answer, expired), (InstallLeaseAnswer::Granted(write), vec![40]));
        assert!(!publish_install(&mut t, record, 40, None, Some(2)));
        assert!(publish_install(&mut t, record, 50, None, Some(1)));
        let r = t.get(record).cloned().expect("record");
        assert_eq!((r.config_hash, &r.installed_skills), (1, &BTreeSet::from([2, 3])));
        // A renewal keeps a lease on the record; a released one cannot be renewed.
        assert!(renew_install_lease(&mut t, record, 50, at(300), 180_000));
        assert!(!renew_install_lease(&mut t, record, 40, at(300), 180_000));
        release_install_lease(&mut t, record, 50);
        assert!(!renew_install_lease(&mut t, record, 50, at(301), 180_000));
    }
}
