//! The `sandboxes` table of the multi-tab launcher (SYSTEMS.md S000.A, "Shared state"):
//! the records the launcher keeps in the document store, and the reads its queries,
//! mutations and invariants share.
//!
//! Invariants it keeps: record ids are unique and never reused (like Convex `_id`s);
//! iteration is in id order, i.e. insertion order, so "the user's record" is the same
//! record in every run of a seed. It enforces nothing about the protocol: two real
//! records for one user can exist, because finding that is the harness's job.
//! Install leases ([`lease`]) live on the record they protect; the text's versions
//! never grant one, so for them the list stays empty.

mod lease;
mod record_mut;

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use sim::SimTime;

pub use lease::{InstallLease, LeaseMode, Resource};
pub use record_mut::RecordMut;

/// What a record points at: a Daytona sandbox, or the create lock's placeholder
/// (`"pending-<nonce>"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SandboxRef {
    Real(u64),
    Pending(u64),
}

/// `poolState`. `Installing` exists only in V0, `Creating` from V1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum PoolState {
    Installing,
    Active,
    Creating,
    Stopped,
}

/// One document of the `sandboxes` table: the fields its inserter wrote
/// ([`NewSandboxRecord`], read through `Deref` as `record.user` and so on) and the
/// two the table adds, the id and the leases. The written fields are declared once,
/// there, so a field added to the table is added in one place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SandboxRecord {
    /// The document id (`_id`).
    pub id: u64,
    pub fields: NewSandboxRecord,
    /// Install leases held on this sandbox, oldest grant first (`proposed` only).
    pub leases: Vec<InstallLease>,
}

impl std::ops::Deref for SandboxRecord {
    type Target = NewSandboxRecord;

    fn deref(&self) -> &NewSandboxRecord {
        &self.fields
    }
}

impl SandboxRecord {
    pub fn is_real(&self) -> bool {
        matches!(self.sandbox, SandboxRef::Real(_))
    }

    pub fn is_pending(&self) -> bool {
        matches!(self.sandbox, SandboxRef::Pending(_))
    }

    /// The Daytona sandbox id, for a real record.
    pub fn real_sandbox(&self) -> Option<u64> {
        match self.sandbox {
            SandboxRef::Real(id) => Some(id),
            SandboxRef::Pending(_) => None,
        }
    }

    /// Milliseconds since the record was created, by the clock reading `now`.
    pub fn age_ms(&self, now: SimTime) -> u64 {
        now.ms_since(self.created_at)
    }
}

/// A record before the store gives it an id: what an insert writes, and the fields
/// of every [`SandboxRecord`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewSandboxRecord {
    pub user: u32,
    pub sandbox: SandboxRef,
    pub pool_state: PoolState,
    /// `installedSkills`, compared as a set (I8); protocols that replace it whole
    /// (V1–V3 `updatePoolState`) overwrite the set.
    pub installed_skills: BTreeSet<u32>,
    pub config_hash: u64,
    pub created_at: SimTime,
}

/// The launcher's tables: the tables type `S` of its `DocStore<S>`.
///
/// Write-tracking: every write goes through a method that bumps [`SandboxTables::revision`]
/// exactly when it changed the tables, so the store tells a real write from a no-op
/// without cloning and comparing the tables (M2). Equality ignores the revision.
/// Records are shared (`Rc`, copied on write), so a query result that holds the
/// user's record ([`SandboxTables::shared`]) costs no deep copy.
#[derive(Clone, Debug, Default)]
pub struct SandboxTables {
    sandboxes: BTreeMap<u64, Rc<SandboxRecord>>,
    next_id: u64,
    /// `proposed`: the highest request number admitted from each tab (a client-session
    /// table), so a delayed request that a later one overtook, of the same life of
    /// the tab or a later one, is refused instead of applied out of order.
    admitted: BTreeMap<u64, u64>,
    /// How many effective changes the tables have seen.
    revision: Cell<u64>,
}

