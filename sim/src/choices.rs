//! The one interface through which every nondeterministic decision is drawn.
//!
//! A fresh run draws from a ChaCha8 stream seeded by a `u64` (a named, portable
//! algorithm, never `StdRng`). A replay draws from a recorded tape; a value out of range
//! for its bound is clamped, and a tape that runs out continues with 0, the simplest
//! value of every kind, so any edited tape is still a valid run. Either way each draw
//! is recorded, so the tape of a replay is the tape that actually drove it.
//! Only integers: probabilities are integer ratios, never floats.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::node::NodeId;
use crate::pct::{Pct, PctConfig};
use crate::tape::{Choice, ChoiceKind, Tape};

/// Where a run's decisions come from.
#[derive(Clone, Debug)]
pub enum ChoiceSource {
    /// A fresh run from a seed.
    Seed(u64),
    /// A replay (or an edited tape, while shrinking).
    Tape(Tape),
    /// A fresh run from a seed whose schedule decisions follow PCT priorities
    /// ([`crate::pct`]); every other value is drawn as in a `Seed` run.
    Pct { seed: u64, config: PctConfig },
}

/// A probability as an integer ratio `num / den`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Ratio {
    pub num: u32,
    pub den: u32,
}

impl Ratio {
    pub const NEVER: Ratio = Ratio { num: 0, den: 1 };
    pub const ALWAYS: Ratio = Ratio { num: 1, den: 1 };

    pub const fn new(num: u32, den: u32) -> Ratio {
        assert!(den > 0 && num <= den, "a ratio is num/den with 0 <= num <= den");
        Ratio { num, den }
    }
}

impl std::fmt::Display for Ratio {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.num, self.den)
    }
}

enum Stream {
    Rng(Box<ChaCha8Rng>),
    Replay { tape: Tape, pos: usize },
    Pct(Box<Pct>),
}

/// The decision stream of one run, and the tape it records.
pub struct Choices {
    stream: Stream,
    recorded: Tape,
}

impl Choices {
    pub fn new(source: ChoiceSource) -> Choices {
        let stream = match source {
            ChoiceSource::Seed(seed) => Stream::Rng(Box::new(ChaCha8Rng::seed_from_u64(seed))),
            ChoiceSource::Tape(tape) => Stream::Replay { tape, pos: 0 },
            ChoiceSource::Pct { seed, config } => Stream::Pct(Box::new(Pct::new(seed, config))),
        };
        Choices { stream, recorded: Tape::default() }
    }

    /// A value uniform in `0..bound`. A bound of 1 is no decision and is not recorded.
    pub fn below(&mut self, kind: ChoiceKind, bound: u64) -> u64 {
        assert!(bound > 0, "a choice needs at least one option");
        if bound == 1 {
            return 0;
        }
        let value = match &mut self.stream {
            Stream::Rng(rng) => rng.random_range(0..bound),
            Stream::Replay { tape, pos } => {
                let value = tape.choices.get(*pos).map_or(0, |c| c.value.min(bound - 1));
                *pos += 1;
                value
            }
            Stream::Pct(pct) => pct.rng.random_range(0..bound),
        };
        self.recorded.choices.push(Choice { kind, bound, value });
        value
    }

    /// Whether [`Choices::schedule`] needs to know whose work is ready (PCT does; a
    /// uniform or replayed pick only needs how much).
    pub fn wants_ready_nodes(&self) -> bool {
        matches!(self.stream, Stream::Pct(_))
    }

    /// Which of the ready runnables runs next, given the node of each. Recorded as a
    /// schedule draw, whichever strategy chose it.
    pub fn schedule(&mut self, ready: &[NodeId]) -> u64 {
        let bound = ready.len() as u64;
        match &mut self.stream {
            Stream::Pct(pct) if bound > 1 => {
                let value = pct.pick(ready) as u64;
                self.recorded.choices.push(Choice { kind: ChoiceKind::Schedule, bound, value });
                value
            }
            _ => self.below(ChoiceKind::Schedule, bound),
        }
    }

    /// A value uniform in `lo..=hi`.
    pub fn between(&mut self, kind: ChoiceKind, lo: u64, hi: u64) -> u64 {
        assert!(lo <= hi, "empty range {lo}..={hi}");
        lo + self.below(kind, hi - lo + 1)
    }

    /// True with probability `ratio`. The value 0 always means "no": a shrunk tape
    /// of zeros is a run where nothing fires.
    pub fn chance(&mut self, kind: ChoiceKind, ratio: Ratio) -> bool {
        if ratio.num == 0 {
            return false;
        }
        if ratio.num >= ratio.den {
            return true;
        }
        let den = u64::from(ratio.den);
        self.below(kind, den) >= den - u64::from(ratio.num)
    }

    /// The tape of every decision drawn so far.
    pub fn tape(&self) -> &Tape {
        &self.recorded
    }

    pub fn into_tape(self) -> Tape {
        self.recorded
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replay_of_a_recorded_tape_draws_the_same_values() {
        let mut fresh = Choices::new(ChoiceSource::Seed(7));
        let drawn: Vec<u64> = (1..50).map(|b| fresh.below(ChoiceKind::Delay, b)).collect();
        let mut replay = Choices::new(ChoiceSource::Tape(fresh.into_tape()));
        let again: Vec<u64> = (1..50).map(|b| replay.below(ChoiceKind::Delay, b)).collect();
        assert_eq!(drawn, again);
    }

    #[test]
    fn an_exhausted_tape_continues_with_zero_and_out_of_range_values_clamp() {
        let tape = Tape { choices: vec![Choice { kind: ChoiceKind::Delay, bound: 100, value: 99 }] };
        let mut c = Choices::new(ChoiceSource::Tape(tape));
        assert_eq!(c.below(ChoiceKind::Delay, 10), 9);
        assert_eq!(c.below(ChoiceKind::Delay, 10), 0);
        assert_eq!(c.tape().len(), 2);
    }

    #[test]
    fn zero_means_no_for_chance() {
        let tape = Tape { choices: vec![Choice { kind: ChoiceKind::Fault, bound: 4, value: 0 }] };
        let mut c = Choices::new(ChoiceSource::Tape(tape));
        assert!(!c.chance(ChoiceKind::Fault, Ratio::new(3, 4)));
        assert!(c.chance(ChoiceKind::Fault, Ratio::ALWAYS));
        assert_eq!(c.tape().len(), 1, "certain outcomes draw nothing");
    }
}
