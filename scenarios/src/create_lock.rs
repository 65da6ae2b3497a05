//! `launcher/create-lock`: the create path of S000 alone, at the abstraction of the
//! stateright and shuttle peers (issue 15; the contract is
//! `/work/notes/create-lock-spec.md`). One user opens 2–4 tabs on 30 s ticks over ten
//! minutes; a tab with no sandbox takes the placeholder create lock and creates (30 s
//! to 420 s, in ticks); at most one fault per run: one failed record insert or one tab
//! crash.
//!
//! Variants: `v4` (delete the placeholder, then insert), `v5` (insert, then delete) and
//! `proposed` (the launcher's fenced create lease). The TTL is the variant's own unless
//! `--param ttl_s` says otherwise. Each invariant is the one bug it catches (spec
//! section 7): C09 `no-acquire-in-handoff-gap` (v4), C10 and the create slower than a
//! 300 s TTL `no-premature-reclaim` (v4 at 120 s, v5 at 300 s), C11
//! `record-before-running` (an insert failure), the crashed creator's orphan
//! `no-orphan` (a crash); `single-sandbox` is the generic I2, and `every-tab-runs`
//! keeps a design that never creates from passing.

use model::system::create_lock::invariants as inv;
use model::system::create_lock::world::{self, CreateLockParams, CreateLockWorld, Variant, INSERT_FAIL, TAB_CRASH};
use sim::{ChoiceSource, FaultPoint, Invariant, InvariantKind, RunResult};

use crate::params::ParamInfo;
use crate::scenario::{describe_scenario, RunOptions, Scenario, VariantInfo};

pub struct CreateLock;

const VARIANTS: &[VariantInfo] = &[
    VariantInfo { name: "v4", doc: "V4: delete the placeholder, then insert the record (TTL 120 s)" },
    VariantInfo { name: "v5", doc: "V5: insert the record, then delete the placeholder (TTL 300 s)" },
    VariantInfo {
        name: "proposed",
        doc: "fenced create lease (TTL 450 s): waiters wake at expiry, reap orphans, atomic publish",
    },
];

const FAULTS: &[FaultPoint] = &[INSERT_FAIL, TAB_CRASH];

const fn safety(
    name: &'static str,
    doc: &'static str,
    check: fn(&CreateLockWorld, &sim::Sim) -> Result<(), String>,
) -> Invariant<CreateLockWorld> {
    Invariant::new(name, InvariantKind::Safety, doc, check)
}

const INVARIANTS: &[Invariant<CreateLockWorld>] = &[
    safety(
        "no-acquire-in-handoff-gap",
        "C09: no grant of the lock while a live creator has deleted its placeholder and not inserted its record",
        inv::no_acquire_in_handoff_gap,
    ),
    safety(
        "no-premature-reclaim",
        "I6 (C10, slow create): no stale placeholder is reclaimed from a live creator",
        inv::no_premature_reclaim,
    ),
    safety(
        "record-before-running",
        "I12 (C11): a tab runs a session only on a sandbox a real record tracks",
        inv::record_before_running,
    ),
    safety("single-sandbox", "I2: at most one healthy sandbox and one real record", inv::single_sandbox),
    Invariant::new(
        "no-orphan",
        InvariantKind::Liveness,
        "I3 (quiescent; a crashed creator's orphan): every healthy sandbox has exactly one record",
        inv::no_orphan,
    ),
    Invariant::new(
        "every-tab-runs",
        InvariantKind::Liveness,
        "quiescent: every tab that did not crash runs a session (a design that never creates fails it)",
        inv::every_tab_runs,
    ),
];

pub const TABS: ParamInfo = ParamInfo::number("tabs", "tabs", 2, "tabs of the one user (issue 15: 2-4)");
pub const TTL_S: ParamInfo = ParamInfo::number(
    "ttl_s",
    "s",
    0,
    "placeholder TTL (issue 15: 120, 300, 450); 0: the variant's own (v4 120, v5 300, proposed 450)",
);
pub const CREATE_MAX_S: ParamInfo =
    ParamInfo::number("create_max_s", "s", 420, "longest create: fallback 300 s + health 120 s, in 30 s ticks");
pub const OPEN_MAX_S: ParamInfo =
    ParamInfo::number("open_max_s", "s", 600, "tabs open on a 30 s tick within this window").assumed();
