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
        FaultProfile::all_at(points, None)
    }

    /// Every point enabled at the same rate.
    pub fn uniform(points: &[FaultPoint], rate: Ratio) -> FaultProfile {
        FaultProfile::all_at(points, Some(rate))
    }

    /// Every point at `rate`, sorted by name, without duplicates: built in place, one
    /// allocation (every fault-free run makes one).
    fn all_at(points: &[FaultPoint], rate: Option<Ratio>) -> FaultProfile {
        let mut rates: Vec<(&'static str, Option<Ratio>)> = Vec::with_capacity(points.len());
        rates.extend(points.iter().map(|p| (p.name, rate)));
        rates.sort_unstable_by_key(|&(name, _)| name);
        rates.dedup_by_key(|&mut (name, _)| name);
        FaultProfile { rates }
    }

    /// Draws, for each point in name order, whether it is on and its rate.
    pub fn swarm(points: &[FaultPoint], choices: &mut Choices) -> FaultProfile {
        FaultProfile::swarm_filtered(points, &FaultFilter::default(), choices)
    }

    /// [`FaultProfile::swarm`] over the points `filter` allows; the others stay
    /// declared, off, and draw nothing.
    pub fn swarm_filtered(points: &[FaultPoint], filter: &FaultFilter, choices: &mut Choices) -> FaultProfile {
        // In name order: the order of the draws.
        let mut profile = FaultProfile::all_at(points, None);
        for (name, rate) in &mut profile.rates {
            if !filter.allows(name) {
                continue;
            }
            let (site, system) = (Site(name), NodeId::SYSTEM.0);
            let on = choices.below(ChoiceKind::Swarm, site, system, 2) == 1;
            let rates = FAULT_RATES.len() as u64;
            *rate = on.then(|| FAULT_RATES[choices.below(ChoiceKind::Swarm, site, system, rates) as usize]);
        }
        profile
    }

    /// This profile with every point `filter` leaves out turned off.
    pub fn filtered(self, filter: &FaultFilter) -> FaultProfile {
        if filter.is_empty() {
            return self;
        }
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

/// How often each fault point fired in a run, by name.
pub type FaultCounts = BTreeMap<&'static str, u64>;

/// Slots of [`FaultTable`]'s table of rates by name address (a power of two).
const RATE_SLOTS: usize = 32;

/// Names the table takes in before it stops growing (three quarters of its slots, so a
/// probe always meets an empty slot soon). A scenario has a handful of fault points,
/// each at one address per crate that names it: far fewer.
const RATE_NAMES_MAX: usize = RATE_SLOTS * 3 / 4;

/// A name's address and length, and its rate in the installed profile. Address 0:
/// an empty slot (no `&str` lives there).
#[derive(Clone, Copy)]
struct RateSlot {
    address: usize,
    len: usize,
    rate: Option<Ratio>,
}

const EMPTY_SLOT: RateSlot = RateSlot { address: 0, len: 0, rate: None };

/// The installed profile's rates by the address of the name asked about.
///
/// Callers pass the same few constants, but each crate keeps its own copy of a
/// constant's string, so the profile's names may sit at other addresses, where
/// [`FaultProfile::rate`] would compare every name by content on every draw. This
/// table asks the profile once per address and profile: an open-addressed table
/// (linear probing) whose entries are never evicted, so whichever addresses the
/// linker gives the names, every address after its first look is found, at worst a
/// few slots from its hash. (A direct-mapped cache, before it, missed on every draw
/// of two hot names that shared a slot, and which names did moved with code layout.)
/// Cells: a lookup goes through a shared borrow of the table. Which slot a name
/// takes only decides where its rate is kept, never a rate, so addresses reach no
/// decision of a run. The slots are allocated on the first lookup: a fault-free run,
/// and a run whose faults are all the engine's ([`EngineFault`]), never make one, and
/// the kernel that holds the table stays small to build and move.
#[derive(Default)]
struct RatesByAddress {
    slots: OnceCell<Box<[Cell<RateSlot>; RATE_SLOTS]>>,
    names: Cell<usize>,
}

impl RatesByAddress {
    /// Forgets every rate (a new profile was installed).
    fn clear(&mut self) {
        if let Some(slots) = self.slots.get_mut().filter(|_| *self.names.get_mut() > 0) {
            slots.iter_mut().for_each(|slot| *slot.get_mut() = EMPTY_SLOT);
            *self.names.get_mut() = 0;
        }
    }

    /// The rate of `name` in `profile`, looked up there only the first time.
    #[inline]
    fn rate(&self, profile: &FaultProfile, name: &'static str) -> Option<Ratio> {
        let (address, len) = (name.as_ptr() as usize, name.len());
        let mut line =
            ((address as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - RATE_SLOTS.trailing_zeros())) as usize;
        let slots = self.slots.get_or_init(|| Box::new([const { Cell::new(EMPTY_SLOT) }; RATE_SLOTS]));
        loop {
            let slot = slots[line].get();
            if slot.address == address && slot.len == len {
                return slot.rate;
            }
            if slot.address == 0 {
                return self.first_look(profile, name, &slots[line]);
            }
            line = (line + 1) % RATE_SLOTS;
        }
    }

    /// Asks the profile about a name not seen at this address, and keeps the answer
    /// in the empty `slot` while there is room.
    #[cold]
    #[inline(never)]
    fn first_look(&self, profile: &FaultProfile, name: &'static str, slot: &Cell<RateSlot>) -> Option<Ratio> {
        let rate = profile.rate(name);
        if self.names.get() < RATE_NAMES_MAX {
            self.names.set(self.names.get() + 1);
            slot.set(RateSlot { address: name.as_ptr() as usize, len: name.len(), rate });
        }
        rate
    }
}

/// The fault state of a running simulation.
pub(crate) struct FaultTable {
    /// Read freely; set with [`FaultTable::set_profile`].
    pub profile: FaultProfile,
    pub filter: FaultFilter,
    /// Firings of points by name (the models' points: the engine's own are counted in
    /// `engine_fired`); read both with [`FaultTable::fired_counts`].
    pub fired: FaultCounts,
    pub active: bool,
    /// Whether the profile enables any point: most draws of a fault-free run ask
    /// about a point, and this answers them without a lookup.
    any_enabled: bool,
    /// The rates of the engine's own points, by [`EngineFault`]: the network's are
    /// asked at every message, so kept where an ask is a load.
    engine_rates: [Option<Ratio>; EngineFault::COUNT],
    /// Whether the profile enables `node.pause` or `net.delay.long`, the faults that
    /// can hold a message up past its caller's timeout: asked at every call.
    holds_messages: bool,
    /// The profile's rates by the address of the name asked about.
    rates: RatesByAddress,
    /// How often each of the engine's points fired, by [`EngineFault`]: counted on
    /// every firing without a search of `fired` (a map by name, for the models'
    /// points); [`FaultTable::fired_counts`] adds them up.
    engine_fired: [u64; EngineFault::COUNT],
    /// Set when the nemesis was not started because none of its faults could fire:
    /// the longest pause between the ticks it would have made (see `crate::nemesis`).
    pub idle_nemesis_tick_max_ms: Option<u64>,
}

impl FaultTable {
    pub fn new(profile: FaultProfile) -> FaultTable {
        let any_enabled = profile.any_enabled();
        let (engine_rates, holds_messages) = engine_rates(&profile, any_enabled);
        FaultTable {
            any_enabled,
            engine_rates,
            holds_messages,
            profile,
            filter: FaultFilter::default(),
            fired: FaultCounts::new(),
            active: true,
            rates: RatesByAddress::default(),
            engine_fired: [0; EngineFault::COUNT],
            idle_nemesis_tick_max_ms: None,
        }
    }

    /// The table of a new run, as [`FaultTable::new`] makes it of the empty profile,
    /// keeping the rate slots' allocation. Every field is named, so a field added
    /// cannot be left out.
    pub fn reset(&mut self) {
        let FaultTable {
            profile,
            filter,
            fired,
            active,
            any_enabled,
            engine_rates,
            holds_messages,
            rates,
            engine_fired,
            idle_nemesis_tick_max_ms,
        } = self;
        *profile = FaultProfile::default();
        if !filter.is_empty() {
            *filter = FaultFilter::default();
        }
        fired.clear();
        *active = true;
        *any_enabled = false;
        *engine_rates = [None; EngineFault::COUNT];
        *holds_messages = false;
        rates.clear();
        *engine_fired = [0; EngineFault::COUNT];
        *idle_nemesis_tick_max_ms = None;
    }

    pub fn set_profile(&mut self, profile: FaultProfile) {
        self.any_enabled = profile.any_enabled();
        (self.engine_rates, self.holds_messages) = engine_rates(&profile, self.any_enabled);
        self.profile = profile;
        self.rates.clear();
    }

    /// The profile's enabled points and their rates, for reports (no look at the
    /// profile when it enables none).
    pub fn enabled_points(&self) -> Vec<(&'static str, Ratio)> {
        if !self.any_enabled {
            return Vec::new();
        }
        self.profile.enabled().collect()
    }

    /// How often each point fired so far, by name: `fired` and the engine's points.
    pub fn fired_counts(&self) -> FaultCounts {
        if self.fired.is_empty() && self.engine_fired.iter().all(|&n| n == 0) {
            return FaultCounts::new();
        }
        let mut counts = self.fired.clone();
        for (fault, &n) in EngineFault::ALL.iter().zip(&self.engine_fired) {
            if n > 0 {
                *counts.entry(fault.point().name).or_insert(0) += n;
            }
        }
        counts
    }

    /// Whether any of `points` can fire now.
    pub fn any_armed(&self, points: &[FaultPoint]) -> bool {
        points.iter().any(|p| self.armed(p).is_some())
    }

    /// The rate to draw with, or `None` when the point cannot fire now.
    #[inline]
    pub fn armed(&self, point: &FaultPoint) -> Option<Ratio> {
        if !self.active || !self.any_enabled {
            return None;
        }
        self.rates.rate(&self.profile, point.name)
    }

    /// [`FaultTable::armed`] of one of the engine's own points, by its index.
    #[inline]
    pub fn engine_armed(&self, fault: EngineFault) -> Option<Ratio> {
        if !self.active {
            return None;
        }
        self.engine_rates[fault as usize]
    }

    /// Whether a fault that holds a message up (a pause, a long delay) can fire now:
    /// `armed` of `node.pause` or of `net.delay.long`, without looking either up.
    #[inline]
    pub fn holds_messages_armed(&self) -> bool {
        self.active && self.holds_messages
    }
}

impl crate::executor::Sim {
    /// [`Sim::fault_fires`](crate::executor::Sim) for one of the network's
    /// per-message faults, inlined: every message asks about two or three of them, and
    /// in a faulting run most are off, which then costs a load rather than a call and a
    /// lookup. Draws and counts exactly as `fault_fires` does.
    #[inline(always)]
    pub(crate) fn message_fault_fires(&self, fault: EngineFault) -> bool {
        if self.faults_quiet() {
            return false;
        }
        let rate = self.k().faults.borrow().engine_armed(fault);
        rate.is_some_and(|rate| self.fault_drawn_out_of_line(fault, rate))
    }

    /// [`Sim::fault_drawn`], kept out of the inlined callers.
    #[inline(never)]
    fn fault_drawn_out_of_line(&self, fault: EngineFault, rate: Ratio) -> bool {
        self.fault_drawn(fault, rate)
    }

    /// Draws whether the engine's point `fault`, armed at `rate`, fires, at the
    /// point's own site, and counts a firing.
    #[inline(always)]
    pub(crate) fn fault_drawn(&self, fault: EngineFault, rate: Ratio) -> bool {
        let fired = self.chance_at(ChoiceKind::Fault, fault.point().name, rate);
        if fired {
            self.k().faults.borrow_mut().engine_fired[fault as usize] += 1;
        }
        fired
    }
}

/// The engine's own fault points, each with a fixed index: their rates sit in an
/// array of [`FaultTable`], rebuilt with each profile, so asking about one costs a
/// load whatever the code layout. The network's are asked at every message, the
/// nemesis's at every tick.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EngineFault {
    RequestLost,
    ReplyLost,
    DelayLong,
    NodeCrash,
    ClockJump,
    NodePause,
    ClockDrift,
}

impl EngineFault {
    const COUNT: usize = 7;
    const ALL: [EngineFault; EngineFault::COUNT] = [
        EngineFault::RequestLost,
        EngineFault::ReplyLost,
        EngineFault::DelayLong,
        EngineFault::NodeCrash,
        EngineFault::ClockJump,
        EngineFault::NodePause,
        EngineFault::ClockDrift,
    ];

    /// The fault point it is: its name is the draw's site and the count's key.
    pub(crate) fn point(self) -> &'static FaultPoint {
        match self {
            EngineFault::RequestLost => &points::NET_REQUEST_LOST,
            EngineFault::ReplyLost => &points::NET_REPLY_LOST,
            EngineFault::DelayLong => &points::NET_DELAY_LONG,
            EngineFault::NodeCrash => &points::NODE_CRASH,
            EngineFault::ClockJump => &points::CLOCK_JUMP,
            EngineFault::NodePause => &points::NODE_PAUSE,
            EngineFault::ClockDrift => &points::CLOCK_DRIFT,
        }
    }
}

