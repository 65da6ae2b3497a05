//! Seeds and seed ranges as users type them: `17`, `0x2a`, `5000..6000`.

use std::str::FromStr;

/// Parses a seed in decimal or `0x` hex, with a one-line error for clap to print.
pub fn parse_seed(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let parsed = match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => t.parse(),
    };
    parsed.map_err(|_| format!("'{text}' is not a seed: expected a number such as 17 or 0x2a"))
}

/// The seeds `start..end`, end excluded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SeedRange {
    pub start: u64,
    pub end: u64,
}

impl FromStr for SeedRange {
    type Err = String;

    fn from_str(text: &str) -> Result<SeedRange, String> {
        let (a, b) = text
            .split_once("..")
            .ok_or_else(|| format!("'{text}' is not a seed range: expected A..B, e.g. 0..1000"))?;
        let (start, end) = (parse_seed(a)?, parse_seed(b)?);
        if start >= end {
            return Err(format!("seed range '{text}' is empty: A must be less than B"));
        }
        Ok(SeedRange { start, end })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_parse_in_decimal_and_hex_and_reject_garbage() {
        assert_eq!(parse_seed("17"), Ok(17));
        assert_eq!(parse_seed("0x2a"), Ok(42));
        assert!(parse_seed("seventeen").is_err());
        assert_eq!("5..9".parse(), Ok(SeedRange { start: 5, end: 9 }));
        assert!("9..5".parse::<SeedRange>().is_err());
        assert!("9".parse::<SeedRange>().is_err());
    }
}
