//! `lease/storage`: the lease review as a built-in scenario, and the worked example
//! of README's "Writing a new scenario". Two clients take a TTL lease on a key-value
//! server, work, and write to a storage service; the engine pauses clients, delays
//! and drops messages, crashes clients and skews the lock server's clock.
//!
//! `lease` must be caught writing stale data; `fenced-lease` must never be, yet must
//! be caught on `lease-held-at-write`, which fencing does not give.

use model::system::lease::{self, LeaseParams, LeaseWorld};
use sim::fault::points::{
    CLOCK_DRIFT, CLOCK_JUMP, NET_DELAY_LONG, NET_REPLY_LOST, NET_REQUEST_LOST, NODE_CRASH, NODE_PAUSE,
};
use sim::{ChoiceSource, FaultPoint, Invariant, InvariantKind, NemesisConfig, RunResult};

use crate::params::ParamInfo;
use crate::scenario::{describe_scenario, RunOptions, Scenario, VariantInfo};

pub struct LeaseStorage;

const VARIANTS: &[VariantInfo] = &[
    VariantInfo { name: "lease", doc: "writes carry no token: the storage trusts whoever writes" },
    VariantInfo { name: "fenced-lease", doc: "writes carry the grant's revision; the storage rejects lower ones" },
];

const FAULTS: &[FaultPoint] =
    &[NODE_PAUSE, NET_DELAY_LONG, NET_REQUEST_LOST, NET_REPLY_LOST, NODE_CRASH, CLOCK_JUMP, CLOCK_DRIFT];

const INVARIANTS: &[Invariant<std::rc::Rc<LeaseWorld>>] = &[
    Invariant {
        name: "no-stale-write",
        kind: InvariantKind::Safety,
        doc: "accepted writes are in grant order (no write under an older grant after a newer one)",
        check: |w, sim| lease::check_no_stale_write(w, sim),
        reads: lease::ACCEPTED,
    },
    Invariant {
        name: "lease-held-at-write",
        kind: InvariantKind::Safety,
        doc: "no write lands after its lease expired (stricter; fencing alone does not give it)",
        check: |w, sim| lease::check_lease_held_at_write(w, sim),
        reads: lease::ACCEPTED,
    },
];

/// Every parameter is an assumption: the review states no numbers.
pub const CLIENTS: ParamInfo = ParamInfo::number("clients", "clients", 2, "clients sharing the lease").assumed();
pub const ROUNDS_MAX: ParamInfo =
    ParamInfo::number("rounds_max", "writes", 3, "each client writes 1 to this many times").assumed();
pub const LEASE_TTL_MS: ParamInfo =
    ParamInfo::number("lease_ttl_ms", "ms", 10_000, "the lease's TTL on the kv server").assumed();
pub const WORK_MIN_MS: ParamInfo =
    ParamInfo::number("work_min_ms", "ms", 100, "shortest work between grant and write").assumed();
pub const WORK_MAX_MS: ParamInfo =
    ParamInfo::number("work_max_ms", "ms", 2_000, "longest work between grant and write, well inside the TTL")
        .assumed();
pub const RETRY_MS: ParamInfo = ParamInfo::number("retry_ms", "ms", 500, "wait before asking again").assumed();
pub const THINK_MAX_MS: ParamInfo =
    ParamInfo::number("think_max_ms", "ms", 30_000, "longest wait between two writes of a client").assumed();
pub const CHECK_BEFORE_WRITE: ParamInfo = ParamInfo::switch(
    "check_before_write",
    false,
    "re-check the lease on the client's clock before writing (Kleppmann's client trusts it)",
)
.assumed();
const PARAMS: &[ParamInfo] =
    &[CLIENTS, ROUNDS_MAX, LEASE_TTL_MS, WORK_MIN_MS, WORK_MAX_MS, RETRY_MS, THINK_MAX_MS, CHECK_BEFORE_WRITE];

impl Scenario for LeaseStorage {
    describe_scenario! {
        name: "lease/storage",
        doc: "clients write to storage under a TTL lease from a kv server (the GC-pause hazard)",
        variants: VARIANTS,
        invariants: INVARIANTS,
        faults: FAULTS,
        params: PARAMS,
        goals: crate::goals::LEASE,
    }

    fn run(&self, variant: &str, source: ChoiceSource, options: &RunOptions) -> RunResult {
        let fenced = match variant {
            "lease" => false,
            "fenced-lease" => true,
            other => panic!("lease/storage has no variant {other}"),
        };
        let p = &options.params;
        let params = LeaseParams {
            clients: p.get(&CLIENTS) as usize,
            rounds_max: p.get(&ROUNDS_MAX).max(1),
            lease_ttl_ms: p.get(&LEASE_TTL_MS),
            work_min_ms: p.get(&WORK_MIN_MS),
            work_max_ms: p.get(&WORK_MAX_MS).max(p.get(&WORK_MIN_MS)),
            retry_ms: p.get(&RETRY_MS),
            think_max_ms: p.get(&THINK_MAX_MS),
            fenced,
            check_before_write: p.on(&CHECK_BEFORE_WRITE),
        };
        let faults = options.faults;
        let setup = move |sim: &sim::Sim| {
            faults.install(sim, FAULTS);
            let world = lease::build(sim, &params);
            // Clients crash and pause; only the lock server's clock is wrong.
            let clients = world.clients.clone();
            sim.spawn_nemesis(NemesisConfig::new(clients).clocks(vec![world.kv.node]));
            world
        };
        // Two minutes of faults, then ten quiet minutes.
        // The footprint is the storage's write count: steps that wrote nothing skip it.
        sim::run_with_tracked_footprint(
            source,
            &options.run_config(120_000, 600_000, 100_000),
            setup,
            INVARIANTS,
            lease::footprint,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The nemesis's clock scales (`sim::nemesis`, not exported), capped by its defaults.
    const CLOCK_JUMP_SCALES_MS: [u64; 4] = [100, 1_000, 10_000, 60_000];
    const CLOCK_DRIFT_SCALES_PPM: [u64; 4] = [100, 1_000, 10_000, 100_000];

    /// The workload lines (not hashed; case files and reports show them) are built
    /// without `format!`: each must read as the `format!` it replaced.
    #[test]
    fn workload_lines_read_as_format_writes_them() {
        let mut expected: Vec<String> = Vec::new();
        for c in 1..=2 {
            expected.extend((1..=3).map(|n| format!("c{c}: writes {n} times")));
        }
        for scale in CLOCK_JUMP_SCALES_MS {
            expected.push(format!("fault {} up to {scale} {}", CLOCK_JUMP.name, "ms"));
        }
        for scale in CLOCK_DRIFT_SCALES_PPM {
            expected.push(format!("fault {} up to {scale} {}", CLOCK_DRIFT.name, "ppm"));
        }
        let mut seen: Vec<String> = Vec::new();
        for seed in 0..60 {
            let result = LeaseStorage.run("lease", ChoiceSource::Seed(seed), &RunOptions::default());
            for line in result.workload {
                assert!(expected.contains(&line), "seed {seed}: unexpected workload line {line:?}");
                seen.push(line);
            }
        }
        for kind in ["c1: ", "c2: ", "fault clock.jump", "fault clock.drift"] {
            assert!(seen.iter().any(|l| l.starts_with(kind)), "no {kind} line in 60 seeds");
        }
    }
}
