//! `sometimes` goals in the reports: each goal's tally counts the runs that reached
//! it and its first seed; every format lists every goal, a goal never reached shown
//! as such; `merge` adds the tallies of shards.

use reports::campaign::{CampaignBuilder, CampaignMeta, Seeds, Shard, Timing};
use reports::merge::merge;
use scenarios::{GoalInfo, RunOptions};
use sim::ChoiceSource;

use crate::fixtures::{campaign, Plan};

const NEVER: GoalInfo = GoalInfo { name: "never-happens", doc: "a goal no model code marks" };

/// demo/lock check-then-set over seeds 0..40, with one extra goal nobody reaches.
fn report() -> (reports::campaign::CampaignReport, Vec<(u64, Vec<&'static str>)>) {
    let (s, v) = scenarios::find("demo/lock", Some("check-then-set")).expect("built in");
    let seeds = Seeds { start: 0, end: 39, shard: None, split_start: None, base: None };
    let meta = CampaignMeta { scenario: s.name().into(), variant: v.into(), seeds, budget: "runs 40".into() };
    let mut builder = CampaignBuilder::new(meta, &s.invariants(), s.fault_points());
    builder.goals(s.goals()).goals(&[NEVER]);
    let mut reached = Vec::new();
    for seed in 0..40 {
        let result = s.run(v, ChoiceSource::Seed(seed), &RunOptions::default());
        reached.push((seed, result.goals.iter().map(|h| h.goal).collect()));
        builder.record_run(seed, &result);
    }
    (builder.finish(Timing::new(1, 1.0, 40)), reached)
}

#[test]
fn each_goal_counts_the_runs_that_reached_it_and_its_first_seed() {
    let (report, reached) = report();
    let names: Vec<&str> = report.goals.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(names, ["lock-contended", "release-lost", "never-happens"], "declared order, then the extra one");
    for g in &report.goals {
        let runs: Vec<u64> =
            reached.iter().filter(|(_, goals)| goals.contains(&g.name.as_str())).map(|r| r.0).collect();
        assert_eq!(g.runs_reached, runs.len() as u64, "{}", g.name);
        assert_eq!(g.first_seed, runs.first().copied(), "{}", g.name);
    }
    assert!(report.goals[0].runs_reached > 0, "some runs contend for the lock");
    assert_eq!(report.goals[2].summary(), "never reached");
}

#[test]
fn every_format_lists_every_goal_and_marks_one_never_reached() {
    let (report, _) = report();
    let markdown = reports::markdown::render(&report);
    let html = reports::html::render(&report);
    let junit = reports::junit::render(&report).expect("junit renders");
    let json = serde_json::to_string(&report).expect("json");
    for g in &report.goals {
        assert!(markdown.contains(&format!("| `{}` | ", g.name)), "markdown lists {}", g.name);
        assert!(html.contains(&g.name), "html lists {}", g.name);
        assert!(junit.contains(&format!("goal.{}", g.name)), "junit lists {}", g.name);
        assert!(json.contains(&format!("\"name\":\"{}\"", g.name)), "json lists {}", g.name);
    }
    assert!(markdown.contains("| `never-happens` | 0 (never reached) | - |"), "{markdown}");
    assert!(html.contains("never-happens <span class=\"muted\">(never reached)</span>"));
    assert!(junit.contains("never reached"));
}

#[test]
fn merging_shards_adds_their_goal_tallies() {
    let single = campaign("demo/lock", "check-then-set", 0..=59, Plan::default());
    let shard = |index| {
        campaign(
            "demo/lock",
            "check-then-set",
            0..=59,
            Plan { shard: Some(Shard { index, count: 3 }), ..Plan::default() },
        )
    };
    let merged = merge(vec![shard(2), shard(0), shard(1)]).expect("shards merge");
    assert_eq!(merged.goals, single.goals);
    let contended = merged.goals.iter().find(|g| g.name == "lock-contended").expect("declared");
    assert!(contended.runs_reached > 0 && contended.first_seed.is_some());
}
