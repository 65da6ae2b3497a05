//! Write access to one record of [`SandboxTables`](super::SandboxTables) that counts
//! its effective changes.
//!
//! Why: the document store re-runs queries only after a write that changed the tables
//! (M2). Instead of cloning the tables before each mutation and comparing after, every
//! setter here compares the one field it writes and bumps the tables' revision only if
//! the value changed. Reads go through `Deref`; there is no `DerefMut`, so no write can
//! bypass the count.

use std::cell::Cell;
use std::collections::BTreeSet;
use std::ops::Deref;

use sim::SimTime;

use super::{InstallLease, PoolState, SandboxRecord};

/// One record, writable through setters that report effective changes.
pub struct RecordMut<'a> {
    record: &'a mut SandboxRecord,
    revision: &'a Cell<u64>,
}

impl Deref for RecordMut<'_> {
    type Target = SandboxRecord;

    fn deref(&self) -> &SandboxRecord {
        self.record
    }
}

impl<'a> RecordMut<'a> {
    pub(super) fn new(record: &'a mut SandboxRecord, revision: &'a Cell<u64>) -> RecordMut<'a> {
        RecordMut { record, revision }
    }

    fn changed(&self, changed: bool) {
        if changed {
            self.revision.set(self.revision.get() + 1);
        }
    }

    pub fn set_pool_state(&mut self, pool_state: PoolState) {
        self.changed(self.record.pool_state != pool_state);
        self.record.pool_state = pool_state;
    }

    pub fn set_config_hash(&mut self, config_hash: u64) {
        self.changed(self.record.config_hash != config_hash);
        self.record.config_hash = config_hash;
    }

    pub fn set_created_at(&mut self, created_at: SimTime) {
        self.changed(self.record.created_at != created_at);
        self.record.created_at = created_at;
    }

    /// Replaces `installedSkills` whole.
    pub fn set_installed_skills(&mut self, skills: BTreeSet<u32>) {
        self.changed(self.record.installed_skills != skills);
        self.record.installed_skills = skills;
    }

    /// Adds `skill`; true if it was not there yet.
    pub fn insert_skill(&mut self, skill: u32) -> bool {
        let added = self.record.installed_skills.insert(skill);
        self.changed(added);
        added
    }

    /// Keeps the leases `keep` accepts, in order.
    pub fn retain_leases(&mut self, keep: impl FnMut(&InstallLease) -> bool) {
        let before = self.record.leases.len();
        self.record.leases.retain(keep);
        self.changed(self.record.leases.len() != before);
    }

    pub fn push_lease(&mut self, lease: InstallLease) {
        self.record.leases.push(lease);
        self.changed(true);
    }

    /// Extends `holder`'s lease to expire no earlier than `until`; false if `holder`
    /// holds no lease on the record.
    pub fn extend_lease(&mut self, holder: u64, until: SimTime) -> bool {
        let Some(lease) = self.record.leases.iter_mut().find(|l| l.holder == holder) else { return false };
        let later = until > lease.expires_at;
        lease.expires_at = lease.expires_at.max(until);
        self.changed(later);
        true
    }
}
