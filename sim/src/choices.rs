//! The one interface through which every nondeterministic decision is drawn.
//!
//! A fresh run draws from a ChaCha8 stream seeded by a `u64` (a named, portable
//! algorithm, never `StdRng`). A replay draws from a recorded tape; a value out of range
//! for its bound is clamped, and a tape that runs out continues with 0, the simplest
//! value of every kind, so any edited tape is still a valid run. Either way each draw
//! is recorded, so the tape of a replay is the tape that actually drove it.
//! Only integers: probabilities are integer ratios, never floats.
//!
//! Every draw is labelled by its site, actor and occurrence there ([`crate::Tape`]);
//! a labelled tape replays by label ([`crate::align`]), an unlabelled one by position.
//! Labelling costs no allocation: sites are `&'static str`, counts live in a map keyed
//! by them ([`crate::label_counts`]), and schedule decisions have a counter of their own.

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::align::{Aligned, Fit};
use crate::label_counts::LabelCounts;
use crate::node::NodeId;
use crate::pct::{Pct, PctConfig};
use crate::tape::{Choice, ChoiceKind, Site, Tape};

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
    /// A branch of a recorded run ([`crate::cover`]): the prefix's values by
    /// position, then fresh values from `seed`'s stream. The prefix must come from a
    /// run of the same scenario, variant and options, so positions line up exactly.
    Branch { prefix: Tape, seed: u64 },
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
    Aligned(Box<Aligned>),
    Pct(Box<Pct>),
    Branch { prefix: Tape, pos: usize, rng: Box<ChaCha8Rng> },
}

/// The decision stream of one run, and the tape it records.
pub struct Choices {
    stream: Stream,
    recorded: Tape,
    /// Draws so far per (kind, site, actor): the `n` of the next label there.
    /// Schedule decisions, the most frequent, have their own counter.
    counts: LabelCounts,
    schedules: u32,
    /// A schedule pick PCT made from the ready nodes, recorded by the next draw.
    forced: Option<u64>,
}

/// The site of every schedule decision.
pub const SCHEDULE_SITE: Site = Site("schedule");

impl Choices {
    /// The stream of `source`. A tape with labels replays by label; one without (a
    /// format-1 case) by position.
    pub fn new(source: ChoiceSource) -> Choices {
        Choices::with_buffers(source, Vec::new(), LabelCounts::default(), None)
    }

    /// [`Choices::new`] recording into `tape`, empty, and counting labels in `counts`,
    /// cleared, and seeding the generator in `rng` if a seed is needed: buffers a
    /// finished run left (see `crate::recycle`). A generator seeded in place is the
    /// generator a new one would be: every byte of its state is written.
    pub(crate) fn with_buffers(
        source: ChoiceSource,
        tape: Vec<Choice>,
        counts: LabelCounts,
        rng: Option<Box<ChaCha8Rng>>,
    ) -> Choices {
        debug_assert!(tape.is_empty(), "a recycled tape must be empty");
        let stream = Choices::stream_of(source, rng);
        // Only a replay by label needs each draw's label as it is drawn (it finds the
        // value by it); every other stream leaves the labels to be counted if the
        // tape is read (see `Tape`).
        let recorded = Tape::with_labels_pending(tape, !matches!(stream, Stream::Aligned(_)));
        Choices { stream, recorded, counts, schedules: 0, forced: None }
    }

    /// The stream of `source`, a seeded generator in `rng`'s box if there is one.
    fn stream_of(source: ChoiceSource, rng: Option<Box<ChaCha8Rng>>) -> Stream {
        let seeded = |seed| match rng {
            Some(mut rng) => {
                *rng = ChaCha8Rng::seed_from_u64(seed);
                rng
            }
            None => Box::new(ChaCha8Rng::seed_from_u64(seed)),
        };
        match source {
            ChoiceSource::Seed(seed) => Stream::Rng(seeded(seed)),
            ChoiceSource::Tape(tape) if tape.is_labelled() => Stream::Aligned(Box::new(Aligned::new(tape))),
            ChoiceSource::Tape(tape) => Stream::Replay { tape, pos: 0 },
            ChoiceSource::Pct { seed, config } => Stream::Pct(Box::new(Pct::new(seed, config))),
            ChoiceSource::Branch { prefix, seed } => Stream::Branch { prefix, pos: 0, rng: seeded(seed) },
        }
    }

