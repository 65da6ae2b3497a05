//! The launcher's server functions (`convex/sandboxes.ts`, `convex/crons.ts`), as pure
//! functions over the `sandboxes` table, one per query or mutation of SYSTEMS.md
//! S000.B, branching on the protocol version. The document store runs each of them
//! as one atomic mutation or reactive query; keeping them pure makes every version's
//! server semantics testable without a simulation.

use std::collections::BTreeSet;
use std::rc::Rc;

use sim::SimTime;

use crate::system::launcher::sandbox_records::{NewSandboxRecord, PoolState, SandboxRecord, SandboxRef, SandboxTables};
use crate::system::launcher::version::Version;
use crate::system::launcher::world::DeleteBy;

/// The cron deletes `stopped` records older than this: 2 days (`crons.ts:30-39`).
pub const STOPPED_RETENTION_MS: u64 = 2 * 24 * 3600 * 1000;

/// The value of the `getSandbox` subscription, once loaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UserSandbox {
    Null,
    Creating,
    /// The user's record, shared with the tables as they were when the query ran.
    Found(Rc<SandboxRecord>),
}

/// `getSandbox` (`sandboxes.ts:144-152`): a real active record, else a pending one
/// (any pool state; V2+ only while younger than the TTL), else null.
pub fn get_sandbox(t: &SandboxTables, user: u32, now: SimTime, v: &Version) -> UserSandbox {
    if let Some(found) = t.active_real_record(user).and_then(|r| t.shared(r.id)) {
        return UserSandbox::Found(found);
    }
    let pending = match v.placeholder_ttl_ms {
        None => t.pending_record(user),
        Some(ttl) => t.fresh_pending_record(user, now, ttl),
    };
    if pending.is_some() {
        UserSandbox::Creating
    } else {
        UserSandbox::Null
    }
}

/// What `acquireCreateLock` answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CreateLock {
    Exists,
    Creating,
    Acquired { placeholder: u64 },
}

/// `acquireCreateLock` (`sandboxes.ts:182-214`): atomic check and placeholder insert.
/// V2+ replaces a placeholder older than the TTL; V1 never does.
pub fn acquire_create_lock(t: &mut SandboxTables, user: u32, now: SimTime, nonce: u64, v: &Version) -> CreateLock {
    if t.real_record(user).is_some() {
        return CreateLock::Exists;
    }
    if let Some(pending) = t.pending_record(user) {
        let stale = v.placeholder_ttl_ms.is_some_and(|ttl| pending.age_ms(now) >= ttl);
        if !stale {
            return CreateLock::Creating;
        }
        let id = pending.id;
        t.remove(id);
    }
    let placeholder = t.insert(NewSandboxRecord {
        user,
        sandbox: SandboxRef::Pending(nonce),
        pool_state: PoolState::Creating,
        installed_skills: BTreeSet::new(),
        config_hash: 0,
        created_at: now,
    });
    CreateLock::Acquired { placeholder }
}

/// `createSandboxRecord`: the real record of a freshly created sandbox.
pub fn create_sandbox_record(
    t: &mut SandboxTables,
    user: u32,
    sandbox: u64,
    skill: u32,
    hash: u64,
    now: SimTime,
) -> u64 {
    t.insert(NewSandboxRecord {
        user,
        sandbox: SandboxRef::Real(sandbox),
        pool_state: PoolState::Active,
        installed_skills: BTreeSet::from([skill]),
        config_hash: hash,
        created_at: now,
    })
}

/// `deletePlaceholder`; false if it was already gone.
pub fn delete_placeholder(t: &mut SandboxTables, placeholder: u64) -> bool {
    t.get(placeholder).is_some_and(SandboxRecord::is_pending) && t.remove(placeholder).is_some()
}

/// `deletePlaceholder` as [`DeleteBy`] says: by the id the lock returned, or the
/// user's oldest pending record. The id it deleted, or `None` if there was none.
pub fn delete_placeholder_by(t: &mut SandboxTables, user: u32, placeholder: u64, by: DeleteBy) -> Option<u64> {
    let target = match by {
        DeleteBy::Id => Some(placeholder),
        DeleteBy::UsersPending => t.pending_record(user).map(|r| r.id),
    }?;
    delete_placeholder(t, target).then_some(target)
}

/// `updatePoolState` (`sandboxes.ts:271-284`): overwrites the given fields;
/// `installedSkills` is replaced whole. False if the record is gone.
pub fn update_pool_state(t: &mut SandboxTables, id: u64, skills: Option<BTreeSet<u32>>, hash: Option<u64>) -> bool {
    let Some(mut r) = t.get_mut(id) else { return false };
    if let Some(skills) = skills {
        r.set_installed_skills(skills);
    }
    if let Some(hash) = hash {
        r.set_config_hash(hash);
    }
    true
}

/// `addInstalledSkill` (V4+): reads the current document and appends, atomically.
pub fn add_installed_skill(t: &mut SandboxTables, id: u64, skill: u32) -> bool {
    t.get_mut(id).map(|mut r| r.insert_skill(skill)).is_some()
}

/// The cleanup cron (`crons.ts:30-39`): `creating` records become `stopped`;
/// `stopped` records older than two days (by `createdAt`) are deleted. Real records
/// of sandboxes in `gone` (empty unless `stop_dead_records`) become `stopped` too.
/// Returns how many records it deleted. A run with nothing to change writes nothing.
pub fn cleanup(t: &mut SandboxTables, now: SimTime, gone: &[u64]) -> usize {
    let mut doomed = Vec::new();
    for mut r in t.records_mut() {
        let dead = r.real_sandbox().is_some_and(|sb| gone.contains(&sb));
        match r.pool_state {
            PoolState::Creating => r.set_pool_state(PoolState::Stopped),
            PoolState::Active | PoolState::Installing if dead => r.set_pool_state(PoolState::Stopped),
            PoolState::Stopped if r.age_ms(now) >= STOPPED_RETENTION_MS => doomed.push(r.id),
            _ => {}
        }
    }
    doomed.iter().filter(|id| t.remove(**id).is_some()).count()
}