/// The rates of the engine's points in `profile`, and whether it enables a fault that
/// can hold a message up (a pause or a long delay). One pass over the enabled points,
/// by content, when a profile is installed (none when `any_enabled` says there is none).
fn engine_rates(profile: &FaultProfile, any_enabled: bool) -> ([Option<Ratio>; EngineFault::COUNT], bool) {
    let mut rates = [None; EngineFault::COUNT];
    if !any_enabled {
        return (rates, false);
    }
    for (name, rate) in profile.enabled() {
        if let Some(fault) = EngineFault::ALL.into_iter().find(|f| f.point().name == name) {
            rates[fault as usize] = Some(rate);
        }
    }
    let holds_messages =
        rates[EngineFault::NodePause as usize].is_some() || rates[EngineFault::DelayLong as usize].is_some();
    (rates, holds_messages)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn leaked(name: &str) -> &'static str {
        Box::leak(name.to_string().into_boxed_str())
    }

    fn point(name: &'static str) -> FaultPoint {
        FaultPoint { name, doc: "" }
    }

    fn sorted_names(points: &[FaultPoint]) -> Vec<&'static str> {
        let mut names: Vec<&'static str> = points.iter().map(|p| p.name).collect();
        names.sort_unstable();
        names.dedup();
        names
    }

    #[test]
    fn profiles_list_each_point_once_in_name_order_and_swarm_draws_in_that_order() {
        let (a, b, c) = (point("b.two"), point("a.one"), point("c.three"));
        let points = [a, b, c, b, a];
        let names = |p: &FaultProfile| p.rates.iter().map(|(n, _)| *n).collect::<Vec<_>>();
        let none = FaultProfile::none(&points);
        assert_eq!(names(&none), ["a.one", "b.two", "c.three"]);
        assert!(!none.any_enabled());
        let half = Ratio::new(1, 2);
        let uniform = FaultProfile::uniform(&points, half);
        assert_eq!(uniform.rates, [("a.one", Some(half)), ("b.two", Some(half)), ("c.three", Some(half))]);
        let mut choices = Choices::new(crate::ChoiceSource::Seed(4));
        let swarm = FaultProfile::swarm(&points, &mut choices);
        assert_eq!(names(&swarm), ["a.one", "b.two", "c.three"]);
        let mut sites: Vec<&str> = choices.tape().choices.iter().map(|c| c.site.0).collect();
        sites.dedup();
        assert_eq!(sites, ["a.one", "b.two", "c.three"], "one point's draws, then the next's");
        let filter = FaultFilter::parse("-b.two", &points).unwrap();
        assert_eq!(uniform.clone().filtered(&filter).rates[1], ("b.two", None));
        assert_eq!(uniform.clone().filtered(&FaultFilter::default()), uniform);
        // Each point once, in name order, whatever the points given.
        let same_text = point(leaked("a.one"));
        for (points, want) in [
            (&[a, b][..], &["a.one", "b.two"][..]),
            (&[a][..], &["b.two"][..]),
            (&[a, b, c][..], &["a.one", "b.two", "c.three"][..]),
            (&[a, b][..], &["a.one", "b.two"][..]),
            (&[a, same_text][..], &["a.one", "b.two"][..]),
            (&[][..], &[][..]),
        ] {
            assert_eq!(names(&FaultProfile::none(points)), want);
            assert_eq!(FaultProfile::none(points), FaultProfile::all_at(points, None));
        }
    }

    #[test]
    fn a_name_at_any_address_gets_its_profile_rate() {
        let (a, b) = (point("store.insert.fail"), point("net.request.lost"));
        let mut table = FaultTable::new(FaultProfile::default());
        table.set_profile(FaultProfile { rates: vec![(a.name, Some(Ratio::new(1, 4))), (b.name, None)] });
        let copy = point(leaked("store.insert.fail"));
        assert!(!std::ptr::eq(copy.name, a.name));
        for _ in 0..3 {
            assert_eq!(table.armed(&a), Some(Ratio::new(1, 4)));
            assert_eq!(table.armed(&copy), Some(Ratio::new(1, 4)), "the same name elsewhere");
            assert_eq!(table.armed(&b), None, "declared, off");
            assert_eq!(table.armed(&point("not.declared")), None);
            assert_eq!(table.armed(&point(&a.name[..5])), None, "a prefix of a name at its address");
        }
    }

    #[test]
    fn more_addresses_than_slots_each_keep_their_own_rate() {
        let names: Vec<&'static str> = (0..3 * RATE_SLOTS).map(|i| leaked(&format!("point.{i}"))).collect();
        let rate = |i: usize| (!i.is_multiple_of(3)).then(|| FAULT_RATES[i % FAULT_RATES.len()]);
        let mut rates: Vec<_> = names.iter().enumerate().map(|(i, &n)| (n, rate(i))).collect();
        rates.sort_unstable();
        let mut table = FaultTable::new(FaultProfile::default());
        table.set_profile(FaultProfile { rates });
        for _ in 0..3 {
            for (i, &name) in names.iter().enumerate() {
                assert_eq!(table.armed(&point(name)), rate(i), "{name}");
                assert_eq!(table.armed(&point(leaked(name))), rate(i), "{name} elsewhere");
            }
        }
    }

    #[test]
    fn a_new_profile_and_the_end_of_the_phase_change_every_answer() {
        let (pause, lost) = (points::NODE_PAUSE, points::NET_REQUEST_LOST);
        let mut table = FaultTable::new(FaultProfile::default());
        assert_eq!(table.armed(&pause), None);
        assert!(!table.holds_messages_armed());
        table.set_profile(FaultProfile::uniform(&[pause, lost], Ratio::new(1, 2)));
        assert_eq!(table.armed(&pause), Some(Ratio::new(1, 2)));
        assert!(table.holds_messages_armed());
        table.set_profile(FaultProfile { rates: vec![(lost.name, Some(Ratio::new(1, 16))), (pause.name, None)] });
        assert_eq!(table.armed(&pause), None, "a rate kept from the last profile");
        assert_eq!(table.armed(&lost), Some(Ratio::new(1, 16)));
        assert!(!table.holds_messages_armed());
        table.set_profile(FaultProfile::uniform(&[points::NET_DELAY_LONG], Ratio::new(1, 64)));
        assert!(table.holds_messages_armed(), "a long delay holds messages too");
        table.active = false;
        assert_eq!(table.armed(&points::NET_DELAY_LONG), None);
        assert!(!table.holds_messages_armed());
    }
    #[test]
    fn an_engine_fault_by_index_has_the_rate_its_point_has_by_name() {
        let engine = EngineFault::ALL.map(|f| *f.point());
        let all = [&engine[..], &[point("store.insert.fail")]].concat();
        let mut table = FaultTable::new(FaultProfile::default());
        for mask in 0..(1u32 << all.len()) {
            let rates = sorted_names(&all)
                .into_iter()
                .enumerate()
                .map(|(i, n)| (n, (mask & (1 << i) != 0).then_some(FAULT_RATES[i % FAULT_RATES.len()])))
                .collect();
            table.set_profile(FaultProfile { rates });
            table.active = true;
            for fault in EngineFault::ALL {
                let copy = point(leaked(fault.point().name));
                assert_eq!(table.engine_armed(fault), table.armed(&copy), "{fault:?}, profile {mask:b}");
            }
            let held = table.armed(&points::NODE_PAUSE).is_some() || table.armed(&points::NET_DELAY_LONG).is_some();
            assert_eq!(table.holds_messages_armed(), held, "profile {mask:b}");
            table.active = false;
            assert!(EngineFault::ALL.iter().all(|&f| table.engine_armed(f).is_none()), "after the fault phase");
            assert!(!table.holds_messages_armed());
        }
    }
    #[test]
    fn fired_counts_add_the_engine_points_to_the_named_ones_and_leave_out_what_never_fired() {
        let mut table = FaultTable::new(FaultProfile::default());
        assert!(table.fired_counts().is_empty());
        table.fired.insert("store.insert.fail", 1);
        table.fired.insert(leaked("net.reply.lost"), 2);
        table.engine_fired[EngineFault::ReplyLost as usize] = 3;
        table.engine_fired[EngineFault::NodeCrash as usize] = 4;
        let counts: Vec<(&str, u64)> = table.fired_counts().into_iter().collect();
        assert_eq!(counts, [("net.reply.lost", 5), ("node.crash", 4), ("store.insert.fail", 1)]);
    }
}
