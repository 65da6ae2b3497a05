//! How many draws each label (kind, site, actor) has had so far in a run: the `n` of
//! the next draw there. Asked on every non-schedule draw, so it must be cheap.
//!
//! Sites are `&'static str` compared by content, but nearly every draw at a site
//! passes the very same pointer. A hash map keyed by the pointer finds the counter
//! in a few instructions; only a pointer not seen before in this run is matched by
//! content (a site string duplicated across codegen units, or interned from a case
//! file), once, and then joins the fast map. Both maps are only looked up, never
//! iterated, so their order cannot reach a run.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;

use crate::tape::{ChoiceKind, Site};

/// A label by the identity of its site string: (kind, site address, site length, actor).
type PointerKey = (ChoiceKind, usize, usize, u32);

#[derive(Default)]
pub(crate) struct LabelCounts {
    by_pointer: FxHashMap<PointerKey, usize>,
    by_content: BTreeMap<(ChoiceKind, Site, u32), usize>,
    counts: Vec<u32>,
}

impl LabelCounts {
    /// The occurrence number of this draw at `(kind, site, actor)`, counting it.
    pub fn next(&mut self, kind: ChoiceKind, site: Site, actor: u32) -> u32 {
        let key = (kind, site.0.as_ptr() as usize, site.0.len(), actor);
        let index = match self.by_pointer.get(&key) {
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
        };
        let n = self.counts[index];
        self.counts[index] = n + 1;
        n
    }

    /// Forgets every count, keeping the memory (a recycled run starts from zero).
    pub fn clear(&mut self) {
        self.by_pointer.clear();
        self.by_content.clear();
        self.counts.clear();
    }
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
}
