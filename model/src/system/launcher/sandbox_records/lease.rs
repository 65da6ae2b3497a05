//! Install leases: short, expiring claims a tab holds on the parts of a sandbox an
//! install writes, stored on the sandbox's record so that the reactive `getSandbox`
//! query carries every grant and release to the waiting tabs.
//!
//! Only the `proposed` design uses them (the text's versions keep the list empty).
//! Invariants the types keep, so that the grant logic stays a few lines:
//! - a claim names one resource, the two config files together or one skill
//!   directory, in one mode;
//! - two claims conflict exactly when they name the same resource and at least one is
//!   exclusive (readers share, a writer is alone);
//! - a lease counts only while `now < expires_at`: an expired lease binds nobody, and
//!   the grant that next looks at the record removes it.

use sim::SimTime;

/// A part of a sandbox that installs write and sessions read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Resource {
    /// `.env` and `config.yaml`, which a session reads together at its start.
    Config,
    /// `skillDir[skill]`.
    Skill(u32),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum LeaseMode {
    /// Reads it (a session start): any number at once, no writer.
    Shared,
    /// Writes it (a config write, a skill upload): alone.
    Exclusive,
}

/// One tab's claims on a sandbox, granted at once, released or expired at once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstallLease {
    /// The holder: one life of one tab (a reload is a new holder).
    pub holder: u64,
    pub claims: Vec<(Resource, LeaseMode)>,
    pub expires_at: SimTime,
}

impl InstallLease {
    /// Whether it still binds at `now`.
    pub fn live_at(&self, now: SimTime) -> bool {
        now < self.expires_at
    }

    /// Whether any of its claims conflicts with `claim`.
    pub fn conflicts_with(&self, claim: (Resource, LeaseMode)) -> bool {
        self.claims.iter().any(|&(resource, mode)| {
            resource == claim.0 && (mode == LeaseMode::Exclusive || claim.1 == LeaseMode::Exclusive)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readers_share_and_a_writer_is_alone_on_its_resource_only() {
        let lease = InstallLease {
            holder: 1,
            claims: vec![(Resource::Config, LeaseMode::Shared), (Resource::Skill(2), LeaseMode::Exclusive)],
            expires_at: SimTime::from_secs(10),
        };
        assert!(!lease.conflicts_with((Resource::Config, LeaseMode::Shared)));
        assert!(lease.conflicts_with((Resource::Config, LeaseMode::Exclusive)));
        assert!(lease.conflicts_with((Resource::Skill(2), LeaseMode::Shared)));
        assert!(!lease.conflicts_with((Resource::Skill(3), LeaseMode::Exclusive)));
        assert!(lease.live_at(SimTime::from_secs(9)) && !lease.live_at(SimTime::from_secs(10)));
    }
}