/// What V0's `claimSandbox` answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Claimed {
    /// The record was active and is now `installing`: the caller holds the mutex.
    Record(SandboxRecord),
    /// Another tab holds it `installing` `[A: the caller waits]`.
    Busy,
    /// No record: the caller cold-creates, with no lock.
    None,
}

/// V0 `claimSandbox`: the whole-sandbox `installing` mutex.
pub fn claim_sandbox(t: &mut SandboxTables, user: u32) -> Claimed {
    let Some(id) = t.real_record(user).map(|r| r.id) else { return Claimed::None };
    let Some(mut r) = t.get_mut(id) else { return Claimed::None };
    match r.pool_state {
        PoolState::Installing => Claimed::Busy,
        _ => {
            r.set_pool_state(PoolState::Installing);
            Claimed::Record(SandboxRecord::clone(&r))
        }
    }
}

/// V0 `create` with its "dangerous dedup": deletes every record of the user, then
/// inserts the new one.
pub fn create_with_dedup(t: &mut SandboxTables, user: u32, sandbox: u64, skill: u32, hash: u64, now: SimTime) -> u64 {
    let mine: Vec<u64> = t.of_user(user).map(|r| r.id).collect();
    for id in mine {
        t.remove(id);
    }
    create_sandbox_record(t, user, sandbox, skill, hash, now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::system::launcher::version::by_name;

    fn version(name: &str) -> Version {
        by_name(name).expect("a known version")
    }

    #[test]
    fn the_create_lock_admits_one_creator_until_its_placeholder_goes_stale() {
        let v2 = version("v2");
        let mut t = SandboxTables::new();
        assert!(matches!(acquire_create_lock(&mut t, 1, SimTime(0), 7, &v2), CreateLock::Acquired { .. }));
        assert_eq!(acquire_create_lock(&mut t, 1, SimTime::from_secs(119), 8, &v2), CreateLock::Creating);
        assert_eq!(get_sandbox(&t, 1, SimTime::from_secs(119), &v2), UserSandbox::Creating);
        // At 120 s the placeholder is stale: invisible to the query, replaced by the lock.
        assert_eq!(get_sandbox(&t, 1, SimTime::from_secs(120), &v2), UserSandbox::Null);
        assert!(matches!(acquire_create_lock(&mut t, 1, SimTime::from_secs(120), 9, &v2), CreateLock::Acquired { .. }));
        assert_eq!(t.of_user(1).count(), 1, "the stale placeholder was deleted");
    }

    #[test]
    fn in_v1_a_crashed_creators_placeholder_blocks_until_the_cron_deletes_it() {
        let v1 = version("v1");
        let mut t = SandboxTables::new();
        acquire_create_lock(&mut t, 1, SimTime(0), 7, &v1);
        cleanup(&mut t, SimTime::from_secs(60), &[]);
        assert_eq!(t.pending_record(1).map(|r| r.pool_state), Some(PoolState::Stopped));
        let day = 24 * 3600;
        assert_eq!(get_sandbox(&t, 1, SimTime::from_secs(day), &v1), UserSandbox::Creating, "S000-C05");
        assert_eq!(acquire_create_lock(&mut t, 1, SimTime::from_secs(day), 8, &v1), CreateLock::Creating);
        assert_eq!(cleanup(&mut t, SimTime::from_secs(2 * day), &[]), 1);
        assert_eq!(get_sandbox(&t, 1, SimTime::from_secs(2 * day), &v1), UserSandbox::Null);
    }

    #[test]
    fn replacing_installed_skills_from_a_snapshot_loses_an_update_and_appending_does_not() {
        let mut t = SandboxTables::new();
        let id = create_sandbox_record(&mut t, 1, 100, 1, 0, SimTime(0));
        let snapshot = t.get(id).map(|r| r.installed_skills.clone()).unwrap_or_default();
        let with = |s: u32| snapshot.iter().copied().chain([s]).collect::<BTreeSet<u32>>();
        update_pool_state(&mut t, id, Some(with(2)), None);
        update_pool_state(&mut t, id, Some(with(3)), None);
        assert_eq!(t.get(id).map(|r| r.installed_skills.clone()), Some(BTreeSet::from([1, 3])), "S000-C08");
        add_installed_skill(&mut t, id, 2);
        add_installed_skill(&mut t, id, 4);
        assert_eq!(t.get(id).map(|r| r.installed_skills.clone()), Some(BTreeSet::from([1, 2, 3, 4])));
    }

    #[test]
    fn v0_claims_the_whole_sandbox_and_its_create_dedup_deletes_the_other_record() {
        let mut t = SandboxTables::new();
        assert_eq!(claim_sandbox(&mut t, 1), Claimed::None);
        let r1 = create_with_dedup(&mut t, 1, 100, 1, 0, SimTime(0));
        assert!(matches!(claim_sandbox(&mut t, 1), Claimed::Record(_)));
        assert_eq!(claim_sandbox(&mut t, 1), Claimed::Busy, "S000-C01: a second tab is blocked");
        create_with_dedup(&mut t, 1, 200, 2, 0, SimTime(1));
        assert!(t.get(r1).is_none(), "S000-C02: sandbox 100 is no longer tracked");
        assert!(t.tracking(100).is_none());
    }
}
