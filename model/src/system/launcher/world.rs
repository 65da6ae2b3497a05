//! The launcher's world: one user's tabs, the document store with the `sandboxes`
//! table, the sandbox provider, and the cleanup cron, built from a workload drawn from
//! the tape.

use std::collections::BTreeSet;
use std::rc::Rc;

use sim::{ChoiceKind, NodeId, Ratio, Sim};

use crate::substrate::docstore::{DocStore, DocStoreParams};
use crate::substrate::sandbox_provider::{ProviderParams, SandboxProvider};
use crate::system::launcher::ghost::Ghost;
use crate::system::launcher::sandbox_records::{NewSandboxRecord, PoolState, SandboxRef, SandboxTables};
use crate::system::launcher::server;
use crate::system::launcher::tab::Tab;
use crate::system::launcher::version::Version;
use crate::system::text::Text;

/// The workload and the `[A]` parameters of the launcher. Durations in milliseconds.
#[derive(Clone, Debug)]
pub struct LauncherParams {
    pub tabs_min: u32,
    pub tabs_max: u32,
    /// Skills are `1..=skills`; each tab launches one.
    pub skills: u32,
    /// Configs (provider, model, key) are `1..=configs`, named by their hash.
    pub configs: u32,
    /// Tabs open at times drawn in `0..=tab_open_max_ms`.
    pub tab_open_max_ms: u64,
    /// How often the run starts with the user's sandbox already created `[A]`.
    pub warm_start: Ratio,
    /// The cleanup cron's interval: not stated `[A]`.
    pub cron_interval_ms: u64,
    /// The longest auth can take to be ready after a page load `[A]`.
    pub auth_delay_max_ms: u64,
    /// How long the user looks at an error before clicking Retry `[A]`.
    pub retry_think_min_ms: u64,
    pub retry_think_max_ms: u64,
    /// L3: create-lock requests one launch chain may make without seeing a change.
    pub spin_limit: u32,
    /// V0: how often a tab that found the sandbox `installing` asks again `[A]`.
    pub v0_busy_poll_ms: u64,
    pub store: DocStoreParams,
    /// Whether `deletePlaceholder` on an id that is gone raises (Convex's `db.delete`
    /// throws on a nonexistent document) or returns quietly. Default: raises `[A]`.
    pub delete_missing_raises: bool,
    /// What `deletePlaceholder` deletes: the id the lock returned (`page.tsx` passes
    /// `lock.placeholderId`), or whichever pending record the user has now. Default:
    /// by id `[A]`.
    pub delete_placeholder_by: DeleteBy,
    /// Whether real records ever leave `active`: `true` lets the cron mark a record
    /// whose sandbox is gone as `stopped` (then kept two days like any stopped record);
    /// `false` keeps them `active` forever. The text names the states and the cron's
    /// two rules only. Default: `false` `[A]`.
    pub stop_dead_records: bool,
    /// L1, L2 and the eventual-session check judge waits longer than this bound
    /// (SYSTEMS.md E: B = the TTL; here the largest lease a design honours plus its
    /// longest create, so a healthy wait is never judged). Default: 1,080 s `[A]`.
    pub liveness_bound_ms: u64,
    /// The network's longest one-way delay (the engine's default is 100 ms); a larger
    /// cap lengthens the request timeout to stay above a round trip. Default: 100 ms `[A]`.
    pub net_delay_max_ms: u64,
    /// The largest clock jump of a tab or the store, either way (`clock.jump`; each
    /// run draws its own scale up to this). Default: 60 s `[A]`.
    pub clock_jump_max_ms: u64,
    /// The longest process pause of a tab (`node.pause`, heavy-tailed: most are short).
    /// Default: 120 s `[A]`, the engine's default.
    pub pause_max_ms: u64,
    /// The fastest clock drift of a tab or the store, in parts per million either way
    /// (`clock.drift`). Default: 100,000 (10 %) `[A]`, the engine's default.
    pub clock_drift_max_ppm: u64,
    pub provider: ProviderParams,
    /// The `proposed` design's own numbers (the text's versions ignore them).
    pub leases: LeaseParams,
}

