use reports::markdown::{append_to_step_summary, render};

use crate::fixtures::{campaign, Plan};

#[test]
fn the_summary_has_the_verdict_the_tables_and_the_replays() {
    let report = campaign("demo/lock", "check-then-set", 0..=19, Plan::default());
    let md = render(&report);
    assert!(md.contains("**FAIL**"), "{md}");
    assert!(md.contains("| `mutual-exclusion` | safety |"), "{md}");
    assert!(md.contains("| `net.reply.lost` |"), "{md}");
    assert!(md.contains("replay: `lockstep repro demo/lock --variant check-then-set --seed 0`"), "{md}");
}

#[test]
fn the_summary_is_appended_to_the_step_summary_only_when_it_is_set() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("step-summary.md");
    std::fs::write(&path, "earlier step\n").unwrap();
    assert!(!append_to_step_summary("# x", None).unwrap());
    assert!(!append_to_step_summary("# x", Some(std::path::Path::new(""))).unwrap());
    assert!(append_to_step_summary("# lockstep", Some(&path)).unwrap());
    assert!(append_to_step_summary("# again", Some(&path)).unwrap());
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "earlier step\n# lockstep\n# again\n");
}
