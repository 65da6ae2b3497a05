//! Named fault points and the swarm profile that decides, per run, which of them are
//! enabled and how often they fire.
//!
//! Swarm testing (TigerBeetle's `options_swarm`): uniform fault rates hide bugs that
//! need one fault often and the others never, so each run first draws, for every
//! fault point of its scenario, whether it is on and at which rate. Every firing is
//! counted, so a report shows a fault point that never fired.

use std::cell::{Cell, OnceCell};
use std::collections::BTreeMap;

use crate::choices::{Choices, Ratio};
use crate::node::NodeId;
use crate::tape::{ChoiceKind, Site};

/// A place where the environment can misbehave, named the way reports name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FaultPoint {
    pub name: &'static str,
    pub doc: &'static str,
}

/// The engine's own fault points. Models add their own (`store.insert.fail`, …).
pub mod points {
    use super::FaultPoint;

    pub const NET_REQUEST_LOST: FaultPoint = FaultPoint {
        name: "net.request.lost",
        doc: "a request or message is dropped before it reaches its destination",
    };
    pub const NET_REPLY_LOST: FaultPoint = FaultPoint {
        name: "net.reply.lost",
        doc: "a request is applied but its reply is lost: the caller sees an error (ambiguous outcome)",
    };
    pub const NODE_CRASH: FaultPoint = FaultPoint {
        name: "node.crash",
        doc: "a node crashes: its tasks stop at their await point, volatile state is lost",
    };
    pub const CLOCK_JUMP: FaultPoint = FaultPoint { name: "clock.jump", doc: "a node's clock jumps forward or back" };
    pub const NODE_PAUSE: FaultPoint = FaultPoint {
        name: "node.pause",
        doc: "a node stops for a while at whatever await point it is (GC pause, VM stall, SIGSTOP), then resumes",
    };
    pub const NET_DELAY_LONG: FaultPoint = FaultPoint {
        name: "net.delay.long",
        doc: "a message takes seconds to minutes (heavy-tailed), landing after its sender gave up",
    };
    pub const CLOCK_DRIFT: FaultPoint =
        FaultPoint { name: "clock.drift", doc: "a node's clock runs fast or slow by a drawn rate (ppm) for a while" };
}

/// The rates a swarm profile picks from, rarest first (so a shrunk tape of zeros
/// picks the rarest).
pub const FAULT_RATES: [Ratio; 4] = [Ratio::new(1, 64), Ratio::new(1, 16), Ratio::new(1, 4), Ratio::new(1, 2)];

/// Which fault points are enabled in a run, and at what rate.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FaultProfile {
    /// Sorted by name, without duplicates. A scenario has a handful of fault points,
    /// so a scan beats a map on the hottest path of a run.
    rates: Vec<(&'static str, Option<Ratio>)>,
}

impl FaultProfile {
    /// No faults at all.
    pub fn none(points: &[FaultPoint]) -> FaultProfile {
        FaultProfile { rates: sorted_names(points).into_iter().map(|n| (n, None)).collect() }
    }

    /// Every point enabled at the same rate.
    pub fn uniform(points: &[FaultPoint], rate: Ratio) -> FaultProfile {
        FaultProfile { rates: sorted_names(points).into_iter().map(|n| (n, Some(rate))).collect() }
    }

    /// Draws, for each point in name order, whether it is on and its rate.
    pub fn swarm(points: &[FaultPoint], choices: &mut Choices) -> FaultProfile {
        FaultProfile::swarm_filtered(points, &FaultFilter::default(), choices)
    }

    /// [`FaultProfile::swarm`] over the points `filter` allows; the others stay
    /// declared, off, and draw nothing.
    pub fn swarm_filtered(points: &[FaultPoint], filter: &FaultFilter, choices: &mut Choices) -> FaultProfile {
        let rates = sorted_names(points)
            .into_iter()
            .map(|name| {
                if !filter.allows(name) {
                    return (name, None);
                }
                let (site, system) = (Site(name), NodeId::SYSTEM.0);
                let on = choices.below(ChoiceKind::Swarm, site, system, 2) == 1;
                let rates = FAULT_RATES.len() as u64;
                let rate = on.then(|| FAULT_RATES[choices.below(ChoiceKind::Swarm, site, system, rates) as usize]);
                (name, rate)
            })
            .collect();
        FaultProfile { rates }
    }

