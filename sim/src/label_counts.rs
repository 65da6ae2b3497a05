//! How many draws each label (kind, site, actor) has had so far in a run: the `n` of
//! the next draw there. Asked on every non-schedule draw, so it must be cheap.
//!
//! Sites are `&'static str` compared by content, but nearly every draw at a site
//! passes the very same pointer. A hash map keyed by the pointer finds the counter
//! in a few instructions; only a pointer not seen before in this run is matched by
//! content (a site string duplicated across codegen units, or interned from a case
//! file), once, and then joins the fast map. Both maps are only looked up, never
//! iterated, so their order cannot reach a run.
//!
//! In front of the hash map sits a small direct-mapped cache: one slot per hash of
//! the key, holding the last key seen there and its counter. A hit is a multiply and
//! one compare; a miss asks the map and fills the slot. Either way the same counter
//! is found, so the cache changes how fast a draw is labelled, never its label.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;

use crate::tape::{ChoiceKind, Site};

/// A label by the identity of its site string: (kind, site address, site length, actor).
type PointerKey = (ChoiceKind, usize, usize, u32);

/// Slots of the direct-mapped cache (a power of two).
const CACHE_SLOTS: usize = 32;

#[derive(Default)]
pub(crate) struct LabelCounts {
    /// Boxed, so that moving the counts (into and out of the recycler) stays cheap.
    cache: Box<[Option<(PointerKey, usize)>; CACHE_SLOTS]>,
    by_pointer: FxHashMap<PointerKey, usize>,
    by_content: BTreeMap<(ChoiceKind, Site, u32), usize>,
    counts: Vec<u32>,
}

impl LabelCounts {
    /// The occurrence number of this draw at `(kind, site, actor)`, counting it.
    pub fn next(&mut self, kind: ChoiceKind, site: Site, actor: u32) -> u32 {
        let key = (kind, site.0.as_ptr() as usize, site.0.len(), actor);
        let line = cache_line(&key);
        let index = match self.cache[line] {
            Some((cached, i)) if cached == key => i,
            _ => {
                let i = self.lookup(key, site);
                self.cache[line] = Some((key, i));
                i
            }
        };
        let n = self.counts[index];
        self.counts[index] = n + 1;
        n
    }

    /// The counter of a label the cache did not hold.
    fn lookup(&mut self, key: PointerKey, site: Site) -> usize {
        let (kind, _, _, actor) = key;
        match self.by_pointer.get(&key) {
            Some(&i) => i,
            None => {
                let fresh = self.counts.len();
                let i = *self.by_content.entry((kind, site, actor)).or_insert(fresh);
                if i == fresh {
                    self.counts.push(0);
                }
                self.by_pointer.insert(key, i);
                i
            }
        }
    }

    /// Forgets every count, keeping the memory (a recycled run starts from zero).
    pub fn clear(&mut self) {
        self.cache.fill(None);
        self.by_pointer.clear();
        self.by_content.clear();
        self.counts.clear();
    }
}

/// The cache slot of a key: a multiplicative hash of its address, actor and kind.
fn cache_line(key: &PointerKey) -> usize {
    let (kind, address, _, actor) = *key;
    let mixed = (address as u64 ^ (u64::from(actor) << 8) ^ kind as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    (mixed >> 59) as usize % CACHE_SLOTS
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
}
