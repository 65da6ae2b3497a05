//! `--seed-base`: where a campaign's seeds start when the user does not list them, so
//! that a nightly job runs fresh seeds every night and any night can be run again.
//!
//! `date` gives `YYYYMMDD * 10^8` for today's UTC date (seeds `2026120500000000..`:
//! a hundred million per night, readable, and below 2^53 so JSON readers keep every
//! digit); `commit` gives the first 12 hex digits of `$GITHUB_SHA` (or of
//! `git rev-parse HEAD`) as a number; a number is used as given. The value is printed
//! and recorded in the report, and `--seed-base VALUE` runs the same seeds again.

use std::str::FromStr;

use reports::campaign::SeedBase;

/// What the user asked for; resolved to a number by [`BaseSpec::resolve`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BaseSpec {
    Value(u64),
    Date,
    Commit,
}

impl FromStr for BaseSpec {
    type Err = String;

    fn from_str(text: &str) -> Result<BaseSpec, String> {
        match text.trim() {
            "date" => Ok(BaseSpec::Date),
            "commit" => Ok(BaseSpec::Commit),
            other => crate::seeds::parse_seed(other)
                .map(BaseSpec::Value)
                .map_err(|_| format!("'{text}' is not a seed base: expected a number, 'date' or 'commit'")),
        }
    }
}

/// Seeds per day under `date`.
const PER_DAY: u64 = 100_000_000;

impl BaseSpec {
    /// The base this spec names now. Reads the wall clock (for `date`) or the commit:
    /// only to pick where the seeds start, never inside a run.
    pub fn resolve(&self) -> anyhow::Result<SeedBase> {
        Ok(match self {
            BaseSpec::Value(value) => SeedBase { value: *value, source: "given".to_string() },
            BaseSpec::Date => {
                #[allow(clippy::disallowed_methods)] // Picks the night's seeds; printed and recorded.
                let now = std::time::SystemTime::now();
                let secs = now.duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
                let (y, m, d) = civil_date(secs / 86_400);
                SeedBase { value: (y * 10_000 + m * 100 + d) * PER_DAY, source: format!("date {y:04}-{m:02}-{d:02}") }
            }
            BaseSpec::Commit => {
                let sha = commit()?;
                let hex: String = sha.chars().take(12).collect();
                let value = u64::from_str_radix(&hex, 16)
                    .map_err(|_| anyhow::anyhow!("'{sha}' is not a commit hash: cannot derive a seed base"))?;
                SeedBase { value, source: format!("commit {hex}") }
            }
        })
    }
}

/// `$GITHUB_SHA`, or the checkout's `HEAD`.
fn commit() -> anyhow::Result<String> {
    if let Some(sha) = std::env::var("GITHUB_SHA").ok().filter(|s| !s.trim().is_empty()) {
        return Ok(sha.trim().to_string());
    }
    let out = std::process::Command::new("git")
        .args(["rev-parse", "HEAD"])
        .output()
        .map_err(|e| anyhow::anyhow!("--seed-base commit: cannot run git rev-parse HEAD: {e}"))?;
    if !out.status.success() {
        anyhow::bail!("--seed-base commit: not in a git checkout and $GITHUB_SHA is not set");
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The proleptic Gregorian date of day `days` since 1970-01-01 (H. Hinnant's
/// `civil_from_days`), as (year, month, day).
fn civil_date(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_specs_parse() {
        assert_eq!(civil_date(0), (1970, 1, 1));
        assert_eq!(civil_date(20_427), (2025, 12, 5));
        assert_eq!(civil_date(11_016), (2000, 2, 29));
        assert_eq!("date".parse(), Ok(BaseSpec::Date));
        assert_eq!("0x10".parse(), Ok(BaseSpec::Value(16)));
        assert!("tomorrow".parse::<BaseSpec>().is_err());
        let base = BaseSpec::Date.resolve().unwrap();
        assert!(base.value < 1 << 53 && base.value % PER_DAY == 0, "{base:?}");
    }
}
