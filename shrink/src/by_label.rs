//! Shrink passes that use the tape's labels: each candidate zeroes a set of decisions
//! picked by what they are (a fault, every fault of one point, everything one actor
//! decided) and replays by label, so every other decision keeps its value.
//!
//! On a flat tape, removing an early fault shifted every later draw onto a different
//! decision, so the run after it was a different run and the candidate usually lost
//! the failure; irrelevant faults stayed in shrunk cases (a launcher v8 case kept six
//! lost replies). By label, the candidate is the same run without that fault.

use std::collections::BTreeSet;

use sim::{ChoiceKind, RunResult, Site, Tape};

use crate::Shrinker;

/// Workload decisions with at most this many values are tried at each value.
const VARY_BOUND: u64 = 4;

/// The tape with the choices at `indices` zeroed, still labelled.
fn zeroed(tape: &Tape, indices: &[usize]) -> Tape {
    let mut t = tape.clone();
    for &i in indices {
        t.choices[i].value = 0;
    }
    t
}

/// Indices of the non-zero choices of `tape` that `pick` selects.
fn nonzero(tape: &Tape, pick: impl Fn(&sim::Choice) -> bool) -> Vec<usize> {
    (0..tape.len()).filter(|&i| tape.choices[i].value > 0 && pick(&tape.choices[i])).collect()
}

impl<F: Fn(&Tape, u64) -> RunResult + Sync> Shrinker<'_, F> {
    /// Tries the candidates `edits` makes of the best tape, in order; after each
    /// success they are made again from the new best tape and the search goes on after
    /// the one that succeeded. With `smaller_tapes`, only candidates whose tape is
    /// smaller are run (see [`Shrinker::first_improvement_of`]).
    fn edits_in_turn(&mut self, smaller_tapes: bool, edits: impl Fn(&Tape) -> Vec<Tape>) -> bool {
        let mut progress = false;
        let mut from = 0;
        while self.budget() > 0 && self.best.tape.is_labelled() {
            let candidates: Vec<Tape> = edits(&self.best.tape).into_iter().skip(from).collect();
            match self.first_improvement_of(candidates, smaller_tapes) {
                Some(k) => {
                    progress = true;
                    from += k;
                }
                None => break,
            }
        }
        progress
    }

    /// Tries zeroing each set `sets` gives for the best tape, in turn.
    fn zero_sets(&mut self, sets: impl Fn(&Tape) -> Vec<Vec<usize>>) -> bool {
        self.edits_in_turn(true, |tape| sets(tape).iter().map(|set| zeroed(tape, set)).collect())
    }

    /// Drops every fault of one point at once, and the point's swarm switch with it:
    /// a run that needs lost requests seldom needs lost replies too.
    pub(crate) fn drop_fault_points(&mut self) -> bool {
        self.zero_sets(|tape| {
            let points: BTreeSet<Site> =
                nonzero(tape, |c| c.kind == ChoiceKind::Fault).iter().map(|&i| tape.choices[i].site).collect();
            points
                .into_iter()
                .map(|point| {
                    nonzero(tape, |c| c.site == point && matches!(c.kind, ChoiceKind::Fault | ChoiceKind::Swarm))
                })
                .collect()
        })
    }

    /// Drops one fault at a time, earliest first. A crash dropped takes its restart
    /// with it: the restart delay is drawn only after a crash, so it is simply not
    /// drawn, and no other decision moves.
    pub(crate) fn drop_faults(&mut self) -> bool {
        self.zero_sets(|tape| nonzero(tape, |c| c.kind == ChoiceKind::Fault).into_iter().map(|i| vec![i]).collect())
    }

    /// Drops an actor's doing: first each workload decision alone (whether a tab
    /// exists, what it launches, when it opens), then everything one node decided at
    /// once (its delays, its faults, its think times) back to the defaults.
    pub(crate) fn drop_actors(&mut self) -> bool {
        let workload = self
            .zero_sets(|tape| nonzero(tape, |c| c.kind == ChoiceKind::Workload).into_iter().map(|i| vec![i]).collect());
        let actors = self.zero_sets(|tape| {
            let actors: BTreeSet<u32> = nonzero(tape, |c| c.actor != 0 && c.kind != ChoiceKind::Schedule)
                .iter()
                .map(|&i| tape.choices[i].actor)
                .collect();
            actors.into_iter().map(|a| nonzero(tape, |c| c.actor == a && c.kind != ChoiceKind::Schedule)).collect()
        });
        workload || actors
    }

    /// Moves each workload and delay decision to its largest value, one at a time: an
    /// actor that opens last (or waits longest), or a message that arrives last, acts
    /// after a safety violation and drops out of the counted steps even when the
    /// workload does not let it be absent. A candidate that raises a value wins only
    /// by taking model steps out.
    pub(crate) fn postpone(&mut self) -> bool {
        self.edits_in_turn(false, |tape| {
            let faults = nonzero(tape, |c| c.kind == ChoiceKind::Fault);
            let raisable = (0..tape.len()).filter(|&i| {
                matches!(tape.choices[i].kind, ChoiceKind::Workload | ChoiceKind::Delay)
                    && tape.choices[i].value + 1 < tape.choices[i].bound
            });
            // Each value raised alone, then raised with every fault dropped.
            raisable
                .flat_map(|i| {
                    let mut raised = tape.clone();
                    raised.choices[i].value = raised.choices[i].bound - 1;
                    let unfaulted = (!faults.is_empty()).then(|| zeroed(&raised, &faults));
                    std::iter::once(raised).chain(unfaulted)
                })
                .collect()
        })
    }

    /// Tries every other value of each workload decision with a small range (which
    /// skill a tab launches, which config it has), one decision at a time: two actors
    /// made to want the same thing often race in fewer steps than the run found. A
    /// candidate wins only by taking model steps out.
    pub(crate) fn vary_workload(&mut self) -> bool {
        self.edits_in_turn(false, |tape| {
            let small = (0..tape.len())
                .filter(|&i| tape.choices[i].kind == ChoiceKind::Workload && tape.choices[i].bound <= VARY_BOUND);
            small
                .flat_map(|i| {
                    let c = &tape.choices[i];
                    (0..c.bound).filter(move |&v| v != c.value).map(move |v| (i, v))
                })
                .map(|(i, v)| {
                    let mut t = tape.clone();
                    t.choices[i].value = v;
                    t
                })
                .collect()
        })
    }
}
