//! Write access to one record of [`SandboxTables`](super::SandboxTables) that counts
//! its effective changes.
//!
//! Why: the document store re-runs queries only after a write that changed the tables
//! (M2). Instead of cloning the tables before each mutation and comparing after, every
//! setter here compares the one field it writes and bumps the tables' revision only if
//! the value changed. Reads go through `Deref`; there is no `DerefMut`, so no write can
//! bypass the count. A record is shared with query results (`Rc`): a setter copies it
//! only for an effective change, and only while a result still holds it.

use std::cell::Cell;
use std::collections::BTreeSet;
use std::ops::Deref;
use std::rc::Rc;

use sim::SimTime;

use super::{InstallLease, PoolState, SandboxRecord};

/// One record, writable through setters that report effective changes.
pub struct RecordMut<'a> {
    record: &'a mut Rc<SandboxRecord>,
    revision: &'a Cell<u64>,
}

impl Deref for RecordMut<'_> {
    type Target = SandboxRecord;

    fn deref(&self) -> &SandboxRecord {
        self.record
    }
}

impl<'a> RecordMut<'a> {
    pub(super) fn new(record: &'a mut Rc<SandboxRecord>, revision: &'a Cell<u64>) -> RecordMut<'a> {
        RecordMut { record, revision }
    }

    /// The record for an effective change, which this counts.
    fn write(&mut self) -> &mut SandboxRecord {
        self.revision.set(self.revision.get() + 1);
        Rc::make_mut(self.record)
    }

    pub fn set_pool_state(&mut self, pool_state: PoolState) {
        if self.pool_state != pool_state {
            self.write().fields.pool_state = pool_state;
        }
    }

    pub fn set_config_hash(&mut self, config_hash: u64) {
        if self.config_hash != config_hash {
            self.write().fields.config_hash = config_hash;
        }
    }

    pub fn set_created_at(&mut self, created_at: SimTime) {
        if self.created_at != created_at {
            self.write().fields.created_at = created_at;
        }
    }

    /// Replaces `installedSkills` whole.
    pub fn set_installed_skills(&mut self, skills: BTreeSet<u32>) {
        if self.installed_skills != skills {
            self.write().fields.installed_skills = skills;
        }
    }

    /// Adds `skill`; true if it was not there yet.
    pub fn insert_skill(&mut self, skill: u32) -> bool {
        let added = !self.installed_skills.contains(&skill);
        if added {
            self.write().fields.installed_skills.insert(skill);
        }
        added
    }

    /// Keeps the leases `keep` accepts, in order.
    pub fn retain_leases(&mut self, mut keep: impl FnMut(&InstallLease) -> bool) {
        if !self.leases.iter().all(&mut keep) {
            self.write().leases.retain(keep);
        }
    }

    pub fn push_lease(&mut self, lease: InstallLease) {
        self.write().leases.push(lease);
    }

    /// Extends `holder`'s lease to expire no earlier than `until`; false if `holder`
    /// holds no lease on the record.
    pub fn extend_lease(&mut self, holder: u64, until: SimTime) -> bool {
        let Some(i) = self.leases.iter().position(|l| l.holder == holder) else { return false };
        if until > self.leases[i].expires_at {
            self.write().leases[i].expires_at = until;
        }
        true
    }
}
