//! `lockstep merge`: the reports of CI shards combined into the report one machine
//! would have written for all their seeds together.
//!
//! Only reports of the same format version, scenario and variant merge, and no two
//! may cover the same seeds: a seed counted twice would make the counts lie. The
//! result does not depend on the order the reports are given in.

use std::collections::BTreeMap;

use thiserror::Error;

use crate::campaign::{keep_lowest, CampaignReport, InvariantTally, Seeds, Timing};

/// Why reports cannot be merged. Each says it in one line.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum MergeError {
    #[error("no reports to merge")]
    Empty,
    #[error("cannot merge reports of format versions {first} and {other}")]
    FormatVersion { first: u32, other: u32 },
    #[error("cannot merge reports of different scenarios: '{first}' and '{other}'")]
    Scenario { first: String, other: String },
    #[error("cannot merge reports of different variants of {scenario}: '{first}' and '{other}'")]
    Variant { scenario: String, first: String, other: String },
    #[error("reports overlap: seeds {first} and seeds {other} would be counted twice")]
    Overlap { first: String, other: String },
}

/// One report for the seeds of all of `reports`.
///
/// Counts are summed, first seeds are the lowest, failures are concatenated and cut
/// to the lowest seeds per invariant, the seed range spans them all. Timing treats
/// the shards as running side by side: jobs and runs per second add up, the wall
/// time is the longest shard's.
pub fn merge(mut reports: Vec<CampaignReport>) -> Result<CampaignReport, MergeError> {
    reports.sort_by_key(|r| (r.seeds.start, r.seeds.shard.map(|s| (s.count, s.index)), r.seeds.end));
    let first = reports.first().ok_or(MergeError::Empty)?;
    for r in &reports[1..] {
        check_compatible(first, r)?;
    }
    for (i, a) in reports.iter().enumerate() {
        for b in &reports[i + 1..] {
            if overlap(&a.seeds, &b.seeds) {
                return Err(MergeError::Overlap { first: a.seeds.to_string(), other: b.seeds.to_string() });
            }
        }
    }
    let mut merged = first.clone();
    merged.seeds = Seeds {
        start: reports.iter().map(|r| r.seeds.start).min().unwrap_or(0),
        end: reports.iter().map(|r| r.seeds.end).max().unwrap_or(0),
        shard: None,
    };
    merged.runs = reports.iter().map(|r| r.runs).sum();
    merged.violating_runs = reports.iter().map(|r| r.violating_runs).sum();
    merged.max_failures_per_invariant = reports.iter().map(|r| r.max_failures_per_invariant).min().unwrap_or(0);
    merged.invariants = merge_invariants(&reports);
    merged.faults = BTreeMap::new();
    for r in &reports {
        for (name, t) in &r.faults {
            let m = merged.faults.entry(name.clone()).or_default();
            m.runs_enabled += t.runs_enabled;
            m.runs_fired += t.runs_fired;
            m.fired += t.fired;
        }
    }
    let failures = reports.iter().flat_map(|r| r.failures.iter().cloned()).collect();
    merged.failures = keep_lowest(failures, merged.max_failures_per_invariant);
    merged.timing = Timing {
        jobs: reports.iter().map(|r| r.timing.jobs).sum(),
        wall_secs: reports.iter().map(|r| r.timing.wall_secs).fold(0.0, f64::max),
        runs_per_sec: reports.iter().map(|r| r.timing.runs_per_sec).sum(),
    };
    Ok(merged)
}

fn check_compatible(first: &CampaignReport, other: &CampaignReport) -> Result<(), MergeError> {
    if first.format_version != other.format_version {
        return Err(MergeError::FormatVersion { first: first.format_version, other: other.format_version });
    }
    if first.scenario != other.scenario {
        return Err(MergeError::Scenario { first: first.scenario.clone(), other: other.scenario.clone() });
    }
    if first.variant != other.variant {
        return Err(MergeError::Variant {
            scenario: first.scenario.clone(),
            first: first.variant.clone(),
            other: other.variant.clone(),
        });
    }
    Ok(())
}

/// Whether two reports may share a seed: different shards of one split never do; the
/// same shard twice, or reports of different splits, do when their ranges meet.
fn overlap(a: &Seeds, b: &Seeds) -> bool {
    let ranges_meet = a.start <= b.end && b.start <= a.end;
    match (a.shard, b.shard) {
        // Shards of one split are disjoint by construction (each takes its own
        // residue of the seeds); the same shard twice overlaps wherever ranges meet.
        (Some(x), Some(y)) if x.count == y.count => x.index == y.index && ranges_meet,
        _ => ranges_meet,
    }
}

/// Tallies by name, in the order of the first report that has each.
fn merge_invariants(reports: &[CampaignReport]) -> Vec<InvariantTally> {
    let mut merged: Vec<InvariantTally> = Vec::new();
    for r in reports {
        for t in &r.invariants {
            match merged.iter_mut().find(|m| m.name == t.name) {
                Some(m) => {
                    m.violating_runs += t.violating_runs;
                    m.first_seed = match (m.first_seed, t.first_seed) {
                        (Some(a), Some(b)) => Some(a.min(b)),
                        (a, b) => a.or(b),
                    };
                }
                None => merged.push(t.clone()),
            }
        }
    }
    merged
}