impl PartialEq for SandboxTables {
    fn eq(&self, other: &SandboxTables) -> bool {
        self.sandboxes == other.sandboxes && self.next_id == other.next_id && self.admitted == other.admitted
    }
}

impl Eq for SandboxTables {}

impl crate::substrate::docstore::TrackedTables for SandboxTables {
    type Mark = u64;

    fn mark(&self) -> u64 {
        self.revision.get()
    }

    fn changed_since(&self, mark: &u64) -> bool {
        self.revision.get() != *mark
    }
}

impl SandboxTables {
    pub fn new() -> SandboxTables {
        SandboxTables::default()
    }

    /// How many effective changes the tables have seen: unchanged, so are the tables.
    pub fn revision(&self) -> u64 {
        self.revision.get()
    }

    fn bump(&self) {
        self.revision.set(self.revision.get() + 1);
    }

    /// Inserts `record` under a fresh id and returns the id.
    pub fn insert(&mut self, record: NewSandboxRecord) -> u64 {
        self.next_id += 1;
        self.bump();
        let id = self.next_id;
        let record = SandboxRecord { id, fields: record, leases: Vec::new() };
        self.sandboxes.insert(id, Rc::new(record));
        id
    }

    /// Every record, in id order.
    pub fn records(&self) -> impl Iterator<Item = &SandboxRecord> + '_ {
        self.sandboxes.values().map(Rc::as_ref)
    }

    /// Every record, in id order, for writing.
    pub fn records_mut(&mut self) -> impl Iterator<Item = RecordMut<'_>> + '_ {
        let revision = &self.revision;
        self.sandboxes.values_mut().map(move |record| RecordMut::new(record, revision))
    }

    pub fn get(&self, id: u64) -> Option<&SandboxRecord> {
        self.sandboxes.get(&id).map(Rc::as_ref)
    }

    /// The record `id`, shared with the tables (a snapshot: later writes copy it first).
    pub fn shared(&self, id: u64) -> Option<Rc<SandboxRecord>> {
        self.sandboxes.get(&id).cloned()
    }

    /// The record `id`, for writing through [`RecordMut`]'s tracked setters.
    pub fn get_mut(&mut self, id: u64) -> Option<RecordMut<'_>> {
        let revision = &self.revision;
        self.sandboxes.get_mut(&id).map(|record| RecordMut::new(record, revision))
    }

    /// `proposed`: admits request `seq` of `sender` if no later request of that sender
    /// was admitted before it (requests of one sender are numbered in sending order).
    pub fn admit(&mut self, sender: u64, seq: u64) -> bool {
        let mut changed = !self.admitted.contains_key(&sender);
        let last = self.admitted.entry(sender).or_insert(0);
        let fresh = seq > *last;
        changed |= fresh;
        *last = (*last).max(seq);
        if changed {
            self.bump();
        }
        fresh
    }

    /// Deletes a record; the deleted record, or `None` if it was already gone.
    pub fn remove(&mut self, id: u64) -> Option<Rc<SandboxRecord>> {
        let removed = self.sandboxes.remove(&id);
        if removed.is_some() {
            self.bump();
        }
        removed
    }

    /// The user's records, oldest first.
    pub fn of_user(&self, user: u32) -> impl Iterator<Item = &SandboxRecord> + '_ {
        self.records().filter(move |r| r.user == user)
    }

    /// The user's oldest record that points at a real sandbox, in any pool state.
    pub fn real_record(&self, user: u32) -> Option<&SandboxRecord> {
        self.of_user(user).find(|r| r.is_real())
    }

    /// The user's oldest real record in pool state `Active`.
    pub fn active_real_record(&self, user: u32) -> Option<&SandboxRecord> {
        self.of_user(user).find(|r| r.is_real() && r.pool_state == PoolState::Active)
    }

    /// The user's oldest placeholder, in any pool state and of any age.
    pub fn pending_record(&self, user: u32) -> Option<&SandboxRecord> {
        self.of_user(user).find(|r| r.is_pending())
    }

    /// The user's oldest placeholder younger than `ttl_ms` at `now` (V2+ `getSandbox`).
    pub fn fresh_pending_record(&self, user: u32, now: SimTime, ttl_ms: u64) -> Option<&SandboxRecord> {
        self.of_user(user).find(|r| r.is_pending() && r.age_ms(now) < ttl_ms)
    }

    /// How many of the user's records point at a real sandbox (I2 wants at most one).
    pub fn real_record_count(&self, user: u32) -> usize {
        self.of_user(user).filter(|r| r.is_real()).count()
    }

    /// The record that tracks sandbox `sandbox_id`, if any (I3, I4).
    pub fn tracking(&self, sandbox_id: u64) -> Option<&SandboxRecord> {
        self.records().find(|r| r.sandbox == SandboxRef::Real(sandbox_id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(user: u32, sandbox: SandboxRef, created_at: SimTime) -> NewSandboxRecord {
        NewSandboxRecord {
            user,
            sandbox,
            pool_state: PoolState::Creating,
            installed_skills: BTreeSet::new(),
            config_hash: 0,
            created_at,
        }
    }

    #[test]
    fn ids_are_fresh_and_helpers_find_the_oldest_matching_record() {
        let mut t = SandboxTables::new();
        let p = t.insert(record(7, SandboxRef::Pending(1), SimTime::ZERO));
        let r1 = t.insert(record(7, SandboxRef::Real(40), SimTime::from_secs(10)));
        let r2 = t.insert(record(7, SandboxRef::Real(41), SimTime::from_secs(20)));
        t.insert(record(8, SandboxRef::Real(42), SimTime::ZERO));
        assert!(p < r1 && r1 < r2);
        assert_eq!(t.pending_record(7).map(|r| r.id), Some(p));
        assert_eq!(t.real_record(7).map(|r| r.id), Some(r1));
        assert_eq!(t.active_real_record(7), None, "both real records are still Creating");
        assert_eq!(t.real_record_count(7), 2);
        assert_eq!(t.tracking(41).map(|r| r.id), Some(r2));
        t.remove(p);
        let again = t.insert(record(7, SandboxRef::Pending(2), SimTime::ZERO));
        assert!(again > r2, "ids are never reused");
    }

    #[test]
    fn the_revision_counts_exactly_the_writes_that_change_the_tables() {
        let mut t = SandboxTables::new();
        let id = t.insert(record(7, SandboxRef::Real(40), SimTime::ZERO));
        let shared = t.shared(id).expect("just inserted");
        let mut r = t.get_mut(id).expect("just inserted");
        let before = (*shared).clone();
        r.set_pool_state(PoolState::Creating);
        r.set_config_hash(0);
        r.retain_leases(|_| true);
        assert!(!r.extend_lease(1, SimTime::from_secs(5)), "no lease to extend");
        assert_eq!(t.revision(), 1, "only the insert changed the tables");
        let mut r = t.get_mut(id).expect("still there");
        assert!(r.insert_skill(3));
        assert!(!r.insert_skill(3), "a second insert is a no-op");
        assert_eq!(t.revision(), 2);
        assert_eq!(*shared, before, "a shared snapshot is copied, not written");
        assert!(t.admit(1, 5) && !t.admit(1, 4));
        assert_eq!(t.revision(), 3, "a refused request leaves the tables as they were");
        assert!(t.remove(99).is_none());
        assert_eq!(t.revision(), 3);
    }

    #[test]
    fn a_placeholder_is_fresh_only_within_its_ttl() {
        let mut t = SandboxTables::new();
        t.insert(record(1, SandboxRef::Pending(9), SimTime::from_secs(100)));
        assert!(t.fresh_pending_record(1, SimTime::from_secs(399), 300_000).is_some());
        assert!(t.fresh_pending_record(1, SimTime::from_secs(400), 300_000).is_none());
        assert!(t.fresh_pending_record(1, SimTime::from_secs(50), 300_000).is_some(), "a clock behind is still fresh");
    }
}
