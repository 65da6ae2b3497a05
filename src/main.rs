//! `lockstep`: the command line. Thin by design: it parses arguments, calls the
//! library crates, and maps results to exit codes (0 pass, 1 violation, 2 bad input,
//! 3 nondeterminism).

mod campaign;
mod cli;
mod commands;
mod seeds;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};
use crate::commands::Exit;

fn main() -> ExitCode {
    let cli = Cli::parse();
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
        Ok(exit) => exit.code(),
        Err(e) => {
            eprintln!("error: {e}");
            Exit::BadInput.code()
        }
    }
}

/// `RUST_LOG=lockstep=debug` shows every model note as it happens, stamped with its
/// simulated time (the `sim_ms` field); wall-clock timestamps are left out.
fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn"));
    tracing_subscriber::fmt().with_env_filter(filter).without_time().with_writer(std::io::stderr).init();
}
