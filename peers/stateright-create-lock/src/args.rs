//! The few `--name value` flags of the peer; bad input is a one-line error (exit 2).

use std::collections::BTreeMap;
use std::ops::RangeInclusive;

pub struct Args(BTreeMap<String, String>);

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
