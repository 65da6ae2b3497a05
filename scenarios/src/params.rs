//! Scenario parameters: every number or switch a model takes from its source text, and
//! every `[A]` assumption the text leaves open, as a named value with a default, a
//! unit and a sentence of why.
//!
//! A scenario declares its parameters as constants ([`ParamInfo`]) and reads them
//! through [`Params::get`], so a typo cannot compile and `list` can show every one.
//! [`Params`] holds only the overrides a user gave (`--param lock_ttl_ms=300000`);
//! everything else is the declared default. Values are integers: a switch is 0 or 1,
//! a choice is the index of its name, so no float reaches a decision.

use thiserror::Error;

/// What kind of value a parameter holds, and how a user writes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamKind {
    /// A count or a duration; `unit` is shown by `list` (`ms`, `tabs`, `ppm`).
    Number { unit: &'static str },
    /// `true`/`false` (or `1`/`0`).
    Switch,
    /// One of these names; the value is its index.
    Choice(&'static [&'static str]),
}

/// One parameter as a scenario declares it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParamInfo {
    /// The name users type: `lock_ttl_ms`, `tabs`, `release`.
    pub name: &'static str,
    pub kind: ParamKind,
    pub default: u64,
    /// What it is and where its default comes from (the text's line, or why the
    /// assumption reads the text that way).
    pub doc: &'static str,
    /// An `[A]` assumption: the source text does not state it.
    pub assumption: bool,
}

impl ParamInfo {
    /// A stated number with its unit.
    pub const fn number(name: &'static str, unit: &'static str, default: u64, doc: &'static str) -> ParamInfo {
        ParamInfo { name, kind: ParamKind::Number { unit }, default, doc, assumption: false }
    }

    /// A switch, off (`false`) or on (`true`) by default.
    pub const fn switch(name: &'static str, default: bool, doc: &'static str) -> ParamInfo {
        ParamInfo { name, kind: ParamKind::Switch, default: default as u64, doc, assumption: false }
    }

    /// One of `options`, the one at index `default` by default.
    pub const fn choice(
        name: &'static str,
        options: &'static [&'static str],
        default: u64,
        doc: &'static str,
    ) -> ParamInfo {
        ParamInfo { name, kind: ParamKind::Choice(options), default, doc, assumption: false }
    }

    /// Marks this parameter as an `[A]` assumption.
    pub const fn assumed(self) -> ParamInfo {
        ParamInfo { assumption: true, ..self }
    }

    /// `value` as a user would write it: `300000`, `true`, `owner-only`.
    pub fn display(&self, value: u64) -> String {
        match self.kind {
            ParamKind::Number { .. } => value.to_string(),
            ParamKind::Switch => (value != 0).to_string(),
            ParamKind::Choice(options) => {
                options.get(value as usize).map_or_else(|| value.to_string(), |s| s.to_string())
            }
        }
    }

    /// Parses a value written by a user.
    pub fn parse(&self, text: &str) -> Result<u64, ParamError> {
        let bad =
            |expected: String| ParamError::BadValue { name: self.name.to_string(), value: text.to_string(), expected };
        match self.kind {
            ParamKind::Number { unit } => text.parse().map_err(|_| bad(format!("a whole number of {unit}"))),
            ParamKind::Switch => match text {
                "true" | "1" | "on" => Ok(1),
                "false" | "0" | "off" => Ok(0),
                _ => Err(bad("true or false".to_string())),
            },
            ParamKind::Choice(options) => options
                .iter()
                .position(|o| *o == text)
                .map(|i| i as u64)
                .ok_or_else(|| bad(format!("one of {}", options.join(", ")))),
        }
    }
}

/// Why a `--param` was not accepted.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ParamError {
    #[error("'{0}' is not NAME=VALUE")]
    Syntax(String),
    #[error("scenario '{scenario}' has no parameter '{name}' (parameters: {known})")]
    Unknown { scenario: String, name: String, known: String },
    #[error("parameter '{name}': '{value}' is not {expected}")]
    BadValue { name: String, value: String, expected: String },
}

