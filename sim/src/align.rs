//! Replay by label: a recorded tape indexed by each decision's label, so a run finds
//! its n-th decision at a site for an actor wherever that decision sits in the tape.
//!
//! This is what lets the shrinker delete or zero one decision while every other
//! decision keeps its value, and what lets a case recorded before a model change
//! replay after it: a draw whose label the tape lacks (a new draw site, a deleted
//! decision) takes the default 0; a draw whose recorded bound differs is clamped. The
//! first such draw is reported as the first decision that no longer fits, and the run
//! goes on from there.

use std::collections::BTreeMap;

use crate::tape::{ChoiceKind, Site, Tape};

/// A decision of the replayed run that its tape did not fit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Misfit {
    /// Its position among the run's decisions, from 0.
    pub at: usize,
    pub kind: ChoiceKind,
    pub site: Site,
    pub actor: String,
    pub n: u32,
    /// The bound the run drew with.
    pub bound: u64,
    /// The recorded bound and value at this label, if the tape had one.
    pub recorded: Option<(u64, u64)>,
}

impl std::fmt::Display for Misfit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = format!("{:?}", self.kind).to_lowercase();
        if self.kind == ChoiceKind::Schedule {
            write!(f, "decision {}: schedule #{} ", self.at, self.n)?;
        } else {
            write!(f, "decision {}: {kind} at {} for {} #{} ", self.at, self.site, self.actor, self.n)?;
        }
        match self.recorded {
            None => write!(f, "(bound {}) is new: drawn as 0", self.bound),
            Some((bound, value)) => write!(
                f,
                "was recorded with bound {bound} (value {value}), now has bound {}: drawn as {}",
                self.bound,
                value.min(self.bound - 1)
            ),
        }
    }
}

/// How well a labelled tape fitted the run that replayed it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fit {
    /// The first decision that did not fit, in the run's order.
    pub first_misfit: Option<Misfit>,
    /// Decisions the tape had no value for (drawn as 0).
    pub missing: u64,
    /// Decisions whose recorded bound differs from the run's.
    pub rebound: u64,
    /// Recorded decisions the run never drew (a draw site the model no longer has).
    pub unused: u64,
}

impl Fit {
    /// Every decision found its recorded value under the same bound, and every
    /// recorded decision was drawn.
    pub fn exact(&self) -> bool {
        self.first_misfit.is_none() && self.unused == 0
    }
}

/// Recorded values by label. Schedule decisions (most of a tape) sit in a vector by
/// occurrence; the others in a map keyed by kind, site, recorded actor and occurrence.
pub(crate) struct Aligned {
    schedule: Vec<Option<(u64, u64)>>,
    others: BTreeMap<(ChoiceKind, Site, u32, u32), (u64, u64)>,
    /// Recorded actor names, and for each node of the replaying run, the index of its
    /// name among them (`None` for a node the recording did not have).
    recorded_actors: Vec<String>,
    actor_map: Vec<Option<u32>>,
    names: Vec<String>,
    remaining: u64,
    pub fit: Fit,
}

impl Aligned {
    pub fn new(mut tape: Tape) -> Aligned {
        tape.ensure_labels();
        let mut schedule = Vec::new();
        let mut others = BTreeMap::new();
        let mut remaining = 0;
        for c in tape.choices.iter().filter(|c| c.is_labelled()) {
            remaining += 1;
            if c.kind == ChoiceKind::Schedule {
                let n = c.n as usize;
                if schedule.len() <= n {
                    schedule.resize(n + 1, None);
                }
                schedule[n] = Some((c.bound, c.value));
            } else {
                others.insert((c.kind, c.site, c.actor, c.n), (c.bound, c.value));
            }
        }
        Aligned {
            schedule,
            others,
            recorded_actors: tape.actors,
            actor_map: Vec::new(),
            names: Vec::new(),
            remaining,
            fit: Fit::default(),
        }
    }

    /// Node `id` of the replaying run is called `name`.
    pub fn name_actor(&mut self, id: u32, name: &str) {
        let index = self.recorded_actors.iter().position(|a| a == name).map(|i| i as u32);
        let id = id as usize;
        if self.actor_map.len() <= id {
            self.actor_map.resize(id + 1, None);
            self.names.resize(id + 1, String::new());
        }
        self.actor_map[id] = index;
        self.names[id] = name.to_string();
    }

    /// The value of the `at`-th decision of the run, labelled (`kind`, `site`, `actor`,
    /// `n`), drawn from `0..bound`.
    pub fn value(&mut self, at: usize, kind: ChoiceKind, site: Site, actor: u32, n: u32, bound: u64) -> u64 {
        let recorded = if kind == ChoiceKind::Schedule {
            self.schedule.get_mut(n as usize).and_then(Option::take)
        } else {
            match self.actor_map.get(actor as usize).copied().flatten() {
                Some(recorded_actor) => self.others.remove(&(kind, site, recorded_actor, n)),
                None => None,
            }
        };
        match recorded {
            Some((recorded_bound, value)) => {
                self.remaining -= 1;
                if recorded_bound != bound {
                    self.fit.rebound += 1;
                    self.misfit(at, kind, site, actor, n, bound, recorded);
                }
                value.min(bound - 1)
            }
            None => {
                self.fit.missing += 1;
                self.misfit(at, kind, site, actor, n, bound, None);
                0
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn misfit(
        &mut self,
        at: usize,
        kind: ChoiceKind,
        site: Site,
        actor: u32,
        n: u32,
        bound: u64,
        recorded: Option<(u64, u64)>,
    ) {
        if self.fit.first_misfit.is_some() {
            return;
        }
        let actor = self.names.get(actor as usize).cloned().unwrap_or_else(|| format!("node {actor}"));
        self.fit.first_misfit = Some(Misfit { at, kind, site, actor, n, bound, recorded });
    }

    /// The fit so far, counting the recorded decisions not drawn yet as unused.
    pub fn fit(&self) -> Fit {
        Fit { unused: self.remaining, ..self.fit.clone() }
    }
}
