//! The world of `launcher/create-lock`: one user's tabs, the document store with the
//! `sandboxes` table, and the sandbox provider; every tab opens once, at a tick drawn
//! from the tape.
//!
//! Time is counted in ticks of [`TICK_MS`] (30 s): tabs open on ticks, creates take
//! whole ticks, and every message arrives at once (no network delay), so within a tick
//! only the order of the steps is chosen, as in the spec's discrete model. Queries
//! re-run on writes that change the table, never on time (Convex).

use std::cell::RefCell;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::rc::Rc;

use sim::{ChoiceKind, NetConfig, NodeId, Ratio, Sim};

use crate::substrate::docstore::{DocStore, DocStoreParams, Subscription};
use crate::substrate::sandbox_provider::{ProviderParams, SandboxProvider};
use crate::system::create_lock::ghost::Ghost;
use crate::system::create_lock::{proposed, tab};
use crate::system::launcher::sandbox_records::SandboxTables;
use crate::system::launcher::server::UserSandbox;
use crate::system::launcher::version::{by_name, Version};
use sim::FaultPoint;

/// One tick of the model's time: 30 s.
pub const TICK_MS: u64 = 30_000;

/// The one user whose tabs these are.
pub const USER: u32 = 1;

/// The run's one record-insert failure: the insert is not applied and the creator's
/// code swallows the error (v4, v5) or retries (`proposed`).
pub const INSERT_FAIL: FaultPoint = FaultPoint {
    name: "createlock.insert.fail",
    doc: "the creator's createSandboxRecord (or publish) fails, not applied (at most one fault per run)",
};

/// The run's one tab crash: the tab never comes back; its provider create continues.
pub const TAB_CRASH: FaultPoint = FaultPoint {
    name: "createlock.tab.crash",
    doc: "a tab crashes or closes at one of its steps (at most one fault per run)",
};

/// The protocol under test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    /// V4: delete the placeholder, then insert the real record.
    V4,
    /// V5: insert the real record, then delete the placeholder.
    V5,
    /// The launcher's `proposed` create lease at this abstraction.
    Proposed,
}

impl Variant {
    pub fn by_name(name: &str) -> Option<Variant> {
        match name {
            "v4" => Some(Variant::V4),
            "v5" => Some(Variant::V5),
            "proposed" => Some(Variant::Proposed),
            _ => None,
        }
    }

    /// The variant's own TTL: the text's 120 s (V4) and 300 s (V5); 450 s for
    /// `proposed`, which outlasts the longest create (420 s) by one tick.
    pub fn default_ttl_ms(self) -> u64 {
        match self {
            Variant::V4 => 120_000,
            Variant::V5 => 300_000,
            Variant::Proposed => 450_000,
        }
    }

    /// The launcher version whose server functions it uses, under `ttl_ms`.
    fn version(self, ttl_ms: u64) -> Version {
        let name = match self {
            Variant::V4 => "v4",
            Variant::V5 => "v5",
            Variant::Proposed => "proposed",
        };
        let v = by_name(name).expect("the launcher has v4, v5 and proposed");
        Version { placeholder_ttl_ms: Some(ttl_ms), ..v }
    }
}

/// The parameters (`/work/notes/create-lock-spec.md`, section 2). Durations in ms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreateLockParams {
    /// Tabs of the user (2–4); each opens once.
    pub tabs: u32,
    /// The placeholder's TTL.
    pub ttl_ms: u64,
    /// The longest create: fallback path 300 s + health 120 s.
    pub create_max_ms: u64,
    /// Tabs open on a tick in `0..=open_max_ms`.
    pub open_max_ms: u64,
}

impl CreateLockParams {
    /// The spec's defaults for `variant`, with `tabs` tabs.
    pub fn new(variant: Variant, tabs: u32) -> CreateLockParams {
        CreateLockParams { tabs, ttl_ms: variant.default_ttl_ms(), create_max_ms: 420_000, open_max_ms: 600_000 }
    }

