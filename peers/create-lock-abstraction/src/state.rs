//! The state of `launcher/create-lock` (spec section 4): the clock, the store's one
//! placeholder and its real records, the provider's sandboxes, each tab's step, and
//! the two ghost flags that the `Acquire` transition sets.
//!
//! Both peers hold exactly this: stateright explores it as its `Model::State`; the
//! shuttle tasks keep it under one lock and set their tab's step as they go, so the
//! same invariants ([`crate::invariants`]) judge both.

use crate::spec::Config;

/// A tab's index; also the id of its placeholder and of the sandbox it creates (each
/// tab acquires and creates at most once).
pub type TabId = u8;
/// Time in ticks of 30 s.
pub type Tick = u8;

/// The store's placeholder (at most one exists at a time).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Pending {
    pub owner: TabId,
    pub created_at: Tick,
}

/// One sandbox at the provider.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Sandbox {
    /// Never created.
    Absent,
    Booting {
        done_at: Tick,
    },
    Live,
    Destroyed,
}

/// A tab's last delivered `getSandbox` value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum View {
    Null,
    Creating,
    /// The first record's sandbox.
    Found(TabId),
}

/// A tab's step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tab {
    Closed,
    /// Launching, no request in flight; `dirty`: a write happened since the query last
    /// ran; `until` (proposed only): the blocking lease's expiry.
    Waiting {
        view: View,
        dirty: bool,
        until: Option<Tick>,
    },
    /// `acquireCreateLock` in flight.
    Acquiring {
        view: View,
        dirty: bool,
    },
    /// Holds the lock; the provider create is not yet sent.
    CreatePending,
    /// The provider create is in flight (sandbox = this tab's id).
    Creating,
    Handoff1,
    /// `in_gap` (v4): this tab's delete removed its own placeholder and its insert has
    /// not run yet.
    Handoff2 {
        in_gap: bool,
    },
    /// proposed: the fenced publish, retried.
    Publishing,
    Running {
        sandbox: TabId,
    },
    /// proposed: an error with Retry.
    Error,
    Crashed,
}

impl Tab {
    /// Launching with a request in flight or able to act: the steps a crash may hit.
    pub fn may_crash(self) -> bool {
        matches!(
            self,
            Tab::Waiting { .. }
                | Tab::Acquiring { .. }
                | Tab::CreatePending
                | Tab::Creating
                | Tab::Handoff1
                | Tab::Handoff2 { .. }
                | Tab::Publishing
        )
    }

    /// Holds (or believes it holds) the create lock: a reclaim of its placeholder is
    /// premature (I6).
    pub fn is_creator(self) -> bool {
        matches!(self, Tab::CreatePending | Tab::Creating | Tab::Handoff1 | Tab::Handoff2 { .. } | Tab::Publishing)
    }
}

/// The whole model state.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct State {
    pub now: Tick,
    /// The run's one fault has fired.
    pub fault_used: bool,
    pub pending: Option<Pending>,
    /// Real records (sandbox ids) in insertion order; never deleted here.
    pub records: Vec<TabId>,
    /// Indexed by the creating tab's id.
    pub sandboxes: Vec<Sandbox>,
    pub tabs: Vec<Tab>,
    /// Ghost: an `Acquire` answered `acquired` while another live tab was in its gap.
    pub acquired_in_gap: bool,
    /// Ghost: an `Acquire` reclaimed the placeholder of a live creator.
    pub premature_reclaim: bool,
}

impl State {
    pub fn new(cfg: &Config) -> State {
        let n = usize::from(cfg.tabs);
        State {
            now: 0,
            fault_used: false,
            pending: None,
            records: Vec::new(),
            sandboxes: vec![Sandbox::Absent; n],
            tabs: vec![Tab::Closed; n],
            acquired_in_gap: false,
            premature_reclaim: false,
        }
    }

    pub fn tab_ids(&self) -> impl Iterator<Item = TabId> {
        0..self.tabs.len() as TabId
    }

    pub fn tab(&self, i: TabId) -> Tab {
        self.tabs[usize::from(i)]
    }

    pub fn set_tab(&mut self, i: TabId, tab: Tab) {
        self.tabs[usize::from(i)] = tab;
    }

    pub fn sandbox(&self, i: TabId) -> Sandbox {
        self.sandboxes[usize::from(i)]
    }

    /// The fault budget allows an insert failure now.
    pub fn insert_may_fail(&self, cfg: &Config) -> bool {
        cfg.faults.insert() && !self.fault_used
    }

    /// The fault budget allows tab `i` to crash now.
    pub fn may_crash(&self, cfg: &Config, i: TabId) -> bool {
        cfg.faults.crash() && !self.fault_used && self.tab(i).may_crash()
    }

    /// Whether tab `i` has an urgent action (one that must happen before time moves).
    pub fn urgent(&self, i: TabId) -> bool {
        match self.tab(i) {
            Tab::Waiting { dirty, until, .. } => dirty || until.is_some_and(|u| self.now >= u),
            Tab::Acquiring { .. } | Tab::CreatePending | Tab::Handoff1 | Tab::Handoff2 { .. } | Tab::Publishing => true,
            Tab::Creating => self.sandbox(i) == Sandbox::Live,
            Tab::Closed | Tab::Running { .. } | Tab::Error | Tab::Crashed => false,
        }
    }

    /// Something lies ahead in time: a tab still to open, a sandbox booting, or a
    /// `proposed` waiter whose blocking lease expires later.
    pub fn awaits_time(&self) -> bool {
        self.tabs.iter().any(|t| match t {
            Tab::Closed => true,
            Tab::Waiting { until: Some(u), .. } => *u > self.now,
            _ => false,
        }) || self.sandboxes.iter().any(|s| matches!(s, Sandbox::Booting { .. }))
    }

    /// `Tick` is enabled: nothing urgent, something ahead, and no closed tab at the
    /// last opening tick (it must open first).
    pub fn can_tick(&self, cfg: &Config) -> bool {
        let closed = self.tabs.contains(&Tab::Closed);
        !self.tab_ids().any(|i| self.urgent(i)) && self.awaits_time() && !(closed && self.now >= cfg.open_max)
    }

    /// `Tick`: one tick passes and the creates due now finish.
    pub fn tick(&mut self) {
        self.now += 1;
        for s in &mut self.sandboxes {
            if *s == (Sandbox::Booting { done_at: self.now }) {
                *s = Sandbox::Live;
            }
        }
    }

    /// No action other than `Crash` is enabled: every tab opened, nothing urgent,
    /// nothing ahead in time.
    pub fn quiescent(&self) -> bool {
        !self.tab_ids().any(|i| self.urgent(i)) && !self.awaits_time()
    }

    /// Tab `i` crashes: it never acts again; its placeholder and its create stay.
    pub fn crash(&mut self, i: TabId) {
        self.fault_used = true;
        self.set_tab(i, Tab::Crashed);
    }
}
