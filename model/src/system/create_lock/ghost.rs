//! What the invariants of `launcher/create-lock` need to know beyond the store and the
//! provider: each tab's step of the protocol (the spec's tab states), which tab owns
//! which placeholder, which creator is inside its handoff gap, the one fault of the run,
//! and the violations judged at the moment they happen (a grant, a reclaim).
//!
//! The ghost is updated inside the store's mutations where a judgement needs the
//! instant of the commit, so it never lags the tables it describes.

use std::cell::RefCell;
use std::collections::BTreeMap;

use crate::substrate::sandbox_provider::SandboxId;

/// A tab's step in the create protocol (`/work/notes/create-lock-spec.md`, section 4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TabStep {
    Closed,
    /// Launching, with no request in flight: waits for its query to change.
    Waiting,
    /// `acquireCreateLock` (or the lease) is in flight.
    Acquiring,
    /// Holds the lock; the provider create is not sent yet.
    CreatePending,
    /// The provider create is in flight.
    Creating,
    /// The first handoff mutation (v4: delete; v5: insert) is next.
    Handoff1,
    /// The second handoff mutation is next.
    Handoff2,
    /// `proposed`: the fenced publish is next (retried after a failure).
    Publishing,
    /// A session on this sandbox: the launch is over.
    Running(SandboxId),
    /// `proposed`: an error with Retry (fenced, or no time to create under the lease).
    Error,
    Crashed,
}

impl TabStep {
    /// Whether the tab is a creator whose create is not over: it holds, or believes it
    /// holds, the create lock.
    pub fn is_creating(self) -> bool {
        matches!(
            self,
            TabStep::CreatePending | TabStep::Creating | TabStep::Handoff1 | TabStep::Handoff2 | TabStep::Publishing
        )
    }
}

#[derive(Debug)]
struct State {
    steps: Vec<TabStep>,
    /// Tabs that deleted their own placeholder and have not yet attempted their insert.
    in_gap: Vec<bool>,
    /// Placeholder record id -> the tab that acquired it.
    owners: BTreeMap<u64, u32>,
    fault_used: bool,
    /// The first violation of each ghost-judged invariant.
    broken: BTreeMap<&'static str, String>,
    /// What each tab's task holds in its local variables while it waits (the view it
    /// relaunches from, the lease expiry it waits for), for the state hash.
    locals: Vec<String>,
}

/// The ghost state of one run. Tabs are numbered from 1 in messages, from 0 in calls.
#[derive(Debug)]
pub struct Ghost {
    state: RefCell<State>,
}

impl Ghost {
    pub fn new(tabs: usize) -> Ghost {
        Ghost {
            state: RefCell::new(State {
                steps: vec![TabStep::Closed; tabs],
                in_gap: vec![false; tabs],
                owners: BTreeMap::new(),
                fault_used: false,
                broken: BTreeMap::new(),
                locals: vec![String::new(); tabs],
            }),
        }
    }

    pub fn step(&self, tab: u32) -> TabStep {
        self.state.borrow().steps[tab as usize]
    }

    pub fn steps(&self) -> Vec<TabStep> {
        self.state.borrow().steps.clone()
    }

    pub fn set(&self, tab: u32, step: TabStep) {
        self.state.borrow_mut().steps[tab as usize] = step;
    }

    /// Whether the run's one fault is still to come.
    pub fn fault_left(&self) -> bool {
        !self.state.borrow().fault_used
    }

    pub fn use_fault(&self) {
        self.state.borrow_mut().fault_used = true;
    }

    pub fn set_in_gap(&self, tab: u32, in_gap: bool) {
        self.state.borrow_mut().in_gap[tab as usize] = in_gap;
    }

    /// `tab` was granted placeholder `placeholder`: C09 if another live creator is in
    /// its handoff gap at this instant.
    pub fn acquired(&self, tab: u32, placeholder: u64) {
        let gap = {
            let mut st = self.state.borrow_mut();
            st.owners.insert(placeholder, tab);
            let st = &*st;
            (0..st.steps.len()).find(|&j| j != tab as usize && st.in_gap[j] && st.steps[j] != TabStep::Crashed)
        };
        if let Some(j) = gap {
            self.broke(
                "no-acquire-in-handoff-gap",
                format!(
                    "tab{} acquired the create lock while tab{} had deleted its placeholder and not yet inserted its record",
                    tab + 1,
                    j + 1
                ),
            );
        }
    }

    /// `by` removed stale placeholder `placeholder`: I6 if its owner is alive and still
    /// creating.
    pub fn reclaimed(&self, by: u32, placeholder: u64) {
        let owner = self.state.borrow().owners.get(&placeholder).copied();
        let Some(owner) = owner else { return };
        let step = self.step(owner);
        if step.is_creating() {
            self.broke(
                "no-premature-reclaim",
                format!(
                    "tab{} reclaimed the create lock of tab{}, which is alive and still creating ({step:?})",
                    by + 1,
                    owner + 1
                ),
            );
        }
    }

    /// Records what `tab` holds in its local variables while it waits.
    pub fn set_local(&self, tab: u32, local: String) {
        self.state.borrow_mut().locals[tab as usize] = local;
    }

    /// Everything the ghost holds, as text for a state hash.
    pub fn fingerprint(&self) -> String {
        format!("{:?}", self.state.borrow())
    }

    /// Records the first violation of `invariant`.
    pub fn broke(&self, invariant: &'static str, why: String) {
        self.state.borrow_mut().broken.entry(invariant).or_insert(why);
    }

    /// The first violation of `invariant`, if any.
    pub fn broken(&self, invariant: &str) -> Option<String> {
        self.state.borrow().broken.get(invariant).cloned()
    }
}