const PARAMS: &[ParamInfo] = &[TABS, TTL_S, CREATE_MAX_S, OPEN_MAX_S];

/// The model's parameters under `options`' overrides.
pub fn create_lock_params(variant: Variant, options: &RunOptions) -> CreateLockParams {
    let p = &options.params;
    let mut params = CreateLockParams::new(variant, u32::try_from(p.get(&TABS)).unwrap_or(u32::MAX).clamp(1, 16));
    if p.get(&TTL_S) != 0 {
        params.ttl_ms = p.get(&TTL_S).saturating_mul(1_000);
    }
    params.create_max_ms = p.get(&CREATE_MAX_S).saturating_mul(1_000);
    params.open_max_ms = p.get(&OPEN_MAX_S).saturating_mul(1_000);
    params
}

impl Scenario for CreateLock {
    describe_scenario! {
        name: "launcher/create-lock",
        doc: "S000's create lock alone, at the abstraction of the stateright and shuttle peers",
        variants: VARIANTS,
        invariants: INVARIANTS,
        faults: FAULTS,
        params: PARAMS,
        goals: crate::goals::CREATE_LOCK,
    }

    fn run(&self, variant: &str, source: ChoiceSource, options: &RunOptions) -> RunResult {
        let v = Variant::by_name(variant).unwrap_or_else(|| panic!("launcher/create-lock has no variant {variant}"));
        let params = create_lock_params(v, options);
        let faults = options.faults;
        let setup = move |sim: &sim::Sim| {
            faults.install(sim, FAULTS);
            world::build(sim, v, params)
        };
        // Faults may strike for the whole run (it ends when every tab has settled);
        // the run is over long before the phase would end.
        sim::run(source, &options.run_config(3_600_000, 3_600_000, 20_000), setup, INVARIANTS)
    }
}

/// One bug of the spec's detection table (section 7): where it is measured, in every
/// tool alike.
#[derive(Clone, Copy, Debug)]
pub struct CreateLockBug {
    /// The bug, as the tables name it.
    pub name: &'static str,
    pub variant: &'static str,
    pub ttl_s: u64,
    /// The `--faults` filter: no fault, or the one fault the bug needs.
    pub faults: &'static str,
    pub invariant: &'static str,
}

const NO_FAULT: &str = "-createlock.insert.fail,-createlock.tab.crash";

/// The five bugs of issue 15, each with its variant, TTL, fault and invariant.
pub const BUGS: [CreateLockBug; 5] = [
    CreateLockBug {
        name: "C09 handoff gap",
        variant: "v4",
        ttl_s: 120,
        faults: NO_FAULT,
        invariant: "no-acquire-in-handoff-gap",
    },
    CreateLockBug {
        name: "C10 TTL expires during a healthy create",
        variant: "v4",
        ttl_s: 120,
        faults: NO_FAULT,
        invariant: "no-premature-reclaim",
    },
    CreateLockBug {
        name: "create slower than a 300 s TTL",
        variant: "v5",
        ttl_s: 300,
        faults: NO_FAULT,
        invariant: "no-premature-reclaim",
    },
    CreateLockBug {
        name: "C11 failed insert",
        variant: "v5",
        ttl_s: 300,
        faults: "createlock.insert.fail",
        invariant: "record-before-running",
    },
    CreateLockBug {
        name: "crashed creator's orphan",
        variant: "v5",
        ttl_s: 300,
        faults: "createlock.tab.crash",
        invariant: "no-orphan",
    },
];

impl CreateLockBug {
    /// The options of a run that looks for this bug with `tabs` tabs: focused on its
    /// invariant, with its TTL and its fault only.
    pub fn options(&self, tabs: u32) -> RunOptions {
        let params = crate::Params::defaults().with(&TABS, u64::from(tabs)).with(&TTL_S, self.ttl_s);
        let filter = sim::FaultFilter::parse(self.faults, FAULTS).expect("the bug's faults are the scenario's");
        RunOptions::default().with_params(params).with_fault_filter(filter).focused(self.invariant)
    }

    /// The `--param`, `--faults` and `--invariant` flags of a replay command.
    pub fn flags(&self, tabs: u32) -> String {
        format!(
            "--variant {} --param tabs={tabs} --param ttl_s={} --faults={} --invariant {}",
            self.variant, self.ttl_s, self.faults, self.invariant
        )
    }
}