    /// Makes these choices a new run's, as [`Choices::with_buffers`] would of their own
    /// buffers: `source`'s stream (a seeded generator seeded again in its box), the
    /// tape and the label counts emptied (`empty` empties them, keeping their memory).
    /// Every field is named, so a field added cannot be left out.
    pub(crate) fn reset(&mut self, source: ChoiceSource, empty: impl FnOnce(&mut Vec<Choice>, &mut LabelCounts)) {
        let Choices { stream, recorded, counts, schedules, forced } = self;
        match (source, &mut *stream) {
            (ChoiceSource::Seed(seed), Stream::Rng(rng)) => **rng = ChaCha8Rng::seed_from_u64(seed),
            (source, _) => {
                let rng = take_rng(stream);
                *stream = Choices::stream_of(source, rng);
            }
        }
        let mut tape = std::mem::take(&mut recorded.choices);
        empty(&mut tape, counts);
        *recorded = Tape::with_labels_pending(tape, !matches!(stream, Stream::Aligned(_)));
        *schedules = 0;
        *forced = None;
    }

    /// Takes the tape buffer, the label counts and the generator's box out, for the
    /// next run to reuse; the stream is left empty.
    pub(crate) fn take_buffers(&mut self) -> (Vec<Choice>, LabelCounts, Option<Box<ChaCha8Rng>>) {
        let rng = take_rng(&mut self.stream);
        (std::mem::take(&mut self.recorded.choices), std::mem::take(&mut self.counts), rng)
    }

    /// Node `id` of this run is called `name`: labels refer to actors by name.
    pub fn name_actor(&mut self, id: u32, name: &str) {
        if let Stream::Aligned(aligned) = &mut self.stream {
            aligned.name_actor(id, name);
        }
    }

    /// A value uniform in `0..bound`, drawn at `site` for `actor`. A bound of 1 is no
    /// decision and is neither recorded nor counted. Always inlined: a seeded draw is
    /// short and every message makes two; out of line, its call saved and restored
    /// six registers, 1.1% of a demo/lock run (issue 16, session 10). Every other
    /// stream stays out of line (`value_from_other_stream`).
    #[inline(always)]
    pub fn below(&mut self, kind: ChoiceKind, site: Site, actor: u32, bound: u64) -> u64 {
        assert!(bound > 0, "a choice needs at least one option");
        if bound == 1 {
            return 0;
        }
        let (site, actor, n) = if kind == ChoiceKind::Schedule {
            self.schedules += 1;
            (SCHEDULE_SITE, 0, self.schedules - 1)
        } else if self.recorded.labels_pending() {
            (site, actor, 0)
        } else {
            (site, actor, self.counts.next(kind, site, actor))
        };
        let value = match &mut self.stream {
            Stream::Rng(rng) => uniform_below(rng, bound),
            _ => self.value_from_other_stream(kind, site, actor, n, bound),
        };
        self.recorded.choices.push(Choice { kind, bound, value, site, actor, n });
        value
    }

