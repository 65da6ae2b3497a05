//! How many draws each label (kind, site, actor) has had so far in a run: the `n` of
//! the next draw there. Asked on every non-schedule draw, so it must be cheap.
//!
//! Sites are `&'static str` compared by content, but nearly every draw at a site
//! passes the very same pointer. Each label gets a small id the first time it is
//! seen: a hash map keyed by the pointer finds it, and only a pointer not seen
//! before is matched by content (a site string duplicated across codegen units, or
//! interned from a case file), once, and then joins the fast map. In front of that
//! map sits a direct-mapped cache: one slot per hash of the key, holding the last key
//! seen there and its id. A hit is a multiply and one compare.
//!
//! Which label has which id never changes a count, so the ids, both maps and the cache
//! outlive a run: the counter behind each id carries the number of the run that last
//! counted it, and a counter of an earlier run reads as 0. Starting a run is one
//! increment, and the labels a thread's earlier runs met are found at once. The maps
//! are only looked up, never iterated, so their order cannot reach a run.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;

use crate::tape::{ChoiceKind, Site};

/// A label by the identity of its site string: (kind, site address, site length, actor).
type PointerKey = (ChoiceKind, usize, usize, u32);

/// Slots of the direct-mapped cache (a power of two).
const CACHE_SLOTS: usize = 256;

/// Labels kept across runs before the table starts afresh: a thread meets a few
/// hundred (sites × actors); the bound only keeps a pathological model from growing
/// the table without end.
const LABELS_KEPT_MAX: usize = 1 << 16;

/// A cache slot: a key and its id. No `&str` lives at address 0, so that marks an
/// empty slot.
#[derive(Clone, Copy)]
struct Slot {
    key: PointerKey,
    id: u32,
}

const EMPTY: Slot = Slot { key: (ChoiceKind::Schedule, 0, 0, 0), id: 0 };

/// The draws of one label in the run numbered `run`.
#[derive(Clone, Copy)]
struct Count {
    run: u32,
    n: u32,
}

pub(crate) struct LabelCounts {
    /// `CACHE_SLOTS` slots, allocated on the first draw: a default (the placeholder a
    /// run leaves when its counts go to the recycler) allocates nothing.
    cache: Box<[Slot]>,
    by_pointer: FxHashMap<PointerKey, u32>,
    by_content: BTreeMap<(ChoiceKind, Site, u32), u32>,
    counts: Vec<Count>,
    /// The number of the current run; never 0, so a fresh counter reads as stale.
    run: u32,
}

impl Default for LabelCounts {
    fn default() -> LabelCounts {
        LabelCounts {
            cache: Box::default(),
            by_pointer: FxHashMap::default(),
            by_content: BTreeMap::new(),
            counts: Vec::new(),
            run: 1,
        }
    }
}

impl LabelCounts {
    /// The occurrence number of this draw at `(kind, site, actor)`, counting it.
    #[inline]
    pub fn next(&mut self, kind: ChoiceKind, site: Site, actor: u32) -> u32 {
        let key = (kind, site.0.as_ptr() as usize, site.0.len(), actor);
        if self.cache.is_empty() {
            self.cache = vec![EMPTY; CACHE_SLOTS].into_boxed_slice();
        }
        let slot = &mut self.cache[cache_line(&key)];
        let id = if slot.key == key {
            slot.id
        } else {
            let id = lookup(&mut self.by_pointer, &mut self.by_content, &mut self.counts, key, site);
            *slot = Slot { key, id };
            id
        };
        let count = &mut self.counts[id as usize];
        let n = if count.run == self.run { count.n } else { 0 };
        *count = Count { run: self.run, n: n + 1 };
        n
    }

    /// Starts a new run: every count reads as 0 again. The ids and the cache stay.
    pub fn clear(&mut self) {
        self.run = self.run.wrapping_add(1);
        if self.run == 0 || self.counts.len() > LABELS_KEPT_MAX {
            *self = LabelCounts::default();
        }
    }
}

/// The id of a label the cache did not hold, given one if it is new.
#[cold]
fn lookup(
    by_pointer: &mut FxHashMap<PointerKey, u32>,
    by_content: &mut BTreeMap<(ChoiceKind, Site, u32), u32>,
    counts: &mut Vec<Count>,
    key: PointerKey,
    site: Site,
) -> u32 {
    let (kind, _, _, actor) = key;
    if let Some(&id) = by_pointer.get(&key) {
        return id;
    }
    let fresh = counts.len() as u32;
    let id = *by_content.entry((kind, site, actor)).or_insert(fresh);
    if id == fresh {
        counts.push(Count { run: 0, n: 0 });
    }
    by_pointer.insert(key, id);
    id
}

/// The cache slot of a key: a multiplicative hash of its address, actor and kind.
#[inline]
fn cache_line(key: &PointerKey) -> usize {
    let (kind, address, _, actor) = *key;
    let mixed = (address as u64 ^ (u64::from(actor) << 40) ^ ((kind as u64) << 56)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    (mixed >> (64 - CACHE_SLOTS.trailing_zeros())) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_sites_at_different_addresses_share_one_count() {
        let a: &'static str = "net.delay";
        let b: &'static str = Box::leak(String::from("net.delay").into_boxed_str());
        assert!(!std::ptr::eq(a, b));
        let mut c = LabelCounts::default();
        assert_eq!(c.next(ChoiceKind::Delay, Site(a), 1), 0);
        assert_eq!(c.next(ChoiceKind::Delay, Site(b), 1), 1);
        assert_eq!(c.next(ChoiceKind::Delay, Site(a), 1), 2);
        assert_eq!(c.next(ChoiceKind::Delay, Site(a), 2), 0, "another actor counts apart");
        assert_eq!(c.next(ChoiceKind::Fault, Site(b), 1), 0, "another kind counts apart");
        c.clear();
        assert_eq!(c.next(ChoiceKind::Delay, Site(b), 1), 0);
    }

    #[test]
    fn more_labels_than_cache_slots_each_keep_their_own_count() {
        let site: &'static str = "nemesis.tick";
        let mut c = LabelCounts::default();
        let actors = 0..(3 * CACHE_SLOTS as u32);
        for round in 0..3 {
            for actor in actors.clone() {
                assert_eq!(c.next(ChoiceKind::Delay, Site(site), actor), round, "actor {actor}");
            }
        }
    }

    #[test]
    fn a_new_run_counts_every_label_from_zero_whichever_labels_the_last_run_met() {
        let (a, b): (&'static str, &'static str) = ("a", "b");
        let mut c = LabelCounts::default();
        for _ in 0..3 {
            c.next(ChoiceKind::Delay, Site(a), 0);
        }
        c.clear();
        assert_eq!(c.next(ChoiceKind::Delay, Site(b), 0), 0, "a label new to this thread");
        assert_eq!(c.next(ChoiceKind::Delay, Site(a), 0), 0, "a label the last run counted to 3");
        assert_eq!(c.next(ChoiceKind::Delay, Site(a), 0), 1);
        c.run = u32::MAX;
        c.clear();
        assert_eq!(c.next(ChoiceKind::Delay, Site(a), 0), 0, "after the run number wraps");
    }
}