    /// This profile with every point `filter` leaves out turned off.
    pub fn filtered(self, filter: &FaultFilter) -> FaultProfile {
        let rates = self.rates.into_iter().map(|(n, r)| (n, r.filter(|_| filter.allows(n)))).collect();
        FaultProfile { rates }
    }

    /// The rate of `name`, `None` when it is off or not part of this scenario.
    pub fn rate(&self, name: &str) -> Option<Ratio> {
        self.entry(name).and_then(|(_, r)| *r)
    }

    /// The entry of `name`: by address first (the caller passes the same constant
    /// nearly always), then by content.
    fn entry(&self, name: &str) -> Option<&(&'static str, Option<Ratio>)> {
        let rates = self.rates.iter();
        rates.clone().find(|(n, _)| std::ptr::eq(*n, name)).or_else(|| rates.clone().find(|(n, _)| *n == name))
    }

    /// Whether the scenario declares this point at all.
    pub fn declares(&self, name: &str) -> bool {
        self.entry(name).is_some()
    }

    /// Whether any point is enabled.
    pub fn any_enabled(&self) -> bool {
        self.rates.iter().any(|(_, r)| r.is_some())
    }

    /// The enabled points and their rates, for reports.
    pub fn enabled(&self) -> impl Iterator<Item = (&'static str, Ratio)> + '_ {
        self.rates.iter().filter_map(|(n, r)| r.map(|r| (*n, r)))
    }
}

fn sorted_names(points: &[FaultPoint]) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = points.iter().map(|p| p.name).collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// How often each fault point fired in a run, by name.
pub type FaultCounts = BTreeMap<&'static str, u64>;

/// Slots of [`FaultTable`]'s cache of rates by name address (a power of two).
const RATE_SLOTS: usize = 32;

/// A name's address and length, and its rate.
type RateSlot = (usize, usize, Option<Ratio>);

/// The fault state of a running simulation.
pub(crate) struct FaultTable {
    /// Read freely; set with [`FaultTable::set_profile`].
    pub profile: FaultProfile,
    pub filter: FaultFilter,
    pub fired: FaultCounts,
    pub active: bool,
    /// Whether the profile enables any point: most draws of a fault-free run ask
    /// about a point, and this answers them without a lookup.
    any_enabled: bool,
    /// The rate of each point name asked about so far, by the name's address and
    /// length: callers pass the same few constants, but the profile's names may sit at
    /// other addresses (each crate keeps its own copy of a constant's string), where
    /// [`FaultProfile::rate`] would compare every name by content on every draw. A
    /// direct-mapped cache: a slot holds the last name seen at its hash (address 0:
    /// empty, as no `&str` lives there), and a miss asks the profile again. Cells: a
    /// hit is a load and two compares, no borrow flag. Allocated on first use (a
    /// fault-free run never asks), and out of line, so that a run's kernel stays small.
    by_address: OnceCell<Box<[Cell<RateSlot>; RATE_SLOTS]>>,
    /// Set when the nemesis was not started because none of its faults could fire:
    /// the longest pause between the ticks it would have made (see `crate::nemesis`).
    pub idle_nemesis_tick_max_ms: Option<u64>,
    /// How many profiles [`FaultTable::set_profile`] installed: while it stands and the
    /// phase is on, [`FaultTable::armed`] gives the same answer for each point, so the
    /// nemesis looks its rates up once rather than at every tick.
    pub generation: u64,
}

impl FaultTable {
    pub fn new(profile: FaultProfile) -> FaultTable {
        let any_enabled = profile.any_enabled();
        FaultTable {
            profile,
            filter: FaultFilter::default(),
            fired: FaultCounts::new(),
            active: true,
            any_enabled,
            by_address: OnceCell::new(),
            idle_nemesis_tick_max_ms: None,
            generation: 0,
        }
    }

