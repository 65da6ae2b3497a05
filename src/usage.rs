//! Command-line errors in one line, as the README promises. clap's own are three to
//! seven lines (usage, tips, "for more information"), its tip for a negative number
//! (`use '-- -1'`) is wrong for lockstep, and it does not say when the bad value came
//! from a `LOCKSTEP_*` variable rather than the command line.

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::CommandFactory;

use crate::cli::Cli;

/// What to print for a clap error, and whether it is an error at all (`--help` and
/// `--version` are not).
pub enum Parsed {
    /// Help or version text, printed as clap renders it, exit 0.
    Info(String),
    /// One line for stderr, exit 2.
    Error(String),
}

/// The text for `e`, given the command line `argv` it came from.
pub fn explain(e: &clap::Error, argv: &[String]) -> Parsed {
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => return Parsed::Info(e.render().to_string()),
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            return Parsed::Error(format!("error: a subcommand is required; {}", more(argv)))
        }
        _ => {}
    }
    if let Some(line) = negative_number(e, argv) {
        return Parsed::Error(line);
    }
    let mut line = one_line(&e.render().to_string());
    if let Some(var) = from_environment(e, argv) {
        line.push_str(&format!(" (from the environment variable {var})"));
    }
    Parsed::Error(format!("{line}; {}", more(argv)))
}

/// clap's message without its usage block, its footer and its `-- -1` tip, joined
/// into one line: a heading ending in ':' takes the indented items after it.
fn one_line(rendered: &str) -> String {
    let parts: Vec<&str> = rendered
        .lines()
        .map(str::trim)
        .take_while(|p| !p.starts_with("Usage:") && !p.starts_with("For more information"))
        .filter(|p| !p.is_empty() && !p.contains("use '-- "))
        .collect();
    let Some((head, rest)) = parts.split_first() else { return "error: invalid command line".to_string() };
    if rest.is_empty() {
        head.to_string()
    } else if head.ends_with(':') {
        format!("{head} {}", rest.join(", "))
    } else {
        format!("{head}; {}", rest.join("; "))
    }
}

/// `--runs -1`: clap takes `-1` for a flag and suggests `-- -1`; say what is wrong.
fn negative_number(e: &clap::Error, argv: &[String]) -> Option<String> {
    if e.kind() != ErrorKind::UnknownArgument {
        return None;
    }
    let Some(ContextValue::String(value)) = e.get(ContextKind::InvalidArg) else { return None };
    let digits = value.strip_prefix('-')?;
    if digits.parse::<f64>().is_err() {
        return None;
    }
    let at = argv.iter().position(|a| a == value)?;
    let flag = argv.get(at.checked_sub(1)?)?;
    Some(format!("error: invalid value '{value}' for '{flag}': negative numbers are not accepted; {}", more(argv)))
}

/// The `LOCKSTEP_*` variable the bad value came from, when the flag itself was not
/// on the command line.
fn from_environment(e: &clap::Error, argv: &[String]) -> Option<String> {
    let Some(ContextValue::String(arg)) = e.get(ContextKind::InvalidArg) else { return None };
    let long = arg.split_whitespace().next()?.trim_start_matches("--");
    let typed = argv.iter().any(|a| a == &format!("--{long}") || a.starts_with(&format!("--{long}=")));
    if typed {
        return None;
    }
    let command = Cli::command();
    let var = command
        .get_subcommands()
        .flat_map(|s| s.get_arguments())
        .filter(|a| a.get_long() == Some(long))
        .find_map(|a| a.get_env().map(|v| v.to_string_lossy().into_owned()))?;
    std::env::var_os(&var).is_some().then_some(var)
}

/// Where to read more, naming the subcommand when there is one.
fn more(argv: &[String]) -> String {
    let sub = argv.get(1).filter(|a| !a.starts_with('-'));
    match sub {
        Some(sub) => format!("see 'lockstep {sub} --help'"),
        None => "see 'lockstep --help'".to_string(),
    }
}
