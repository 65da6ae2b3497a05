//! `demo/lock`: three clients share a lock on a key-value server; each takes it one to
//! three times for a critical section of 1–5 s. Clients crash (and restart), requests
//! and replies are lost. `check-then-set` must be caught; `compare-and-set` must pass.

use model::system::demo_lock::{self, Acquire, DemoLockParams, DemoLockWorld};
use sim::fault::points::{NET_REPLY_LOST, NET_REQUEST_LOST, NODE_CRASH};
use sim::{ChoiceSource, FaultPoint, Invariant, InvariantKind, NemesisConfig, RunConfig, RunResult};

use crate::scenario::{describe_scenario, RunOptions, Scenario, VariantInfo};

pub struct DemoLock;

const VARIANTS: &[VariantInfo] = &[
    VariantInfo {
        name: "check-then-set",
        doc: "GET the key, then SET it if it was free: two clients can both see it free",
    },
    VariantInfo { name: "compare-and-set", doc: "SET NX: the server checks and sets atomically" },
];

/// Clock jumps are left out: clients read no clock and the server's TTL would only be
/// shortened by them, which breaks any TTL lock and is not what this demo is about.
const FAULTS: &[FaultPoint] = &[NET_REQUEST_LOST, NET_REPLY_LOST, NODE_CRASH];

const INVARIANTS: &[Invariant<DemoLockWorld>] = &[
    Invariant {
        name: "mutual-exclusion",
        kind: InvariantKind::Safety,
        doc: "I1 MUTEX: at most one client is inside the critical section",
        check: demo_lock::check_mutual_exclusion,
        reads: demo_lock::INSIDE,
    },
    Invariant {
        name: "all-clients-finish",
        kind: InvariantKind::Liveness,
        doc: "every client completes its rounds within the quiet phase",
        check: demo_lock::check_all_clients_finish,
        reads: 0,
    },
];

/// Five minutes of faults, then ten quiet minutes to finish.
fn run_config(options: &RunOptions) -> RunConfig {
    options.run_config(300_000, 600_000, 100_000)
}

impl Scenario for DemoLock {
    describe_scenario! {
        name: "demo/lock",
        doc: "three clients take a TTL lock on a key-value server for a slow critical section",
        variants: VARIANTS,
        invariants: INVARIANTS,
        faults: FAULTS,
        goals: crate::goals::DEMO_LOCK,
    }

    fn run(&self, variant: &str, source: ChoiceSource, options: &RunOptions) -> RunResult {
        let acquire = match variant {
            "check-then-set" => Acquire::CheckThenSet,
            "compare-and-set" => Acquire::CompareAndSet,
            other => panic!("demo/lock has no variant {other}"),
        };
        let faults = options.faults;
        let setup = move |sim: &sim::Sim| {
            faults.install(sim, FAULTS);
            let world = demo_lock::build(sim, acquire, &DemoLockParams::default());
            sim.spawn_nemesis(NemesisConfig { targets: world.clients.to_vec(), ..NemesisConfig::default() });
            world
        };
        sim::run_with_tracked_footprint(source, &run_config(options), setup, INVARIANTS, demo_lock::footprint)
    }
}
