//! The choice tape: the record of every decision a run made.
//!
//! A run is a pure function of its tape. Replaying a tape reproduces the run bit for
//! bit; shrinking edits the tape; exhaustive exploration enumerates tapes. Each entry
//! keeps its bound so an edited value can be clamped back into range on replay.
//!
//! Each entry also carries its label: the site that drew it (a fault point, a named
//! engine site such as `net.delay`, or the model's source file), the actor it was drawn
//! for (a node, by name in [`Tape::actors`]) and its occurrence `n` among the draws of
//! that kind, site and actor. A labelled tape replays by label (see
//! [`crate::Choices`]), so deleting or zeroing one decision leaves every other decision
//! its value instead of shifting them all, and a tape recorded before a model change
//! still lines up with the run after it. An unlabelled tape (case files of format 1)
//! replays by position, as it always did.

use std::collections::BTreeSet;
use std::sync::Mutex;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::label_counts::LabelCounts;

/// What a decision was for. Reports group draws by kind, and the shrinker treats
/// kinds differently (a schedule choice of 0 means "run the oldest ready task").
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChoiceKind {
    /// Which ready task runs next.
    Schedule,
    /// A message or operation delay.
    Delay,
    /// Whether an enabled fault point fires.
    Fault,
    /// Which fault points a run enables and at what rate (swarm testing).
    Swarm,
    /// A parameter of the workload: how many clients, which skill, which config.
    Workload,
}

/// Where a decision is drawn: an interned name, compared by content. Sites are
/// `&'static str` so labelling a draw never allocates; a site read from a case file
/// is interned once per distinct name.
#[derive(Clone, Copy, Debug, Default)]
pub struct Site(pub &'static str);

impl Site {
    /// The site of an unlabelled choice.
    pub const NONE: Site = Site("");

    pub fn is_none(&self) -> bool {
        self.0.is_empty()
    }

    pub fn as_str(&self) -> &'static str {
        self.0
    }

    /// The interned site of `name`: the same `&'static str` for equal names.
    pub fn intern(name: &str) -> Site {
        static INTERNED: Mutex<BTreeSet<&'static str>> = Mutex::new(BTreeSet::new());
        let mut set = INTERNED.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(s) = set.get(name) {
            return Site(s);
        }
        let leaked: &'static str = Box::leak(name.to_string().into_boxed_str());
        set.insert(leaked);
        Site(leaked)
    }
}

impl PartialEq for Site {
    fn eq(&self, other: &Site) -> bool {
        std::ptr::eq(self.0, other.0) || self.0 == other.0
    }
}

impl Eq for Site {}

impl PartialOrd for Site {
    fn partial_cmp(&self, other: &Site) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Site {
    fn cmp(&self, other: &Site) -> std::cmp::Ordering {
        self.0.cmp(other.0)
    }
}

impl std::hash::Hash for Site {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

impl std::fmt::Display for Site {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl Serialize for Site {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0)
    }
}

impl<'de> Deserialize<'de> for Site {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Site, D::Error> {
        let name = std::borrow::Cow::<'de, str>::deserialize(d)?;
        Ok(Site::intern(&name))
    }
}

/// One decision: a value drawn uniformly from `0..bound`, and its label.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Choice {
    pub kind: ChoiceKind,
    pub bound: u64,
    pub value: u64,
    /// Where it was drawn; empty for an unlabelled choice.
    #[serde(default, skip_serializing_if = "Site::is_none")]
    pub site: Site,
    /// The node it was drawn for: an index into [`Tape::actors`].
    #[serde(default, skip_serializing_if = "is_zero")]
    pub actor: u32,
    /// Its occurrence among the draws of the same kind, site and actor, from 0.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub n: u32,
}

fn is_zero(x: &u32) -> bool {
    *x == 0
}

impl Choice {
    /// An unlabelled choice, as format-1 case files hold them.
    pub const fn unlabelled(kind: ChoiceKind, bound: u64, value: u64) -> Choice {
        Choice { kind, bound, value, site: Site::NONE, actor: 0, n: 0 }
    }

    pub fn is_labelled(&self) -> bool {
        !self.site.is_none()
    }
}

