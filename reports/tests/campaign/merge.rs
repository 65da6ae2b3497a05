use reports::campaign::Shard;
use reports::merge::{merge, MergeError};

use crate::fixtures::{campaign, Plan};

const SCENARIO: &str = "demo/lock";
const VARIANT: &str = "check-then-set";

#[test]
fn the_order_runs_arrive_in_does_not_change_the_report() {
    let forward = campaign(SCENARIO, VARIANT, 0..=79, Plan::default());
    let backward = campaign(SCENARIO, VARIANT, 0..=79, Plan { reversed: true, ..Plan::default() });
    assert_eq!(forward.without_timing(), backward.without_timing());
}

#[test]
fn merging_two_shards_gives_the_single_campaign_over_their_seeds() {
    let single = campaign(SCENARIO, VARIANT, 0..=79, Plan::default());
    let shard =
        |index| campaign(SCENARIO, VARIANT, 0..=79, Plan { shard: Some(Shard { index, count: 2 }), ..Plan::default() });
    let (a, b) = (shard(0), shard(1));
    assert!(a.runs == 40 && b.runs == 40);
    let merged = merge(vec![b.clone(), a.clone()]).unwrap();
    assert_eq!(merged.without_timing(), single.without_timing());
    assert_eq!(merged.timing.jobs, 2, "timing adds up the shards");
    assert_eq!(merge(vec![a, b]).unwrap(), merged, "argument order does not matter");
}

#[test]
fn merging_consecutive_ranges_gives_the_single_campaign() {
    let single = campaign(SCENARIO, VARIANT, 0..=79, Plan::default());
    let low = campaign(SCENARIO, VARIANT, 0..=29, Plan::default());
    let high = campaign(SCENARIO, VARIANT, 30..=79, Plan::default());
    let mut merged = merge(vec![high, low]).unwrap();
    merged.budget = single.budget.clone();
    assert_eq!(merged.without_timing(), single.without_timing());
}

#[test]
fn merge_refuses_reports_that_do_not_belong_together() {
    let demo = campaign(SCENARIO, VARIANT, 0..=9, Plan::default());
    let other_variant = campaign(SCENARIO, "compare-and-set", 10..=19, Plan::default());
    let launcher = campaign("launcher/multi-tab", "v8", 10..=11, Plan::default());
    let err = merge(vec![demo.clone(), launcher]).unwrap_err();
    assert!(matches!(err, MergeError::Scenario { .. }), "{err}");
    assert!(err.to_string().contains("launcher/multi-tab") && !err.to_string().contains('\n'));
    assert!(matches!(merge(vec![demo.clone(), other_variant]).unwrap_err(), MergeError::Variant { .. }));

    let mut future = demo.clone();
    future.format_version += 1;
    future.seeds.start = 100;
    future.seeds.end = 109;
    assert!(matches!(merge(vec![demo.clone(), future]).unwrap_err(), MergeError::FormatVersion { .. }));

    let overlapping = campaign(SCENARIO, VARIANT, 5..=14, Plan::default());
    let err = merge(vec![demo.clone(), overlapping]).unwrap_err();
    assert!(matches!(err, MergeError::Overlap { .. }), "{err}");
    let same_shard = |r: &reports::campaign::CampaignReport| {
        let mut r = r.clone();
        r.seeds.shard = Some(Shard { index: 1, count: 4 });
        r
    };
    assert!(matches!(merge(vec![same_shard(&demo), same_shard(&demo)]).unwrap_err(), MergeError::Overlap { .. }));
    assert_eq!(merge(vec![]).unwrap_err(), MergeError::Empty);
}
