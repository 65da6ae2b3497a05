//! `lockstep shrink --case FILE`: shrinks a case file to a smaller one that fails the
//! same invariant, and writes it (over the input unless `--out` says otherwise).

use anyhow::{bail, Context};
use std::sync::atomic::Ordering;

use corpus::{minimize_until, write_atomic, Case, ShrinkConfig};

use crate::cli::ShrinkArgs;
use crate::commands::{replay_case_command, tuned, Exit};

pub fn run(args: &ShrinkArgs) -> anyhow::Result<Exit> {
    let mut case = Case::load(&args.case)?;
    let (scenario, _) = case.target(&args.case)?;
    if !args.tuning.params.is_empty() || args.tuning.faults.is_some() {
        // Overrides replace what the case recorded; the shrunk case records them.
        let options = tuned(scenario, &args.tuning, case.options(scenario))?;
        case = case.with_options(scenario, &options);
    }
    #[allow(clippy::disallowed_methods)] // Wall time for the summary line only.
    let started = std::time::Instant::now();
    // Ctrl-C (or SIGTERM, SIGHUP) stops between candidate batches; the smallest case
    // found so far is written.
    let stop = crate::commands::run::stop_on_signals();
    let Some(m) = minimize_until(scenario, &case, ShrinkConfig { max_runs: args.runs }, &stop) else {
        bail!("case file {} no longer fails {}: nothing to shrink", args.case.display(), case.invariant);
    };
    let out = args.out.as_ref().unwrap_or(&args.case);
    write_atomic(out, m.case.to_json().as_bytes()).with_context(|| format!("cannot write {}", out.display()))?;
    println!(
        "shrunk {} from {} to {} model steps ({} to {} choices) in {} runs, {:.1}s",
        case.invariant,
        case.model_steps,
        m.case.model_steps,
        case.tape.len(),
        m.case.tape.len(),
        m.runs,
        started.elapsed().as_secs_f64()
    );
    if stop.load(Ordering::Relaxed) {
        println!("interrupted: this is the smallest case found so far");
    }
    println!("wrote {}\n  replay: {}", out.display(), replay_case_command(out));
    Ok(Exit::Pass)
}
