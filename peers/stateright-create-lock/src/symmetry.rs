//! Symmetry reduction: the tabs are interchangeable (every action, step and invariant
//! treats them alike; an id only names a tab's placeholder and sandbox), so a state
//! and its relabellings behave the same. [`representative`] relabels the tabs in a
//! canonical order of what each one *is* (its step, its sandbox, whether it owns the
//! placeholder, where its record stands), so many relabellings meet in one state.
//!
//! Any relabelling is a member of the state's orbit, so the search stays sound even
//! where two members of an orbit get different representatives (that only costs
//! reduction). stateright 0.31 applies symmetry in its depth-first search only.

use create_lock_abstraction::state::{Pending, State, Tab, TabId, View};

/// `tab` with every tab id in it passed through `f`.
fn relabel(tab: Tab, f: impl Fn(TabId) -> TabId) -> Tab {
    let view = |v: View| match v {
        View::Found(x) => View::Found(f(x)),
        v => v,
    };
    match tab {
        Tab::Running { sandbox } => Tab::Running { sandbox: f(sandbox) },
        Tab::Waiting { view: v, dirty, until } => Tab::Waiting { view: view(v), dirty, until },
        Tab::Acquiring { view: v, dirty } => Tab::Acquiring { view: view(v), dirty },
        t => t,
    }
}

/// What tab `i` is, with every id in it replaced by "self" (0) or "another" (1).
fn shape(s: &State, i: TabId) -> impl Ord {
    let tab = relabel(s.tab(i), |x| u8::from(x != i));
    let owns = s.pending.filter(|p| p.owner == i).map(|p| p.created_at);
    let record = s.records.iter().position(|&r| r == i);
    (tab, s.sandbox(i), owns, record)
}

/// The state with its tabs relabelled in canonical order.
pub fn representative(s: &State) -> State {
    let mut order: Vec<TabId> = s.tab_ids().collect();
    order.sort_by_cached_key(|&i| shape(s, i));
    // new id of old tab `old` = its position in `order`.
    let mut new_id = vec![0; order.len()];
    for (new, &old) in order.iter().enumerate() {
        new_id[usize::from(old)] = new as TabId;
    }
    let map = |x: TabId| new_id[usize::from(x)];
    let mut r = s.clone();
    for (new, &old) in order.iter().enumerate() {
        r.tabs[new] = relabel(s.tab(old), map);
        r.sandboxes[new] = s.sandbox(old);
    }
    r.pending = s.pending.map(|p| Pending { owner: map(p.owner), ..p });
    r.records = s.records.iter().map(|&x| map(x)).collect();
    r
}
