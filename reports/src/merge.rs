//! `lockstep merge`: the reports of CI shards combined into the report one machine
//! would have written for all their seeds together.
//!
//! Only reports of the same format version, scenario, variant and focus merge, and
//! no two may share a seed: a seed counted twice would make the counts lie. Shards
//! are proven disjoint from their split (shard K of N of a range starting at S takes
//! the seeds congruent to S + K - 1 modulo N); anything else must have seed ranges
//! that do not meet. Sums that would overflow are refused, never wrapped. The result
//! does not depend on the order the reports are given in.

use std::collections::BTreeMap;

use thiserror::Error;

use crate::campaign::{keep_lowest, CampaignReport, CorpusTally, GoalTally, InvariantTally, Seeds, Timing};

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
    #[error("cannot merge a report focused on {first} with one focused on {other}")]
    Focus { first: String, other: String },
    #[error("cannot merge: the {what} would overflow a 64-bit count")]
    Overflow { what: &'static str },
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
            if overlap(a, b) {
                return Err(MergeError::Overlap { first: a.seeds.to_string(), other: b.seeds.to_string() });
            }
        }
    }
    let mut merged = first.clone();
    // A report of no runs covers no seeds: it cannot widen the range.
    let ran: Vec<&CampaignReport> = reports.iter().filter(|r| r.runs > 0).collect();
    merged.seeds = Seeds {
        start: ran.iter().map(|r| r.seeds.start).min().unwrap_or(first.seeds.start),
        end: ran.iter().map(|r| r.seeds.end).max().unwrap_or(first.seeds.end),
        shard: None,
        split_start: None,
        base: reports.iter().find_map(|r| r.seeds.base.clone()),
    };
    merged.runs = sum(reports.iter().map(|r| r.runs), "number of runs")?;
    merged.violating_runs = sum(reports.iter().map(|r| r.violating_runs), "number of violating runs")?;
    merged.max_failures_per_invariant = reports.iter().map(|r| r.max_failures_per_invariant).min().unwrap_or(0);
    merged.invariants = merge_invariants(&reports)?;
    merged.faults = BTreeMap::new();
    for r in &reports {
        for (name, t) in &r.faults {
            let m = merged.faults.entry(name.clone()).or_default();
            m.runs_enabled = sum([m.runs_enabled, t.runs_enabled], "fault counts")?;
            m.runs_fired = sum([m.runs_fired, t.runs_fired], "fault counts")?;
            m.fired = sum([m.fired, t.fired], "fault counts")?;
        }
    }
    merged.goals = merge_goals(&reports)?;
    // Every shard replays the same corpus before its seeds: its counts are not summed.
    merged.corpus = CorpusTally {
        replayed: reports.iter().map(|r| r.corpus.replayed).max().unwrap_or(0),
        still_failing: reports.iter().map(|r| r.corpus.still_failing).max().unwrap_or(0),
    };
    merged.complete = reports.iter().all(|r| r.complete);
    merged.nondeterminism = reports.iter().find_map(|r| r.nondeterminism.clone());
    let failures = reports.iter().flat_map(|r| r.failures.iter().cloned()).collect();
    merged.failures = keep_lowest(failures, merged.max_failures_per_invariant);
    merged.timing = Timing {
        jobs: reports.iter().fold(0u32, |a, r| a.saturating_add(r.timing.jobs)),
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
    if first.focus != other.focus {
        let name = |f: &Option<String>| f.clone().unwrap_or_else(|| "every invariant".to_string());
        return Err(MergeError::Focus { first: name(&first.focus), other: name(&other.focus) });
    }
    Ok(())
}

/// The sum of `counts`, or an error naming `what` rather than a wrapped number.
fn sum(counts: impl IntoIterator<Item = u64>, what: &'static str) -> Result<u64, MergeError> {
    counts.into_iter().try_fold(0u64, |a, b| a.checked_add(b)).ok_or(MergeError::Overflow { what })
}

/// Whether two reports may share a seed. A report without runs has none. Shards of
/// the same count whose splits put them on different residues modulo the count never
/// do; any other pair may, wherever their ranges meet.
fn overlap(a: &CampaignReport, b: &CampaignReport) -> bool {
    if a.runs == 0 || b.runs == 0 {
        return false;
    }
    let (x, y) = (&a.seeds, &b.seeds);
    let ranges_meet = x.start <= y.end && y.start <= x.end;
    match (x.shard, y.shard, residue(x), residue(y)) {
        (Some(p), Some(q), Some(rx), Some(ry)) if p.count == q.count => rx == ry && ranges_meet,
        _ => ranges_meet,
    }
}

/// The residue modulo its count of every seed a shard runs, when its report says
/// where its split starts.
fn residue(seeds: &Seeds) -> Option<u64> {
    let (shard, start) = (seeds.shard?, seeds.split_start?);
    let count = u64::from(shard.count);
    Some((start % count + u64::from(shard.index) % count + count - 1) % count)
}

/// Tallies by name, in the order of the first report that has each.
fn merge_invariants(reports: &[CampaignReport]) -> Result<Vec<InvariantTally>, MergeError> {
    let mut merged: Vec<InvariantTally> = Vec::new();
    for r in reports {
        for t in &r.invariants {
            match merged.iter_mut().find(|m| m.name == t.name) {
                Some(m) => {
                    m.violating_runs = sum([m.violating_runs, t.violating_runs], "number of violating runs")?;
                    m.corpus_failures = m.corpus_failures.max(t.corpus_failures);
                    m.first_seed = match (m.first_seed, t.first_seed) {
                        (Some(a), Some(b)) => Some(a.min(b)),
                        (a, b) => a.or(b),
                    };
                }
                None => merged.push(t.clone()),
            }
        }
    }
    Ok(merged)
}

/// Goal tallies summed by name, in the order the first report lists them (goals only
/// a later report met come after, in its order); first seeds are minimums.
fn merge_goals(reports: &[CampaignReport]) -> Result<Vec<GoalTally>, MergeError> {
    let mut merged: Vec<GoalTally> = Vec::new();
    for r in reports {
        for t in &r.goals {
            match merged.iter_mut().find(|m| m.name == t.name) {
                Some(m) => {
                    m.runs_reached = sum([m.runs_reached, t.runs_reached], "goal counts")?;
                    m.first_seed = [m.first_seed, t.first_seed].into_iter().flatten().min();
                    if m.doc.is_empty() {
                        m.doc.clone_from(&t.doc);
                    }
                }
                None => merged.push(t.clone()),
            }
        }
    }
    Ok(merged)
}
