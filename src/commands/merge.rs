//! `lockstep merge`: the shard reports of one CI matrix combined into one report, as
//! if one campaign had run every shard's seeds.

use reports::merge::merge;
use reports::write::read_report;

use crate::cli::MergeArgs;
use crate::commands::{report, Exit};

pub fn run(args: &MergeArgs) -> anyhow::Result<Exit> {
    let formats = report::formats(&args.report)?;
    report::check_writable(&args.report)?;
    let parts = args.reports.iter().map(|p| read_report(p)).collect::<Result<Vec<_>, _>>()?;
    let merged = merge(parts)?;
    println!(
        "{} --variant {}: {} reports merged, seeds {}, {} runs, {} with violations",
        merged.scenario,
        merged.variant,
        args.reports.len(),
        merged.seeds,
        merged.runs,
        merged.violating_runs
    );
    for t in merged.invariants.iter().filter(|t| t.violating_runs > 0) {
        let first =
            t.first_seed.map_or_else(|| "only in cover branch runs".to_string(), |s| format!("first at seed {s}"));
        println!("  {}: {} runs, {first}", t.name, t.violating_runs);
    }
    if merged.corpus.still_failing > 0 {
        println!("  corpus: {} of {} cases still fail", merged.corpus.still_failing, merged.corpus.replayed);
    }
    if !merged.complete {
        println!("  incomplete: at least one shard did not finish");
    }
    let written = report::write(&merged, &args.report, &formats);
    Ok(match (merged.nondeterminism.is_some(), merged.failed(), written) {
        (true, ..) => Exit::Nondeterminism,
        (false, true, _) => Exit::Violation,
        (false, false, true) => Exit::Pass,
        (false, false, false) => Exit::BadInput,
    })
}
