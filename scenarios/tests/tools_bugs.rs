//! The bugs SYSTEMS.md S004.C reports, found by the harness from seeds (no hand-written
//! schedules) in versions that have them, and silent in the versions that fix them.
//! A run counts for a bug when its first violation of the bug's invariant (the only
//! one checked) names the bug's actors ([`scenarios::tools::bugs`]). C10 and C11 are
//! open at the end of the text: they are found in `v10`.

use scenarios::tools::bugs::{bug, Bug};
use scenarios::{find, RunOptions};
use sim::{ChoiceSource, Outcome};

/// Seeds searched for a bug in a version that has it (all are found within 100).
const BUDGET: u64 = 5_000;
/// Seeds over which a fixed version must stay silent.
const SILENT: u64 = 1_500;

/// Whether seed `seed` of `variant` shows `bug`.
fn shows(bug: &Bug, variant: &str, seed: u64) -> bool {
    let (scenario, variant) = find("tools/siblings", Some(variant)).expect("tools/siblings is registered");
    let focus = scenario.invariants().into_iter().map(|i| i.name).find(|n| *n == bug.invariant);
    let options = RunOptions { focus, ..RunOptions::default() };
    match scenario.run(variant, ChoiceSource::Seed(seed), &options).outcome {
        Outcome::Violation(v) => (bug.matches)(&v.message),
        _ => false,
    }
}

fn found(id: &str) {
    let bug = bug(id).expect("a reported bug");
    for variant in bug.found_in {
        let seed = (0..BUDGET).find(|&s| shows(bug, variant, s));
        assert!(seed.is_some(), "S004-{id} not found in {variant} within {BUDGET} runs");
    }
}

fn fixed(id: &str) {
    let bug = bug(id).expect("a reported bug");
    for variant in bug.fixed_in {
        let seeds: Vec<u64> = (0..SILENT).filter(|&s| shows(bug, variant, s)).take(5).collect();
        assert!(seeds.is_empty(), "{variant} fixes S004-{id}, yet seeds {seeds:?} show it");
    }
}

macro_rules! bug_tests {
    ($found:ident, $fixed:ident, $id:literal) => {
        #[test]
        fn $found() {
            found($id);
        }

        #[test]
        fn $fixed() {
            fixed($id);
        }
    };
}

bug_tests!(c01_stream_mutex_serializes_siblings, c01_silent_after_the_revert, "C01");
bug_tests!(c02_fork_copies_a_torn_checkout, c02_silent_under_the_stream_locks_and_proposed, "C02");
bug_tests!(c03_rw_lock_reserializes_forks, c03_silent_after_the_revert, "C03");
bug_tests!(c04_concurrent_creates_lose_an_insert, c04_silent_once_the_create_is_locked, "C04");
bug_tests!(c05_config_tool_loses_an_update, c05_silent_under_the_document_lock, "C05");
bug_tests!(c06_process_ids_collide, c06_silent_with_reserved_ids, "C06");
bug_tests!(c07_tool_and_edit_config_race, c07_silent_under_the_shared_file_lock, "C07");
bug_tests!(c08_providers_and_secrets_writers_race, c08_silent_under_the_providers_lock, "C08");
bug_tests!(c09_route_priority_toctou, c09_silent_with_the_locked_merge, "C09");
bug_tests!(c10_queued_config_write_ignores_the_abort, c10_silent_where_queued_calls_see_the_abort, "C10");
bug_tests!(c11_direct_save_config_bypasses_the_lock, c11_silent_in_proposed, "C11");