    /// The provider: every create takes 1..=`create_max_ms / TICK_MS` whole ticks.
    fn provider(&self) -> ProviderParams {
        let mut p = ProviderParams {
            snapshot_create_min_ms: TICK_MS,
            snapshot_create_max_ms: self.create_max_ms.max(TICK_MS),
            fallback_path: Ratio::new(0, 1),
            health_wait_min_ms: 0,
            health_wait_max_ms: 0,
            file_write_min_ms: 0,
            file_write_max_ms: 0,
            skill_upload_min_ms: 0,
            skill_upload_max_ms: 0,
            boot_quantum_ms: TICK_MS,
            ..ProviderParams::default()
        };
        p.create_timeout_ms = p.longest_create_ms() + TICK_MS;
        p
    }
}

/// Everything a tab shares with the others.
pub struct CreateLock {
    pub variant: Variant,
    pub params: CreateLockParams,
    pub version: Version,
    pub store: DocStore<SandboxTables>,
    pub provider: SandboxProvider,
    pub ghost: Ghost,
    /// Each tab's `getSandbox` subscription once it opened, for the state hash.
    pub subscriptions: RefCell<Vec<Option<Subscription<UserSandbox>>>>,
}

impl CreateLock {
    /// The model's whole state when nothing is in flight (the engine adds its timers):
    /// the table, the provider's sandboxes, the ghost with the tabs' steps and locals,
    /// and what each subscription holds.
    pub fn state_hash(&self) -> u64 {
        let mut h = DefaultHasher::new();
        self.store.peek(|t| format!("{t:?}")).hash(&mut h);
        self.provider.with_sandboxes(|all| format!("{all:?}")).hash(&mut h);
        self.ghost.fingerprint().hash(&mut h);
        for sub in self.subscriptions.borrow().iter() {
            sub.as_ref().map(|s| (format!("{:?}", s.current()), s.version())).hash(&mut h);
        }
        h.finish()
    }
}

/// The world the invariants judge.
pub struct CreateLockWorld {
    pub shared: Rc<CreateLock>,
    pub tabs: Vec<NodeId>,
}

/// Builds the world and starts every tab, each opening at its drawn tick.
pub fn build(sim: &Sim, variant: Variant, params: CreateLockParams) -> CreateLockWorld {
    sim.set_net_config(NetConfig { delay_min_ms: 0, delay_max_ms: 0, ..sim.net_config() });
    let store = DocStore::new(sim, "convex", SandboxTables::new(), DocStoreParams::default());
    let provider = SandboxProvider::new(sim, "daytona", params.provider());
    let tabs_n = params.tabs.max(1);
    let shared = Rc::new(CreateLock {
        variant,
        version: variant.version(params.ttl_ms),
        ghost: Ghost::new(tabs_n as usize),
        subscriptions: RefCell::new(vec![None; tabs_n as usize]),
        params,
        store,
        provider,
    });
    let hashed = shared.clone();
    sim.set_state_hasher(move |_| hashed.state_hash());
    let open_ticks_max = shared.params.open_max_ms / TICK_MS;
    let mut tabs = Vec::new();
    for id in 0..tabs_n {
        let node = sim.add_node(format!("tab{}", id + 1));
        let open_tick = sim.between_at(ChoiceKind::Workload, "tab opens (tick)", 0, open_ticks_max);
        sim.describe_workload(format!("tab{} opens at {} s", id + 1, open_tick * TICK_MS / 1_000));
        let (s, w) = (sim.clone(), shared.clone());
        sim.spawn(node, "tab", async move {
            s.sleep_ms(open_tick * TICK_MS).await;
            let tab = tab::Tab { w, sim: s, id, node };
            match tab.w.variant {
                Variant::V4 | Variant::V5 => tab::run(tab).await,
                Variant::Proposed => proposed::run(tab).await,
            }
        });
        tabs.push(node);
    }
    CreateLockWorld { shared, tabs }
}
