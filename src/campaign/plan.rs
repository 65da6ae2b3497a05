//! Which seeds a campaign runs: a start, a count or none (a time budget decides), and
//! a shard that strides through the seed space so that CI jobs never overlap.

use std::str::FromStr;

/// Shard `index` of `count` (1-based, as CI matrices number jobs): it runs every
/// `count`-th seed starting from the `index`-th, so shards are disjoint and together
/// cover every seed, whatever the budget of each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(text: &str) -> Result<Shard, String> {
        let bad = || format!("'{text}' is not a shard: expected K/N with 1 <= K <= N, e.g. 2/4");
        let (k, n) = text.split_once('/').ok_or_else(bad)?;
        let (index, count): (u64, u64) = (k.trim().parse().map_err(|_| bad())?, n.trim().parse().map_err(|_| bad())?);
        if index == 0 || count == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// The seeds of one campaign: the seed range `start..end` (or without end, until the
/// time budget), of which a shard takes every `count`-th seed from its `index`-th, so
/// the shards of one range together run exactly that range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SeedPlan {
    pub start: u64,
    /// Exclusive; `None` runs until the time budget or the seed space ends.
    pub end: Option<u64>,
    pub shard: Option<Shard>,
}

impl SeedPlan {
    fn offset_stride(&self) -> (u64, u64) {
        self.shard.map_or((0, 1), |s| (s.index - 1, s.count))
    }

    /// The seed of run `i`, or `None` past the end of the plan or of the seed space.
    pub fn seed(&self, i: u64) -> Option<u64> {
        let (offset, stride) = self.offset_stride();
        let seed = i.checked_mul(stride)?.checked_add(offset)?.checked_add(self.start)?;
        (self.end.is_none_or(|end| seed < end)).then_some(seed)
    }

    /// How many runs the plan has, if it is bounded.
    pub fn runs(&self) -> Option<u64> {
        let (offset, stride) = self.offset_stride();
        self.end.map(|end| (end - self.start).saturating_sub(offset).div_ceil(stride))
    }

    /// How the plan reads in headers: `seeds 0..1000`, `shard 2/4 of seeds 0..1000`.
    pub fn describe(&self) -> String {
        let range = match self.end {
            Some(end) => format!("seeds {}..{end}", self.start),
            None => format!("seeds {}.. until the time budget", self.start),
        };
        match self.shard {
            Some(s) => {
                format!("shard {s} of {range} ({} runs)", self.runs().map_or("?".to_string(), |r| r.to_string()))
            }
            None => format!("{range} ({} runs)", self.runs().map_or("?".to_string(), |r| r.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_are_disjoint_and_cover_every_seed() {
        let plans: Vec<SeedPlan> = (1..=3)
            .map(|index| SeedPlan { start: 10, end: Some(21), shard: Some(Shard { index, count: 3 }) })
            .collect();
        let mut seeds: Vec<u64> = plans.iter().flat_map(|p| (0..10).filter_map(|i| p.seed(i))).collect();
        seeds.sort_unstable();
        assert_eq!(seeds, (10..21).collect::<Vec<_>>());
        assert_eq!(plans.iter().map(|p| p.runs().unwrap()).collect::<Vec<_>>(), [4, 4, 3]);
    }

    #[test]
    fn shard_syntax_is_checked() {
        assert_eq!("2/4".parse(), Ok(Shard { index: 2, count: 4 }));
        for bad in ["0/4", "5/4", "2", "a/b", "1/0"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }

    #[test]
    fn the_seed_space_ends_without_overflow() {
        let plan = SeedPlan { start: u64::MAX - 1, end: None, shard: None };
        assert_eq!(plan.seed(1), Some(u64::MAX));
        assert_eq!(plan.seed(2), None);
    }
}