    /// [`Choices::below`]'s value from a stream other than a seeded generator (a
    /// replay, an alignment, PCT, a branch): out of line, so that the seeded draw,
    /// nearly every draw of a campaign, stays a small function.
    #[inline(never)]
    fn value_from_other_stream(&mut self, kind: ChoiceKind, site: Site, actor: u32, n: u32, bound: u64) -> u64 {
        match &mut self.stream {
            Stream::Rng(rng) => uniform_below(rng, bound),
            Stream::Replay { tape, pos } => {
                let value = tape.choices.get(*pos).map_or(0, |c| c.value.min(bound - 1));
                *pos += 1;
                value
            }
            Stream::Aligned(aligned) => aligned.value(self.recorded.choices.len(), kind, site, actor, n, bound),
            Stream::Pct(pct) => self.forced.take().unwrap_or_else(|| uniform_below(&mut pct.rng, bound)),
            Stream::Branch { prefix, pos, rng } => {
                let value = match prefix.choices.get(*pos) {
                    Some(c) => c.value.min(bound - 1),
                    None => uniform_below(rng, bound),
                };
                *pos += 1;
                value
            }
        }
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
                self.forced = Some(pct.pick(ready) as u64);
                self.below(ChoiceKind::Schedule, SCHEDULE_SITE, 0, bound)
            }
            _ => self.below(ChoiceKind::Schedule, SCHEDULE_SITE, 0, bound),
        }
    }

    /// A value uniform in `lo..=hi`. Always inlined, as [`Choices::below`] is.
    #[inline(always)]
    pub fn between(&mut self, kind: ChoiceKind, site: Site, actor: u32, lo: u64, hi: u64) -> u64 {
        assert!(lo <= hi, "empty range {lo}..={hi}");
        lo + self.below(kind, site, actor, hi - lo + 1)
    }

    /// True with probability `ratio`. The value 0 always means "no": a shrunk tape
    /// of zeros is a run where nothing fires.
    pub fn chance(&mut self, kind: ChoiceKind, site: Site, actor: u32, ratio: Ratio) -> bool {
        if ratio.num == 0 {
            return false;
        }
        if ratio.num >= ratio.den {
            return true;
        }
        let den = u64::from(ratio.den);
        self.below(kind, site, actor, den) >= den - u64::from(ratio.num)
    }

    /// The tape of every decision drawn so far (its actors are node numbers until
    /// the run names them, see [`crate::Sim::tape`]).
    pub fn tape(&self) -> &Tape {
        &self.recorded
    }

    /// Moves the tape out, leaving an empty one with room for as many decisions (the
    /// next run on this thread records into it: see `crate::recycle`).
    pub(crate) fn take_tape(&mut self) -> Tape {
        // The next run records into room as large as this run had: a run longer than
        // the last must not regrow (and copy) its tape from the last one's length.
        let room = Vec::with_capacity(self.recorded.choices.capacity());
        Tape::with_labels_pending(std::mem::replace(&mut self.recorded.choices, room), self.recorded.labels_pending())
    }

    /// The tape, its labels counted.
    pub fn into_tape(mut self) -> Tape {
        self.recorded.ensure_labels();
        self.recorded
    }

    /// How well a labelled tape fitted this replay so far; `None` for a run from a
    /// seed or a replay by position.
    pub fn fit(&self) -> Option<Fit> {
        match &self.stream {
            Stream::Aligned(aligned) => Some(aligned.fit()),
            _ => None,
        }
    }
}

/// The seeded generator's box of `stream`, if it has one, leaving an empty replay in
/// its place: what [`Choices::reset`] and [`Choices::take_buffers`] keep for reuse.
fn take_rng(stream: &mut Stream) -> Option<Box<ChaCha8Rng>> {
    match std::mem::replace(stream, Stream::Replay { tape: Tape::default(), pos: 0 }) {
        Stream::Rng(rng) | Stream::Branch { rng, .. } => Some(rng),
        _ => None,
    }
}

