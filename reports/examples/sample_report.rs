//! Writes sample campaign reports with real, shrunk failures, for looking at them in
//! a browser: `cargo run -p reports --example sample_report -- OUT_DIR` writes
//! `OUT_DIR/demo-lock/` (demo/lock check-then-set) and `OUT_DIR/launcher-multi-tab/`
//! (launcher/multi-tab v0), each with every format. `scripts/check-html-report.sh`
//! renders their `report.html` in headless Chromium.

#[path = "../tests/campaign/fixtures.rs"]
mod fixtures;

use std::path::PathBuf;
use std::process::ExitCode;

use fixtures::{campaign, Plan};
use reports::write::{write_report, Format};

fn main() -> ExitCode {
    let Some(out) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: sample_report OUT_DIR");
        return ExitCode::from(2);
    };
    let plan = Plan { shrink_runs: Some(2_000), max_failures: 2, ..Plan::default() };
    let samples = [
        ("demo-lock", campaign("demo/lock", "check-then-set", 0..=199, plan)),
        ("launcher-multi-tab", campaign("launcher/multi-tab", "v0", 0..=29, plan)),
    ];
    for (folder, report) in samples {
        match write_report(&report, &out.join(folder), &Format::ALL) {
            Ok(paths) => {
                for p in paths {
                    println!("{}", p.display());
                }
            }
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        }
    }
    ExitCode::SUCCESS
}
