//! Goal witnesses in the corpus: the first run that reached each `sometimes` goal,
//! saved under `goals/<scenario>.<variant>/<goal>.json` and replayed by the next
//! campaign of that variant, which says whether each still reaches its goal; a
//! `--strategy cover` campaign also starts from their prefixes, so it explores from
//! where earlier campaigns reached a goal without waiting to reach it again.

use std::collections::BTreeMap;

use corpus::{Case, Corpus};
use scenarios::{RunOptions, Scenario};
use sim::cover::CoverPlan;

use crate::commands::replay_case_command;

/// Replays the witnesses of `scenario`/`variant`; gives `cover` the prefixes of
/// those recorded with the campaign's parameters and fault filter.
pub fn replay(
    corpus: Option<&Corpus>,
    scenario: &'static dyn Scenario,
    variant: &str,
    options: &RunOptions,
    mut cover: Option<&mut CoverPlan>,
) -> anyhow::Result<()> {
    let Some(corpus) = corpus else { return Ok(()) };
    let witnesses = corpus.witnesses_for(scenario.name(), variant)?;
    if witnesses.is_empty() {
        return Ok(());
    }
    let (mut reached, mut seeded) = (0, 0);
    for (path, case) in &witnesses {
        let goal = case.goal.as_deref().unwrap_or_default();
        let replay = case.replay(scenario, false);
        if replay.result.goals.iter().any(|h| h.goal == goal) {
            reached += 1;
        } else {
            println!("goal witness {} no longer reaches {goal} (the model changed since)", path.display());
        }
        if let (Some(plan), Some(prefix)) = (cover.as_deref_mut(), case.goal_prefix()) {
            if case.recorded_with(scenario, options) {
                plan.add_witness(goal, prefix);
                seeded += 1;
            }
        }
        if let Some(key) = replay.result.outcome.key().filter(|k| *k != case.invariant) {
            println!("goal witness {} now fails {key}: {}", path.display(), replay_case_command(path));
        }
    }
    let cover_note = if cover.is_some() { format!("; cover starts from {seeded} of them") } else { String::new() };
    println!("goal witnesses: {} replayed, {reached} still reach their goal{cover_note}", witnesses.len());
    Ok(())
}

/// Saves the witness of every goal that has none in the corpus yet.
pub fn save(corpus: Option<&Corpus>, witnesses: &BTreeMap<&'static str, Case>) {
    let Some(corpus) = corpus else { return };
    let mut saved = 0;
    for case in witnesses.values() {
        match corpus.save_witness(case) {
            Ok(Some(_)) => saved += 1,
            Ok(None) => {}
            Err(e) => eprintln!("warning: cannot write a goal witness into {}: {e}", corpus.dir.display()),
        }
    }
    if saved > 0 {
        let dir = witnesses.values().next().map(|c| corpus.witness_dir(&c.scenario, &c.variant));
        println!("goal witnesses: {saved} new, saved in {}", dir.unwrap_or_default().display());
    }
}
