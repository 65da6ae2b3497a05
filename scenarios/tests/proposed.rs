//! The `proposed` launcher design (`model::system::launcher::version::PROPOSED`) keeps every
//! invariant of `launcher/multi-tab` under the scenario's whole fault swarm (process
//! pauses, long message delays, clock jumps and drift on the tabs and the store
//! included), every fault point fires in those runs, and the same harness catches
//! each single mistake in the design (the mutants below) for the right reason, so the
//! passing runs mean something.

use model::system::launcher::version::{Version, PROPOSED};
use model::system::launcher::world::{LauncherParams, Mutant};
use scenarios::{find, run_multi_tab_with, RunOptions};
use sim::{ChoiceSource, Outcome};

/// Seeds the test runs (a few seconds in a debug build); the long campaign is
/// `lockstep run launcher/multi-tab --variant proposed --runs 20000 --keep-going`.
const RUNS: u64 = 400;

#[test]
fn proposed_passes_every_invariant() {
    let (scenario, variant) = find("launcher/multi-tab", Some("proposed")).expect("registered");
    let failures: Vec<(u64, Outcome)> = (0..RUNS)
        .map(|seed| (seed, scenario.run(variant, ChoiceSource::Seed(seed), &RunOptions::default()).outcome))
        .filter(|(_, outcome)| !outcome.is_pass())
        .take(3)
        .collect();
    assert!(
        failures.is_empty(),
        "replay with `lockstep repro launcher/multi-tab --variant proposed --seed N`: {failures:?}"
    );
}

#[test]
fn every_fault_point_fires_in_the_proposed_runs() {
    let (scenario, variant) = find("launcher/multi-tab", Some("proposed")).expect("registered");
    let mut fired = std::collections::BTreeMap::new();
    for seed in 0..300 {
        let result = scenario.run(variant, ChoiceSource::Seed(seed), &RunOptions::default());
        for (point, n) in result.fault_counts {
            *fired.entry(point).or_insert(0u64) += n;
        }
    }
    for point in scenario.fault_points() {
        assert!(fired.get(point.name).is_some_and(|n| *n > 0), "{} never fired: {fired:?}", point.name);
    }
}

#[test]
fn without_its_reaper_the_design_leaves_a_crashed_creators_sandbox_beside_a_new_one() {
    let broken = Version { reap_before_create: false, ..PROPOSED };
    let found = (0..2_000).find_map(|seed| {
        let run =
            run_multi_tab_with(broken, ChoiceSource::Seed(seed), &RunOptions::default(), LauncherParams::default());
        run.outcome.key().map(|key| (seed, key))
    });
    assert!(
        matches!(found, Some((_, "single-sandbox" | "no-orphan"))),
        "the harness must catch the missing reaper: {found:?}"
    );
}

/// A mutant with the create lease cut to the text's 120 s. The holder only sends a
/// create whose request lands under its lease (300 s of message delay and the 60 s
/// margin do not fit in 120 s), so it never reclaims anything early: it never creates,
/// and cold-starting tabs never run.
#[test]
fn with_a_120_s_lease_the_design_never_gets_a_sandbox_and_tabs_never_run() {
    let broken = Version { placeholder_ttl_ms: Some(120_000), ..PROPOSED };
    let options = RunOptions::default().focused("tabs-eventually-run");
    let found = (0..200).find(|&seed| {
        let run = run_multi_tab_with(broken, ChoiceSource::Seed(seed), &options, LauncherParams::default());
        run.outcome.key() == Some("tabs-eventually-run")
    });
    assert!(found.is_some(), "the harness must catch a lease shorter than the create");
}

/// The first seed below `runs` at which the design with `params` fails, and the
/// invariant it fails.
fn first_kill(params: &LauncherParams, options: &RunOptions, runs: u64) -> Option<(u64, &'static str)> {
    (0..runs).find_map(|seed| {
        let run = run_multi_tab_with(PROPOSED, ChoiceSource::Seed(seed), options, params.clone());
        run.outcome.key().map(|key| (seed, key))
    })
}

fn mutant(m: Mutant) -> LauncherParams {
    let mut params = LauncherParams::default();
    params.leases.mutant = Some(m);
    params
}

/// Skip a renew: the holder believes its lease renewed, the store lets it expire
/// (400 s, shorter than a slow create), and another tab reclaims it from a creator
/// still at work: I6, the check this mistake breaks.
#[test]
fn a_holder_that_skips_its_renewals_has_its_lease_reclaimed_while_it_creates() {
    let found = first_kill(&mutant(Mutant::SkipRenew), &RunOptions::default(), 300);
    assert!(matches!(found, Some((_, "no-premature-reclaim"))), "skip a renew must break I6: {found:?}");
}

/// Drop the fencing check. Fencing is the design's second line: its local deadlines
/// keep a holder from publishing after its lease, as long as clocks part by less
/// than the margin between renewals. With that assumption broken on purpose (no
/// margin, renewals every 200 s), leases expire early at the store's fast clock and
/// a holder still publishes: the design fences it and keeps I5, the mutant breaks it.
#[test]
fn without_the_fencing_check_a_holder_whose_lease_expired_early_publishes() {
    let skewed = |m: Option<Mutant>| {
        let mut params = LauncherParams::default();
        (params.leases.margin_ms, params.leases.renew_every_ms, params.leases.mutant) = (0, 200_000, m);
        params
    };
    let options = RunOptions::default().focused("owner-only-publish");
    let found = first_kill(&skewed(Some(Mutant::NoFencing)), &options, 1_000);
    let Some((seed, "owner-only-publish")) = found else {
        panic!("dropping the fencing check must break I5: {found:?}")
    };
    let fenced = first_kill(&skewed(None), &options, seed + 1);
    assert_eq!(fenced, None, "the design with its fencing keeps I5 on the same seeds");
}
