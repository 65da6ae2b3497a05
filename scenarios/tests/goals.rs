//! Every `sometimes` goal a run reaches is one its scenario declares (so reports list
//! it with its doc line, and a misspelt mark cannot go unnoticed), and every scenario
//! declares some.

use scenarios::{all, RunOptions};
use sim::ChoiceSource;

#[test]
fn every_goal_reached_is_declared_by_its_scenario() {
    for scenario in all() {
        let declared: Vec<&str> = scenario.goals().iter().map(|g| g.name).collect();
        if scenario.name().starts_with("fixture/") {
            continue;
        }
        assert!(!declared.is_empty(), "{} declares no goals", scenario.name());
        for variant in scenario.variants() {
            for seed in 0..3 {
                let result = scenario.run(variant.name, ChoiceSource::Seed(seed), &RunOptions::default());
                for hit in &result.goals {
                    assert!(
                        declared.contains(&hit.goal),
                        "{} --variant {} seed {seed} reached {}, which it does not declare",
                        scenario.name(),
                        variant.name,
                        hit.goal
                    );
                }
            }
        }
    }
}