/// What `deletePlaceholder` deletes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeleteBy {
    /// The placeholder id `acquireCreateLock` returned.
    Id,
    /// The user's (oldest) pending record, whoever acquired it.
    UsersPending,
}

/// The `proposed` design's numbers `[A]`, in milliseconds. Its create lease is the
/// version's placeholder TTL ([`crate::system::launcher::version::CREATE_LEASE_MS`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LeaseParams {
    /// How long an install lease binds after its last renewal: a provider job is
    /// sent only if its latest possible end (the longest message delay, then the job)
    /// falls before the holder's deadline, with the margin and a renewal's slack.
    pub install_lease_ms: u64,
    /// The slack a holder keeps before its deadline: for the skew between its clock
    /// and the store's (one clock jump of up to 60 s) and the grant's time at the store.
    pub margin_ms: u64,
    /// How often a holder renews its lease while it works under it.
    pub renew_every_ms: u64,
    /// The longest a message can take (the engine's `net.delay.long` bound, 300 s):
    /// the design's partial-synchrony assumption. A request to the provider or the
    /// store has arrived, or never will, this long after it was sent.
    pub max_message_delay_ms: u64,
    /// Kept free after a create for the session start and the publish.
    pub publish_reserve_ms: u64,
    /// The longest a creator spends clearing orphans before its create must start.
    pub reap_budget_ms: u64,
    /// Rounds of list-and-destroy before the creator gives up.
    pub reap_rounds: u32,
    /// Tries of one store request before the launch shows an error.
    pub store_attempts: u32,
    /// The pause before a retry.
    pub retry_backoff_ms: u64,
    /// A deliberate mistake, for the mutant tests only (`None` in every real run).
    pub mutant: Option<Mutant>,
}

/// Single realistic mistakes in `proposed`, switched on by tests to show the harness
/// kills each for the right reason. Never set by the scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mutant {
    /// The lease keeper moves its holder's deadline on as if each renewal succeeded,
    /// but never sends one (a renewal left unawaited, or dropped on a refactor).
    SkipRenew,
    /// `publishSandbox` replaces whatever placeholder the user has, not only the
    /// holder's own: the fencing check is gone.
    NoFencing,
}

impl Default for LeaseParams {
    fn default() -> LeaseParams {
        LeaseParams {
            install_lease_ms: 440_000,
            margin_ms: 60_000,
            renew_every_ms: 20_000,
            max_message_delay_ms: 300_000,
            publish_reserve_ms: 30_000,
            reap_budget_ms: 40_000,
            reap_rounds: 4,
            store_attempts: 4,
            retry_backoff_ms: 1_000,
            mutant: None,
        }
    }
}

impl Default for LauncherParams {
    fn default() -> LauncherParams {
        LauncherParams {
            tabs_min: 2,
            tabs_max: 3,
            skills: 3,
            configs: 2,
            tab_open_max_ms: 600_000,
            warm_start: Ratio::new(1, 2),
            cron_interval_ms: 60_000,
            auth_delay_max_ms: 30_000,
            retry_think_min_ms: 5_000,
            retry_think_max_ms: 60_000,
            spin_limit: 20,
            v0_busy_poll_ms: 2_000,
            // Convex re-runs a subscription when a write touches its read set, not on
            // time, and the text states no polling (SYSTEMS.md S000.A): no re-fetch.
            store: DocStoreParams { requery_on_time_ms: None, resync_every_ms: None, rerun_on_every_write: false },
            delete_missing_raises: true,
            delete_placeholder_by: DeleteBy::Id,
            stop_dead_records: false,
            liveness_bound_ms: 1_080_000,
            net_delay_max_ms: 100,
            clock_jump_max_ms: 60_000,
            pause_max_ms: 120_000,
            clock_drift_max_ppm: 100_000,
            provider: ProviderParams::default(),
            leases: LeaseParams::default(),
        }
    }
}