/// A value uniform in `0..bound` (`bound >= 2`) from `rng`: exactly what
/// `rng.random_range(0..bound)` draws in rand 0.9 for `u64` (Canon's method, the
/// default, biased variant: one 64-bit word widened by `bound`, and a second word
/// only when the first's low half falls in the last `bound` values), written out so
/// that it inlines into the draw; a draw is the engine's most frequent call. The
/// test `uniform_below_draws_what_random_range_draws` holds it to rand's.
#[inline(always)]
fn uniform_below(rng: &mut ChaCha8Rng, bound: u64) -> u64 {
    debug_assert!(bound >= 2);
    let wide = u128::from(rng.next_u64()) * u128::from(bound);
    let (mut value, low) = ((wide >> 64) as u64, wide as u64);
    if low > bound.wrapping_neg() {
        let next_high = ((u128::from(rng.next_u64()) * u128::from(bound)) >> 64) as u64;
        value += u64::from(low.checked_add(next_high).is_none());
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    const A: Site = Site("a");
    const B: Site = Site("b");

    #[test]
    fn uniform_below_draws_what_random_range_draws() {
        let (mut ours, mut rands) = (ChaCha8Rng::seed_from_u64(11), ChaCha8Rng::seed_from_u64(11));
        let bounds = [2, 3, 7, 100, 1000, 1 << 32, (1 << 63) + 1, u64::MAX - 1, u64::MAX];
        for i in 0..200_000u64 {
            let bound = bounds[(i % bounds.len() as u64) as usize].max(2 + i % 97);
            assert_eq!(uniform_below(&mut ours, bound), rands.random_range(0..bound), "draw {i}, bound {bound}");
        }
    }

    #[test]
    fn replay_of_a_recorded_tape_draws_the_same_values() {
        let mut fresh = Choices::new(ChoiceSource::Seed(7));
        let drawn: Vec<u64> = (1..50).map(|b| fresh.below(ChoiceKind::Delay, A, 0, b)).collect();
        let mut tape = fresh.into_tape();
        tape.actors = vec!["x".to_string()];
        for tape in [tape.clone(), tape.unlabelled()] {
            let mut replay = Choices::new(ChoiceSource::Tape(tape));
            replay.name_actor(0, "x");
            let again: Vec<u64> = (1..50).map(|b| replay.below(ChoiceKind::Delay, A, 0, b)).collect();
            assert_eq!(drawn, again);
        }
    }

    /// The draws of one run at several sites, kinds and actors, schedules among them.
    fn draw_mixed(c: &mut Choices) {
        for i in 0..60u32 {
            let (kind, site) = match i % 4 {
                0 => (ChoiceKind::Delay, A),
                1 => (ChoiceKind::Fault, A),
                2 => (ChoiceKind::Delay, B),
                _ => (ChoiceKind::Schedule, SCHEDULE_SITE),
            };
            c.below(kind, site, i % 3, 2 + u64::from(i % 5));
        }
    }

    /// A seeded run leaves its labels to be counted; counted afterwards they are the
    /// labels a replay by label counts as it draws, and they differ from the zeros
    /// recorded in their place (so the test would see labels left uncounted).
    #[test]
    fn labels_counted_after_a_seeded_run_are_those_counted_while_drawing() {
        let mut fresh = Choices::new(ChoiceSource::Seed(3));
        draw_mixed(&mut fresh);
        let pending = fresh.take_tape();
        assert!(pending.labels_pending());
        assert!(pending.choices.iter().all(|c| c.kind == ChoiceKind::Schedule || c.n == 0));
        let mut counted = pending.clone();
        counted.ensure_labels();
        assert!(counted.choices.iter().any(|c| c.kind != ChoiceKind::Schedule && c.n > 0));
        counted.actors = (0..3).map(|a| format!("node{a}")).collect();
        let mut replay = Choices::new(ChoiceSource::Tape(counted.clone()));
        (0..3).for_each(|a| replay.name_actor(a, &counted.actors[a as usize]));
        draw_mixed(&mut replay);
        let eager = replay.take_tape();
        assert!(!eager.labels_pending(), "a replay by label counts as it draws");
        assert_eq!(eager.choices, counted.choices);
        assert_eq!(pending, eager, "a tape compares by its labels, counted or not");
        assert_eq!(serde_json::to_string(&pending).unwrap(), serde_json::to_string(&eager).unwrap());
    }

    #[test]
    fn an_exhausted_tape_continues_with_zero_and_out_of_range_values_clamp() {
        let tape = Tape::new(vec![Choice::unlabelled(ChoiceKind::Delay, 100, 99)], Vec::new());
        let mut c = Choices::new(ChoiceSource::Tape(tape));
        assert_eq!(c.below(ChoiceKind::Delay, A, 0, 10), 9);
        assert_eq!(c.below(ChoiceKind::Delay, A, 0, 10), 0);
        assert_eq!(c.tape().len(), 2);
    }

    #[test]
    fn a_branch_replays_its_prefix_then_draws_fresh_values() {
        let mut fresh = Choices::new(ChoiceSource::Seed(7));
        let drawn: Vec<u64> = (0..40).map(|_| fresh.below(ChoiceKind::Delay, A, 0, 1000)).collect();
        let mut prefix = fresh.into_tape();
        prefix.choices.truncate(10);
        let branch = |seed| {
            let mut c = Choices::new(ChoiceSource::Branch { prefix: prefix.clone(), seed });
            (0..40).map(|_| c.below(ChoiceKind::Delay, A, 0, 1000)).collect::<Vec<u64>>()
        };
        let (one, two) = (branch(1), branch(2));
        assert_eq!(one[..10], drawn[..10]);
        assert_eq!(two[..10], drawn[..10]);
        assert_ne!(one[10..], two[10..], "different suffix streams");
        assert_eq!(one, branch(1), "the same branch twice");
    }

    #[test]
    fn zero_means_no_for_chance() {
        let tape = Tape::new(vec![Choice::unlabelled(ChoiceKind::Fault, 4, 0)], Vec::new());
        let mut c = Choices::new(ChoiceSource::Tape(tape));
        assert!(!c.chance(ChoiceKind::Fault, A, 0, Ratio::new(3, 4)));
        assert!(c.chance(ChoiceKind::Fault, A, 0, Ratio::ALWAYS));
        assert_eq!(c.tape().len(), 1, "certain outcomes draw nothing");
    }

    /// Draws at sites a and b for actor 0, in the order `sites` gives.
    fn draw_all(source: ChoiceSource, sites: &[Site]) -> (Vec<u64>, Choices) {
        let mut c = Choices::new(source);
        c.name_actor(0, "x");
        let values = sites.iter().map(|&s| c.below(ChoiceKind::Delay, s, 0, 100)).collect();
        (values, c)
    }

    #[test]
    fn a_deleted_decision_leaves_every_other_its_value() {
        let order = [A, B, A, B, A];
        let (drawn, c) = draw_all(ChoiceSource::Seed(3), &order);
        let mut tape = c.into_tape();
        tape.actors = vec!["x".to_string()];
        // Delete the first draw at b: by position every later value would shift.
        tape.choices.remove(1);
        let (again, c) = draw_all(ChoiceSource::Tape(tape), &order);
        assert_eq!(again, vec![drawn[0], 0, drawn[2], drawn[3], drawn[4]]);
        let fit = c.fit().expect("a labelled replay");
        assert_eq!(fit.missing, 1);
        assert_eq!(fit.first_misfit.map(|m| (m.at, m.site, m.n)), Some((1, B, 0)));
    }

    #[test]
    fn a_draw_site_inserted_after_recording_is_reported_and_the_rest_still_fits() {
        let (drawn, c) = draw_all(ChoiceSource::Seed(5), &[A, A, B]);
        let mut tape = c.into_tape();
        tape.actors = vec!["x".to_string()];
        let c_site = Site("c");
        let (again, c) = draw_all(ChoiceSource::Tape(tape), &[A, c_site, A, B]);
        assert_eq!(again, vec![drawn[0], 0, drawn[1], drawn[2]]);
        let fit = c.fit().expect("a labelled replay");
        assert_eq!((fit.missing, fit.unused), (1, 0));
        assert_eq!(fit.first_misfit.map(|m| m.site), Some(c_site));
    }
}