    pub fn set_profile(&mut self, profile: FaultProfile) {
        self.any_enabled = profile.any_enabled();
        self.profile = profile;
        self.generation += 1;
        if let Some(slots) = self.by_address.get_mut() {
            slots.iter_mut().for_each(|slot| *slot.get_mut() = (0, 0, None));
        }
    }

    /// Whether any of `points` can fire now.
    pub fn any_armed(&self, points: &[FaultPoint]) -> bool {
        points.iter().any(|p| self.armed(p).is_some())
    }

    /// [`FaultTable::armed`] of each of `points`, looked up once: the nemesis asks
    /// about the same points for every target of every tick, and keeps the answers
    /// until [`FaultTable::generation`] moves or the fault phase ends.
    pub fn armed_each<const N: usize>(&self, points: &[FaultPoint; N]) -> [Option<Ratio>; N] {
        std::array::from_fn(|i| self.armed(&points[i]))
    }

    /// The rate to draw with, or `None` when the point cannot fire now.
    #[inline]
    pub fn armed(&self, point: &FaultPoint) -> Option<Ratio> {
        if !self.active || !self.any_enabled {
            return None;
        }
        self.rate_by_address(point.name)
    }

    /// The rate of `name`, found by its address after the first time.
    fn rate_by_address(&self, name: &'static str) -> Option<Ratio> {
        let (address, len) = (name.as_ptr() as usize, name.len());
        let line =
            ((address as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - RATE_SLOTS.trailing_zeros())) as usize;
        let slots = self.by_address.get_or_init(|| Box::new(std::array::from_fn(|_| Cell::new((0, 0, None)))));
        let slot = &slots[line];
        let (known, known_len, known_rate) = slot.get();
        if known == address && known_len == len {
            return known_rate;
        }
        let rate = self.profile.rate(name);
        slot.set((address, len, rate));
        rate
    }
}

/// Which fault points a campaign may use (`--faults node.pause,net.delay.long`, or
/// `--faults -net.reply.lost` to take one out): narrows the swarm to aim it at a story.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FaultFilter {
    /// Only these points, if given.
    pub only: Option<Vec<String>>,
    /// Never these points.
    pub without: Vec<String>,
}

impl FaultFilter {
    /// Parses a comma-separated list: plain names keep only those points, names
    /// with a leading `-` take a point out, `none` keeps none (a fault-free run).
    /// Names are checked against `known`.
    pub fn parse(text: &str, known: &[FaultPoint]) -> Result<FaultFilter, String> {
        let mut filter = FaultFilter::default();
        for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            if item == "none" {
                filter.only.get_or_insert_with(Vec::new);
                continue;
            }
            let (name, out) = match item.strip_prefix('-') {
                Some(name) => (name, true),
                None => (item, false),
            };
            if !known.iter().any(|p| p.name == name) {
                let names: Vec<&str> = known.iter().map(|p| p.name).collect();
                return Err(format!("no fault point '{name}' here (fault points: {})", names.join(", ")));
            }
            if out {
                filter.without.push(name.to_string());
            } else {
                filter.only.get_or_insert_with(Vec::new).push(name.to_string());
            }
        }
        Ok(filter)
    }

    /// Whether the filter lets point `name` fire.
    pub fn allows(&self, name: &str) -> bool {
        self.only.as_ref().is_none_or(|only| only.iter().any(|n| n == name)) && !self.without.iter().any(|n| n == name)
    }

    pub fn is_empty(&self) -> bool {
        self.only.is_none() && self.without.is_empty()
    }
}

impl std::fmt::Display for FaultFilter {
    /// The filter as `--faults` takes it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.only.as_ref().is_some_and(Vec::is_empty) && self.without.is_empty() {
            return f.write_str("none");
        }
        let items: Vec<String> =
            self.only.iter().flatten().cloned().chain(self.without.iter().map(|n| format!("-{n}"))).collect();
        f.write_str(&items.join(","))
    }
}