/// What every tab shares: the protocol version, the servers, the ghost state.
pub struct Launcher {
    pub version: Version,
    pub params: LauncherParams,
    pub store: DocStore<SandboxTables>,
    pub provider: SandboxProvider,
    pub ghost: Ghost,
}

/// The world the invariants read.
pub struct LauncherWorld {
    pub launcher: Rc<Launcher>,
    pub tabs: Vec<Tab>,
    pub user: u32,
}

/// The one user of the workload.
pub const USER: u32 = 1;

/// Builds the world and starts its actors: the cron at once, each tab at its drawn
/// opening time. A crashed tab reloads (its restart hook loads the page again).
pub fn build(sim: &Sim, version: Version, params: LauncherParams) -> LauncherWorld {
    let store = DocStore::new(sim, "convex", SandboxTables::new(), params.store);
    let provider = SandboxProvider::new(sim, "daytona", params.provider);
    let launcher = Rc::new(Launcher { version, params, store, provider, ghost: Ghost::default() });
    let p = &launcher.params;
    if sim.chance(ChoiceKind::Workload, p.warm_start) {
        provision(sim, &launcher);
    }
    start_cron(sim, &launcher);
    // Every tab that may exist draws its block of choices, present or not, so that
    // the shrinker can drop a tab (its presence choice to 0) without shifting the
    // choices of the tabs after it.
    let mut tabs = Vec::new();
    for id in 1..=p.tabs_max {
        let present = id <= p.tabs_min || sim.chance(ChoiceKind::Workload, Ratio::new(1, 2));
        let skill = sim.workload(1, u64::from(p.skills)) as u32;
        let config = sim.workload(1, u64::from(p.configs));
        let opens_at = sim.workload(0, p.tab_open_max_ms);
        if !present {
            continue;
        }
        let node = sim.add_node(Text::new().str("tab").num(id).done());
        let tab = Tab::new(launcher.clone(), id, node, USER, skill, config);
        let (t, s) = (tab.clone(), sim.clone());
        sim.spawn(NodeId::SYSTEM, "open tab", async move {
            s.sleep_ms(opens_at).await;
            t.opened.set(true);
            if s.is_up(t.node) {
                t.load(&s);
            }
        });
        // A crash before the tab opened leaves nothing to reload; the opening loads it.
        let t = tab.clone();
        sim.on_restart(tab.node, move |sim| {
            if t.opened.get() {
                t.load(sim);
            }
        });
        tabs.push(tab);
    }
    LauncherWorld { launcher, tabs, user: USER }
}

/// A warm start: the user's sandbox exists with skill 1 and config 1, and its record.
fn provision(sim: &Sim, l: &Launcher) {
    let sandbox = l.provider.provision(USER, 1, &[1]);
    l.store.peek_mut(|t| {
        let id = t.insert(NewSandboxRecord {
            user: USER,
            sandbox: SandboxRef::Real(sandbox),
            pool_state: PoolState::Active,
            installed_skills: BTreeSet::from([1]),
            config_hash: 1,
            created_at: sim.now(),
        });
        l.ghost.borrow_mut().committed_skills.entry(id).or_default().insert(1);
    });
}

fn start_cron(sim: &Sim, l: &Rc<Launcher>) {
    let node = sim.add_node("cron");
    let (l, s) = (l.clone(), sim.clone());
    sim.spawn(node, "cleanup cron", async move {
        loop {
            s.sleep_ms(l.params.cron_interval_ms).await;
            // `[A]` stop_dead_records: Daytona's view of which sandboxes are gone,
            // as a webhook would report it, read when the cron runs.
            let gone: Vec<u64> = if l.params.stop_dead_records {
                l.store.peek(|t| {
                    t.records().filter_map(|r| r.real_sandbox()).filter(|sb| !l.provider.is_live(*sb)).collect()
                })
            } else {
                Vec::new()
            };
            let _ = l.store.mutate(&s, node, "cleanup", move |t, now| server::cleanup(t, now, &gone)).await;
        }
    });
}
