//! The store's query and mutations and the provider's operations (spec sections 4–6),
//! each one atomic step on [`State`]. An *effective* write (one that changed the
//! store) marks every waiting or acquiring tab dirty: queries re-run on writes, not on
//! time (Convex, M2). The two ghost checks of spec section 7 are made here, inside
//! `acquireCreateLock`, at the instant it grants.

use crate::spec::Config;
use crate::state::{Pending, Sandbox, State, Tab, TabId, Tick, View};

/// The answer of `acquireCreateLock` (`proposed`: `acquireCreateLease`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockAnswer {
    /// A real record exists (its sandbox).
    Exists(TabId),
    /// A fresh placeholder exists; it goes stale at `until`.
    Creating { until: Tick },
    /// The caller now owns the placeholder.
    Acquired,
}

/// The answer of `proposed`'s fenced publish.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Publish {
    /// The record exists (inserted now or before).
    Published,
    /// The caller's placeholder was taken over: it must destroy its sandbox.
    Fenced,
}

impl State {
    fn fresh(&self, cfg: &Config, p: Pending) -> bool {
        self.now - p.created_at < cfg.ttl
    }

    /// `getSandbox`: the first record, else a fresh placeholder, else nothing.
    pub fn get_sandbox(&self, cfg: &Config) -> View {
        match (self.records.first(), self.pending) {
            (Some(&s), _) => View::Found(s),
            (None, Some(p)) if self.fresh(cfg, p) => View::Creating,
            _ => View::Null,
        }
    }

    /// An effective write: every subscribed tab that is launching gets a push.
    fn written(&mut self) {
        for tab in &mut self.tabs {
            match tab {
                Tab::Waiting { dirty, .. } | Tab::Acquiring { dirty, .. } => *dirty = true,
                _ => {}
            }
        }
    }

    /// `acquireCreateLock` by tab `i`: exists / fresh placeholder / reclaim a stale one
    /// and grant / grant. The caller moves tab `i` on.
    pub fn acquire(&mut self, cfg: &Config, i: TabId) -> LockAnswer {
        if let Some(&s) = self.records.first() {
            return LockAnswer::Exists(s);
        }
        if let Some(p) = self.pending {
            if self.fresh(cfg, p) {
                return LockAnswer::Creating { until: p.created_at + cfg.ttl };
            }
            // I6: the stale placeholder's owner is still creating.
            if self.tab(p.owner).is_creator() {
                self.premature_reclaim = true;
            }
        }
        // C09: another tab deleted its placeholder and has not inserted its record.
        if self.tab_ids().any(|j| j != i && self.tab(j) == (Tab::Handoff2 { in_gap: true })) {
            self.acquired_in_gap = true;
        }
        self.pending = Some(Pending { owner: i, created_at: self.now });
        self.written();
        LockAnswer::Acquired
    }

    /// `deletePlaceholder(i)` by id: whether it removed tab `i`'s own placeholder (a
    /// missing one is a no-op, not an error).
    pub fn delete_placeholder(&mut self, i: TabId) -> bool {
        if self.pending.is_some_and(|p| p.owner == i) {
            self.pending = None;
            self.written();
            return true;
        }
        false
    }

    /// `createSandboxRecord(i)`, when it does not fail.
    pub fn insert_record(&mut self, i: TabId) {
        self.records.push(i);
        self.written();
    }

    /// `proposed`: insert the record and delete the own placeholder in one write, only
    /// while the placeholder is the caller's; idempotent by sandbox id.
    pub fn publish(&mut self, i: TabId) -> Publish {
        if self.records.contains(&i) {
            return Publish::Published;
        }
        if self.pending.is_some_and(|p| p.owner == i) {
            self.records.push(i);
            self.pending = None;
            self.written();
            return Publish::Published;
        }
        Publish::Fenced
    }

    /// `proposed`: a holder whose lease cannot fit the longest create gives it back.
    pub fn release(&mut self, i: TabId) {
        self.delete_placeholder(i);
    }

    /// `proposed`: the new holder destroys every sandbox of the user that is booting or
    /// live (none is tracked while the lease is held).
    pub fn reap(&mut self) {
        for s in &mut self.sandboxes {
            if matches!(s, Sandbox::Booting { .. } | Sandbox::Live) {
                *s = Sandbox::Destroyed;
            }
        }
    }

    /// The provider create of tab `i`, done `d` ticks from now.
    pub fn start_create(&mut self, i: TabId, d: Tick) {
        self.sandboxes[usize::from(i)] = Sandbox::Booting { done_at: self.now + d };
    }

    /// Destroys tab `i`'s sandbox (a fenced publisher tears its own down).
    pub fn destroy(&mut self, i: TabId) {
        self.sandboxes[usize::from(i)] = Sandbox::Destroyed;
    }
}