/// Every decision of one run, in the order it was drawn.
///
/// A run from a seed records its decisions without counting each label's `n` (a
/// lookup per draw, a few percent of a run): the tape of a passing run is mostly
/// dropped unread, and a campaign shrinks only a few of its failing runs. Such a tape
/// has its labels pending; they are counted, by the same rule the draws would have
/// used, when someone reads them: the shrinker before it edits a tape,
/// [`Tape::ensure_labels`], a replay by label, and comparing, hashing, printing or
/// serializing a tape. Edit a tape's choices only after [`Tape::ensure_labels`].
#[derive(Clone, Default, Deserialize)]
pub struct Tape {
    pub choices: Vec<Choice>,
    /// The names of the nodes labels refer to, indexed by [`Choice::actor`]. Names,
    /// not node numbers, survive a change in how many nodes a run adds before one.
    #[serde(default)]
    pub actors: Vec<String>,
    /// Whether the `n` of every choice but a schedule decision is still 0, to be
    /// counted ([`Tape::ensure_labels`]).
    #[serde(skip)]
    labels_pending: bool,
}

/// What a tape serializes to: its choices with their labels counted, and its actors.
#[derive(Serialize)]
struct TapeOnDisk<'a> {
    choices: &'a [Choice],
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    actors: &'a [String],
}

impl Serialize for Tape {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let tape = self.with_labels();
        TapeOnDisk { choices: &tape.choices, actors: &tape.actors }.serialize(s)
    }
}

impl PartialEq for Tape {
    fn eq(&self, other: &Tape) -> bool {
        let (a, b) = (self.with_labels(), other.with_labels());
        a.choices == b.choices && a.actors == b.actors
    }
}

impl Eq for Tape {}

impl std::hash::Hash for Tape {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        let tape = self.with_labels();
        tape.choices.hash(state);
        tape.actors.hash(state);
    }
}

impl std::fmt::Debug for Tape {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let tape = self.with_labels();
        f.debug_struct("Tape").field("choices", &tape.choices).field("actors", &tape.actors).finish()
    }
}

impl Tape {
    /// A tape of `choices`, each labelled as recorded, and the names of their actors.
    pub fn new(choices: Vec<Choice>, actors: Vec<String>) -> Tape {
        Tape { choices, actors, labels_pending: false }
    }

    /// A tape recorded with its labels pending ([`Tape`]): no choice but a schedule
    /// decision has its `n` yet.
    pub(crate) fn with_labels_pending(choices: Vec<Choice>, pending: bool) -> Tape {
        Tape { choices, actors: Vec::new(), labels_pending: pending }
    }

    /// Counts the `n` of each choice of a tape recorded with its labels pending: its
    /// occurrence among the draws of the same kind, site and actor, counted as
    /// [`crate::Choices`] counts a draw (a schedule decision carries its own already).
    pub fn ensure_labels(&mut self) {
        if !std::mem::take(&mut self.labels_pending) {
            return;
        }
        let mut counts = LabelCounts::default();
        for c in self.choices.iter_mut().filter(|c| c.kind != ChoiceKind::Schedule) {
            c.n = counts.next(c.kind, c.site, c.actor);
        }
    }

    /// Whether the labels are still to be counted.
    #[inline]
    pub(crate) fn labels_pending(&self) -> bool {
        self.labels_pending
    }

    /// This tape with its labels counted: itself, or a labelled copy.
    fn with_labels(&self) -> std::borrow::Cow<'_, Tape> {
        if !self.labels_pending {
            return std::borrow::Cow::Borrowed(self);
        }
        let mut tape = self.clone();
        tape.ensure_labels();
        std::borrow::Cow::Owned(tape)
    }

    pub fn len(&self) -> usize {
        self.choices.len()
    }

    pub fn is_empty(&self) -> bool {
        self.choices.is_empty()
    }

    /// Whether this tape replays by label (any labelled choice) or by position.
    pub fn is_labelled(&self) -> bool {
        self.choices.iter().any(Choice::is_labelled)
    }

    /// The same values without labels: a tape that replays by position.
    pub fn unlabelled(&self) -> Tape {
        Tape::new(self.choices.iter().map(|c| Choice::unlabelled(c.kind, c.bound, c.value)).collect(), Vec::new())
    }

    /// The name of the actor of `choice`.
    pub fn actor_name(&self, choice: &Choice) -> &str {
        self.actors.get(choice.actor as usize).map_or("?", String::as_str)
    }

    /// A total order on tapes for shrinking: shorter is simpler, then smaller values.
    /// The shrinker only ever accepts a tape that is smaller in this order.
    pub fn shortlex_key(&self) -> (usize, Vec<u64>) {
        (self.len(), self.choices.iter().map(|c| c.value).collect())
    }
}
