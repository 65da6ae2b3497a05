//! The executor against the plain event loop, in alternating rounds on the same seeds.
//!
//! Why rounds: measured back to back, the executor's runs and then the loop's, the ratio
//! moved by a quarter between three bench runs on a shared VM (3.35x, 4.20x, 3.47x in
//! session 9), while the instruction counts of the two did not move at all. A burst of
//! load, or the core's clock changing, during one of the two halves lands on one side
//! of the ratio only. Here the seeds are cut into rounds; each round times both on the
//! same seeds, the executor first in even rounds and the loop first in odd ones, and
//! gives a ratio of its own. The median of those ignores a round a burst hit, and
//! their range shows how far the figure can be trusted on this machine.

use std::ops::Range;

use crate::commands::bench::{measure, Measured};

/// How many rounds the seeds are cut into (odd, so the median is one round's ratio).
const ROUNDS: u64 = 7;

/// Both sides' totals over every round, and each round's ratio.
pub struct Comparison {
    pub engine: Measured,
    pub plain: Measured,
    /// Each round's `plain / executor` ratio of runs per second.
    pub ratios: Vec<f64>,
}

/// The seeds of each round: `0..runs` cut into at most [`ROUNDS`] contiguous, nonempty
/// ranges.
fn rounds(runs: u64) -> Vec<Range<u64>> {
    let n = ROUNDS.min(runs);
    (0..n).map(|r| r * runs / n..(r + 1) * runs / n).collect()
}

/// Times `engine` and `plain` on seeds `0..runs`, in alternating rounds.
pub fn compare(runs: u64, mut engine: impl FnMut(u64) -> u64, mut plain: impl FnMut(u64) -> u64) -> Comparison {
    let mut total = [Measured { runs: 0, events: 0, secs: 0.0 }, Measured { runs: 0, events: 0, secs: 0.0 }];
    let mut ratios = Vec::new();
    for (r, seeds) in rounds(runs).into_iter().enumerate() {
        let time = |one: &mut dyn FnMut(u64) -> u64| measure(seeds.clone(), one, &mut || {});
        let [e, p] = if r % 2 == 0 {
            let e = time(&mut engine);
            [e, time(&mut plain)]
        } else {
            let p = time(&mut plain);
            [time(&mut engine), p]
        };
        ratios.push(e.secs / p.secs);
        for (sum, m) in total.iter_mut().zip([e, p]) {
            sum.runs += m.runs;
            sum.events += m.events;
            sum.secs += m.secs;
        }
    }
    let [engine, plain] = total;
    Comparison { engine, plain, ratios }
}

impl Comparison {
    /// The median round's ratio.
    pub fn median(&self) -> f64 {
        let mut sorted = self.ratios.clone();
        sorted.sort_by(f64::total_cmp);
        sorted[sorted.len() / 2]
    }

    /// The line `bench` prints: the median ratio, and the range of the rounds'.
    pub fn ratio_line(&self) -> String {
        let (lo, hi) = self.ratios.iter().fold((f64::MAX, f64::MIN), |(lo, hi), &r| (lo.min(r), hi.max(r)));
        format!(
            "ratio (plain / executor, runs per second): {:.2}x (target: within 3x); the median of {} alternating \
             rounds on the same seeds, which ranged {lo:.2}x to {hi:.2}x",
            self.median(),
            self.ratios.len()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_cover_every_seed_once_in_order() {
        for runs in [1, 2, 6, 7, 8, 20, 1001] {
            let r = rounds(runs);
            assert_eq!(r.len() as u64, runs.min(ROUNDS), "{runs}");
            assert!(r.iter().all(|s| s.start < s.end), "{runs}: {r:?}");
            let seeds: Vec<u64> = r.into_iter().flatten().collect();
            assert_eq!(seeds, (0..runs).collect::<Vec<_>>(), "{runs}");
        }
    }

    #[test]
    fn both_sides_run_every_seed_and_the_median_is_a_rounds_ratio() {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        let c = compare(
            20,
            |s| {
                a.push(s);
                2
            },
            |s| {
                b.push(s);
                1
            },
        );
        assert_eq!(a, (0..20).collect::<Vec<_>>());
        assert_eq!(b, a);
        assert_eq!(c.ratios.len() as u64, ROUNDS);
        assert!(c.ratios.contains(&c.median()));
        let line = c.ratio_line();
        assert!(line.starts_with("ratio (plain / executor, runs per second): "), "{line}");
        assert!(line.contains("median of 7 alternating rounds"), "{line}");
    }
}
