//! The bugs SYSTEMS.md S001.C reports in V0, found by the harness from seeds (no
//! hand-written schedules), and V1 silent on each in the sense the text claims it
//! fixed it. Each search checks only the bug's invariant and stops at the first seed
//! whose violation is the bug's (its message names the mechanism); the budget is
//! 2,000 runs per bug.

use scenarios::devserver::{
    AGENT_STARTS_MAX, MIXED_APPS, POOL_AUTO_START, SANDBOX_APP, START_SETS_RUNNING, USER_ACTIONS_MAX,
};
use scenarios::{find, FaultMode, Params, RunOptions};
use sim::{ChoiceSource, Outcome};

const BUDGET: u64 = 2_000;

/// How a bug is searched: the variant, the invariant, a phrase its message must hold,
/// and the setting (parameters, faults).
struct Search {
    variant: &'static str,
    invariant: &'static str,
    needle: &'static str,
    params: Params,
    faults: FaultMode,
}

fn search(variant: &'static str, invariant: &'static str, needle: &'static str) -> Search {
    Search { variant, invariant, needle, params: Params::defaults(), faults: FaultMode::Swarm }
}

impl Search {
    fn with(mut self, params: Params, faults: FaultMode) -> Search {
        self.params = params;
        self.faults = faults;
        self
    }

    /// Whether seed `seed` violates the invariant with the bug's message.
    fn hits(&self, seed: u64) -> bool {
        let (scenario, variant) = find("devserver/redis-lock", Some(self.variant)).expect("registered");
        let options = RunOptions { faults: self.faults, ..RunOptions::default() }
            .with_params(self.params.clone())
            .focused(self.invariant);
        match scenario.run(variant, ChoiceSource::Seed(seed), &options).outcome {
            Outcome::Violation(v) => v.message.contains(self.needle),
            _ => false,
        }
    }

    fn first(&self) -> Option<u64> {
        (0..BUDGET).find(|&seed| self.hits(seed))
    }

    fn silent_over(&self, runs: u64) -> Vec<u64> {
        (0..runs).filter(|&seed| self.hits(seed)).collect()
    }
}

/// Only the tabs start the server: no agent tool call, no user action (no re-render
/// can duplicate a tab's timer), one app type, no faults.
fn tabs_only() -> Params {
    Params::defaults().with(&AGENT_STARTS_MAX, 0).with(&USER_ACTIONS_MAX, 0).with(&MIXED_APPS, 0)
}

/// The bugs and where each is found; (bug, search).
fn v0_bugs() -> Vec<(&'static str, Search)> {
    vec![
        ("S001-C01", search("v0", "single-dev-server", "live")),
        ("S001-C02", search("v0", "distinct-sessions", "runs both")),
        // Two tabs' auto-starts launch two servers: the second is launched for one
        // hook while the first, started for another hook, is coming up.
        ("S001-C03", search("v0", "no-redundant-start", "(started for h").with(tabs_only(), FaultMode::Off)),
        ("S001-C04", search("v0", "one-poller-per-hook", "pending auto-start timers")),
        ("S001-C05", search("v0", "one-poller-per-hook", "polling intervals")),
        ("S001-C06", search("v0", "ui-status-latest", "which a status check observed")),
        ("S001-C07", search("v0", "dev-server-up", "no ").with(Params::defaults(), FaultMode::Off)),
    ]
}

#[test]
fn every_reported_bug_is_found_in_v0() {
    for (bug, s) in v0_bugs() {
        assert!(s.first().is_some(), "{bug} not found in v0 within {BUDGET} runs");
    }
}

/// C01 and C03: "the Redis lock plus double-check" (and the per-instance dedupe):
/// concurrent starts through the locked path, in one session per app, from the agent
/// and from several tabs, never leave two live processes of an app. The pool's
/// auto-start, which uses another session, is off (that is a V1 finding, not the fix
/// under test); faults off.
#[test]
fn v1_lock_and_double_check_stop_duplicate_servers() {
    let params = Params::defaults().with(&POOL_AUTO_START, 0).with(&MIXED_APPS, 0);
    let s = search("v1", "single-dev-server", "live").with(params, FaultMode::Off);
    assert_eq!(s.silent_over(300), Vec::<u64>::new());
}

/// C02, C04, C05: app-specific session names, a cleared auto-start timer, one polling
/// interval per instance: silent under the full fault profile.
#[test]
fn v1_sessions_timers_and_pollers_stay_fixed_under_faults() {
    assert_eq!(search("v1", "distinct-sessions", "").silent_over(300), Vec::<u64>::new());
    assert_eq!(search("v1", "one-poller-per-hook", "").silent_over(300), Vec::<u64>::new());
}

/// C06: the in-flight ref keeps two status checks from overlapping, so none
/// overwrites a newer one. A `start()` reply that sets `running` is left out here
/// (`start_sets_running` off): it is the V1 finding, not the text's bug.
#[test]
fn v1_in_flight_ref_stops_stale_status_checks() {
    let s =
        search("v1", "ui-status-latest", "").with(Params::defaults().with(&START_SETS_RUNNING, 0), FaultMode::Swarm);
    assert_eq!(s.silent_over(300), Vec::<u64>::new());
}

/// C07: with the backend and frontend auto-starts, a web dev server comes up with no
/// preview tab, faults off. (Expo is left out: V1's 15 s poll restarts its slow start
/// over and over, a V1 finding.)
#[test]
fn v1_auto_start_brings_the_server_up_without_a_preview_tab() {
    let params = Params::defaults().with(&MIXED_APPS, 0).with(&SANDBOX_APP, 1);
    let s = search("v1", "dev-server-up", "").with(params, FaultMode::Off);
    assert_eq!(s.silent_over(200), Vec::<u64>::new());
}
