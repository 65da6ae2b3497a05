//! Replays one seed of `devserver/redis-lock` with parameter overrides (the CLI has
//! no `--param` yet) and prints its model steps, or counts the violating seeds of a
//! range.
//!
//! `cargo run --release --example devserver_probe -- VARIANT SEED INVARIANT [NAME=VALUE ...]`
//! prints seed SEED's timeline checking only INVARIANT (`all` checks every one).
//! `cargo run --release --example devserver_probe -- VARIANT A..B INVARIANT [NAME=VALUE ...]`
//! counts the seeds in A..B that violate it, and names the first.
//! Add `faults=off` to run without faults.

use scenarios::{find, FaultMode, Params, RunOptions};
use sim::ChoiceSource;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 3 {
        eprintln!("usage: devserver_probe VARIANT SEED|A..B INVARIANT [NAME=VALUE ...] [faults=off]");
        std::process::exit(2);
    }
    let (scenario, variant) = match find("devserver/redis-lock", Some(&args[0])) {
        Ok(found) => found,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let faults_off = args[3..].iter().any(|a| a == "faults=off");
    let pairs = args[3..].iter().filter(|a| *a != "faults=off").map(String::as_str);
    let params = match Params::parse(scenario.name(), scenario.params(), pairs) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let faults = if faults_off { FaultMode::Off } else { FaultMode::Swarm };
    let mut options = RunOptions { faults, ..RunOptions::default() }.with_params(params);
    if args[2] != "all" {
        let name = scenario.invariants().into_iter().find(|i| i.name == args[2]).map(|i| i.name);
        let Some(name) = name else {
            eprintln!("no invariant {}", args[2]);
            std::process::exit(2);
        };
        options = options.focused(name);
    }
    if let Some((a, b)) = args[1].split_once("..") {
        let (a, b): (u64, u64) = (a.parse().unwrap_or(0), b.parse().unwrap_or(0));
        let hits: Vec<u64> =
            (a..b).filter(|&s| !scenario.run(variant, ChoiceSource::Seed(s), &options).outcome.is_pass()).collect();
        println!("{} of {} seeds violate; first: {:?}", hits.len(), b - a, hits.first());
        return;
    }
    let seed: u64 = args[1].parse().unwrap_or(0);
    let result = scenario.run(variant, ChoiceSource::Seed(seed), &options.full_trace());
    print!("{}", reports::timeline::render_steps(&result, Some(60)));
    println!("{}", reports::timeline::outcome_line(&result.outcome));
}