/// The parameter overrides of a run: only what differs from the declared defaults.
/// Sorted by name, so two equal sets compare and serialize the same.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Params {
    overrides: Vec<(&'static str, u64)>,
}

impl Params {
    /// No overrides: every parameter at its default.
    pub fn defaults() -> Params {
        Params::default()
    }

    /// The value of `param` in this run.
    pub fn get(&self, param: &ParamInfo) -> u64 {
        self.overrides.iter().find(|(n, _)| *n == param.name).map_or(param.default, |(_, v)| *v)
    }

    /// A switch's value.
    pub fn on(&self, param: &ParamInfo) -> bool {
        self.get(param) != 0
    }

    /// Sets `param` to `value` (a value equal to the default is dropped).
    pub fn set(&mut self, param: &ParamInfo, value: u64) {
        self.overrides.retain(|(n, _)| *n != param.name);
        if value != param.default {
            self.overrides.push((param.name, value));
            self.overrides.sort_unstable();
        }
    }

    /// Builder form of [`Params::set`].
    pub fn with(mut self, param: &ParamInfo, value: u64) -> Params {
        self.set(param, value);
        self
    }

    /// Parses `NAME=VALUE` overrides against a scenario's declared parameters.
    pub fn parse<'a>(
        scenario: &str,
        declared: &[ParamInfo],
        pairs: impl IntoIterator<Item = &'a str>,
    ) -> Result<Params, ParamError> {
        let mut params = Params::default();
        for pair in pairs {
            let (name, value) = pair.split_once('=').ok_or_else(|| ParamError::Syntax(pair.to_string()))?;
            let info = declared.iter().find(|p| p.name == name.trim()).ok_or_else(|| ParamError::Unknown {
                scenario: scenario.to_string(),
                name: name.to_string(),
                known: if declared.is_empty() {
                    "none".to_string()
                } else {
                    declared.iter().map(|p| p.name).collect::<Vec<_>>().join(", ")
                },
            })?;
            params.set(info, info.parse(value.trim())?);
        }
        Ok(params)
    }

    /// The overrides as `(name, value)` pairs, sorted by name.
    pub fn overrides(&self) -> &[(&'static str, u64)] {
        &self.overrides
    }

    pub fn is_default(&self) -> bool {
        self.overrides.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TTL: ParamInfo = ParamInfo::number("lock_ttl_ms", "ms", 60_000, "the lock's TTL");
    const OWNER: ParamInfo = ParamInfo::switch("owner_release", true, "release compares the owner").assumed();
    const MODE: ParamInfo = ParamInfo::choice("release", &["del", "compare-and-delete"], 0, "how to release");
    const ALL: &[ParamInfo] = &[TTL, OWNER, MODE];

    #[test]
    fn defaults_apply_until_overridden() {
        let p = Params::parse("s", ALL, ["lock_ttl_ms=300000", "release=compare-and-delete"]).unwrap();
        assert_eq!(p.get(&TTL), 300_000);
        assert_eq!(p.get(&MODE), 1);
        assert!(p.on(&OWNER));
        assert_eq!(p.overrides().len(), 2);
        assert!(Params::parse("s", ALL, ["lock_ttl_ms=60000"]).unwrap().is_default(), "a default value is no override");
    }

    #[test]
    fn bad_overrides_say_what_was_expected() {
        assert!(matches!(Params::parse("s", ALL, ["ttl"]), Err(ParamError::Syntax(_))));
        assert!(matches!(Params::parse("s", ALL, ["nope=1"]), Err(ParamError::Unknown { .. })));
        let e = Params::parse("s", ALL, ["release=maybe"]).unwrap_err().to_string();
        assert!(e.contains("one of del, compare-and-delete"), "{e}");
        let e = Params::parse("s", ALL, ["owner_release=yes"]).unwrap_err().to_string();
        assert!(e.contains("true or false"), "{e}");
    }

    #[test]
    fn values_display_as_users_write_them() {
        assert_eq!(MODE.display(1), "compare-and-delete");
        assert_eq!(OWNER.display(0), "false");
        assert_eq!(TTL.display(5), "5");
    }
}
