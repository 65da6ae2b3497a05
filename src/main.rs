//! `lockstep`: the command line. Thin by design: it parses arguments, calls the
//! library crates, and maps results to exit codes (0 pass, 1 violation, 2 bad input
//! or unwritable output, 3 nondeterminism).

// First, so that its `println!` and friends (which never panic) replace `std`'s in
// every module below.
#[macro_use]
mod output;

mod allocator;
mod campaign;
mod cli;
mod commands;
mod seed_base;
mod seeds;
mod usage;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};
use crate::commands::Exit;

#[global_allocator]
static ALLOCATOR: allocator::Allocator = allocator::Allocator;

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args_os().map(|a| a.to_string_lossy().into_owned()).collect();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            return match usage::explain(&e, &argv) {
                usage::Parsed::Info(text) => {
                    print!("{text}");
                    Exit::Pass.code()
                }
                usage::Parsed::Error(line) => {
                    eprintln!("{line}");
                    Exit::BadInput.code()
                }
            };
        }
    };
    init_logging();
    let result = match cli.command {
        Command::List => commands::list::run(),
        Command::Run(args) => commands::run::run(&args),
        Command::Repro(args) => commands::repro::run(&args),
        Command::Shrink(args) => commands::shrink::run(&args),
        Command::Merge(args) => commands::merge::run(&args),
        Command::Review(args) => commands::review::run(&args),
        Command::Bench(args) => commands::bench::run(&args),
    };
    match result {
        // Output that could not be delivered (a full disk, not a closed pipe) fails a
        // passing command; a violation or nondeterminism keeps its own code.
        Ok(Exit::Pass) if output::stdout_error().is_some() => Exit::BadInput.code(),
        Ok(exit) => exit.code(),
        Err(e) => {
            eprintln!("error: {}", one_line(&e));
            Exit::BadInput.code()
        }
    }
}

/// The error with every cause that its message does not already state, so the OS
/// cause is never lost ("cannot create corpus folder X: Permission denied") and never
/// said twice.
fn one_line(e: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in e.chain().map(|c| c.to_string()) {
        if line.is_empty() {
            line = cause;
        } else if !line.contains(&cause) {
            line = format!("{line}: {cause}");
        }
    }
    line.replace('\n', " ")
}

/// `RUST_LOG=lockstep=debug` shows every model note as it happens, stamped with its
/// simulated time (the `sim_ms` field); wall-clock timestamps are left out.
fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn"));
    tracing_subscriber::fmt().with_env_filter(filter).without_time().with_writer(std::io::stderr).init();
}
