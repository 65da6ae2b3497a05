//! The few `--name value` flags of the peers' command lines; bad input is a one-line
//! error (the peers exit 2).

use std::collections::BTreeMap;
use std::ops::RangeInclusive;
use std::process::ExitCode;

use crate::spec::{Config, Faults, Variant, INVARIANTS};

pub struct Args(BTreeMap<String, String>);

/// A command's handler: its flags in, its exit code or a one-line error out.
pub type Command = fn(&mut Args) -> Result<ExitCode, String>;

/// Runs the command named first on the command line of `program`; bad input is one
/// line on stderr and exit code 2.
pub fn dispatch(program: &str, commands: &[(&str, Command)]) -> ExitCode {
    let names: Vec<&str> = commands.iter().map(|(n, _)| *n).collect();
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let result = argv.split_first().ok_or(format!("a command: {}", names.join(", "))).and_then(|(name, rest)| {
        let (_, command) = commands
            .iter()
            .find(|(n, _)| n == name)
            .ok_or(format!("unknown command {name:?}: {}", names.join(", ")))?;
        command(&mut Args::parse(rest)?)
    });
    result.unwrap_or_else(|message| {
        eprintln!("{program}: {message}");
        ExitCode::from(2)
    })
}

impl Args {
    pub fn parse(argv: &[String]) -> Result<Args, String> {
        let mut flags = BTreeMap::new();
        let mut it = argv.iter();
        while let Some(flag) = it.next() {
            let name = flag.strip_prefix("--").ok_or(format!("unexpected argument {flag:?}"))?;
            let value = it.next().ok_or(format!("--{name} needs a value"))?;
            if flags.insert(name.to_string(), value.clone()).is_some() {
                return Err(format!("--{name} given twice"));
            }
        }
        Ok(Args(flags))
    }

    pub fn text(&mut self, name: &str) -> Result<Option<String>, String> {
        Ok(self.0.remove(name))
    }

    pub fn number(&mut self, name: &str, default: u32, range: RangeInclusive<u32>) -> Result<u32, String> {
        match self.0.remove(name) {
            None => Ok(default),
            Some(v) => parse_in(name, &v, &range),
        }
    }

    pub fn list(&mut self, name: &str, default: &[u32], range: RangeInclusive<u32>) -> Result<Vec<u32>, String> {
        match self.0.remove(name) {
            None => Ok(default.to_vec()),
            Some(v) => v.split(',').map(|x| parse_in(name, x, &range)).collect(),
        }
    }

    /// One configuration: `--variant v4|v5|proposed` (required), `--tabs N` (2),
    /// `--ttl SECONDS` (the variant's), `--faults none|insert|crash|one` (one), and the
    /// invariant to check alone, `--invariant NAME` (all).
    pub fn config(&mut self) -> Result<(Config, Option<&'static str>), String> {
        let variant = self.text("variant")?.ok_or("--variant v4|v5|proposed is required")?;
        let variant = Variant::parse(&variant).ok_or(format!("unknown variant {variant:?}: v4, v5 or proposed"))?;
        let tabs = self.number("tabs", 2, 2..=4)?;
        let ttl_s = self.number("ttl", variant.default_ttl_s(), 30..=7650)?;
        if ttl_s % 30 != 0 {
            return Err(format!("--ttl {ttl_s}: a multiple of 30 s (one tick)"));
        }
        let faults = match self.text("faults")? {
            None => Faults::One,
            Some(f) => Faults::parse(&f).ok_or(format!("unknown faults {f:?}: none, insert, crash or one"))?,
        };
        let only = match self.text("invariant")? {
            None => None,
            Some(name) => Some(
                *INVARIANTS
                    .iter()
                    .find(|n| **n == name)
                    .ok_or(format!("unknown invariant {name:?}: {}", INVARIANTS.join(", ")))?,
            ),
        };
        Ok((Config::new(variant, tabs as u8, ttl_s, faults), only))
    }

    /// Every flag was used.
    pub fn done(&self) -> Result<(), String> {
        match self.0.keys().next() {
            Some(name) => Err(format!("unknown flag --{name}")),
            None => Ok(()),
        }
    }
}

fn parse_in(name: &str, value: &str, range: &RangeInclusive<u32>) -> Result<u32, String> {
    value.parse().ok().filter(|n| range.contains(n)).ok_or(format!(
        "--{name} {value:?}: a number in {}..={}",
        range.start(),
        range.end()
    ))
}
