//! Reactive queries: the store's side of a subscription and the subscriber's handle.
//!
//! Invariants:
//! - every result a subscriber holds was the query's result at the store at some
//!   instant, and each result carries the version the store gave it; a push or a reply
//!   that arrives after a newer one is dropped, so the network's reordering never
//!   rolls a subscriber back to an older result;
//! - the store pushes a result only when it differs from the last one it pushed;
//! - a subscription lives for one life of its subscriber: the store stops serving it
//!   once the subscriber node has crashed (its connection closed), and nothing is
//!   delivered to a later life. A restarted node must [`Subscription::resubscribe`].
//!
//! A simulation shortcut: [`Subscription::unsubscribe`] takes effect at the store at
//! once. A real connection is ordered, so an unsubscribe is processed after the
//! subscribe it cancels; here the network could reorder them.

use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;

use sim::{NodeId, Notify, Sim, SimTime};

use super::{DocStore, StoreState, TrackedTables};

/// Names one subscription at the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct SubscriptionId(pub u64);

/// The store's view of a subscription, whatever its result type.
pub(crate) trait LiveQuery<S> {
    /// Whether the life of the node that subscribed is still running.
    fn subscriber_alive(&self, sim: &Sim) -> bool;
    /// The version of the last result the store sent.
    fn version(&self) -> u64;
    /// Re-runs the query and pushes its result if it changed.
    fn rerun(&mut self, sim: &Sim, store: NodeId, tables: &S, now: SimTime);
}

/// The newest result a subscriber has, and the version it came with.
#[derive(Debug)]
struct Received<T> {
    value: Option<T>,
    version: u64,
    stale_dropped: u64,
    closed: bool,
}

impl<T: PartialEq> Received<T> {
    /// Takes `value` if it is newer than what is held; true if the held value changed.
    fn apply(&mut self, version: u64, value: T) -> bool {
        if version <= self.version {
            self.stale_dropped += 1;
            return false;
        }
        self.version = version;
        let changed = self.value.as_ref() != Some(&value);
        self.value = Some(value);
        changed
    }
}

/// The subscriber's end: lives on the subscriber node, for one life of it.
struct Inbox<T> {
    received: RefCell<Received<T>>,
    changed: Notify,
    node: NodeId,
    life: u32,
}

impl<T: PartialEq> Inbox<T> {
    fn deliver(&self, sim: &Sim, version: u64, value: T) {
        if sim.incarnation(self.node) != self.life || self.received.borrow().closed {
            return;
        }
        let changed = self.received.borrow_mut().apply(version, value);
        if changed {
            self.changed.notify_all();
        }
    }

    fn alive(&self, sim: &Sim) -> bool {
        sim.incarnation(self.node) == self.life && !self.received.borrow().closed
    }
}

type Query<S, T> = Rc<dyn Fn(&S, SimTime) -> T>;

/// Opens the same query again from the same node.
type Reopen<T> = Rc<dyn Fn(&Sim) -> Subscription<T>>;

/// The store's end of one subscription.
struct ServedQuery<S, T> {
    label: &'static str,
    query: Query<S, T>,
    inbox: Rc<Inbox<T>>,
    last: T,
    version: u64,
}

impl<S, T: Clone + PartialEq + 'static> LiveQuery<S> for ServedQuery<S, T> {
    fn subscriber_alive(&self, sim: &Sim) -> bool {
        self.inbox.alive(sim)
    }

    fn version(&self) -> u64 {
        self.version
    }

    fn rerun(&mut self, sim: &Sim, store: NodeId, tables: &S, now: SimTime) {
        let value = (self.query)(tables, now);
        if value == self.last {
            return;
        }
        self.version += 1;
        self.last = value.clone();
        let (inbox, version) = (self.inbox.clone(), self.version);
        sim.send(store, inbox.node, self.label, move |sim| inbox.deliver(sim, version, value));
    }
}

/// Registers (or refreshes) subscription `id` at the store; returns its current result
/// under a version newer than any the store sent before.
fn serve<S: 'static, T: Clone + PartialEq + 'static>(
    state: &mut StoreState<S>,
    sim: &Sim,
    store: NodeId,
    id: SubscriptionId,
    served: (&'static str, Query<S, T>, Rc<Inbox<T>>),
) -> (u64, T) {
    let (label, query, inbox) = served;
    let value = query(state.tables(), sim.node_now(store));
    let version = state.queries_mut().get(&id).map_or(0, |q| q.version()) + 1;
    if inbox.alive(sim) {
        let served = ServedQuery { label, query, inbox, last: value.clone(), version };
        state.queries_mut().insert(id, Box::new(served));
    }
    (version, value)
}

/// A subscriber's handle on one reactive query. Clones share the same subscription.
pub struct Subscription<T> {
    id: SubscriptionId,
    inbox: Rc<Inbox<T>>,
    resubscribe: Reopen<T>,
}

impl<T> Clone for Subscription<T> {
    fn clone(&self) -> Subscription<T> {
        Subscription { id: self.id, inbox: self.inbox.clone(), resubscribe: self.resubscribe.clone() }
    }
}

impl<T: Clone + PartialEq + 'static> Subscription<T> {
    pub fn id(&self) -> SubscriptionId {
        self.id
    }

    /// The node that subscribed.
    pub fn node(&self) -> NodeId {
        self.inbox.node
    }

    /// The newest result received; `None` while loading ("undefined").
    pub fn current(&self) -> Option<T> {
        self.inbox.received.borrow().value.clone()
    }

    /// The version of the current result (0 while loading).
    pub fn version(&self) -> u64 {
        self.inbox.received.borrow().version
    }

    /// How many pushes or replies arrived after a newer one and were dropped.
    pub fn stale_dropped(&self) -> u64 {
        self.inbox.received.borrow().stale_dropped
    }

    /// Completes at the next change of [`Subscription::current`] after this call.
    pub fn changed(&self) -> impl Future<Output = ()> + 'static {
        self.inbox.changed.notified()
    }

    /// The notifier behind [`Subscription::changed`], for tasks that wait on several.
    pub fn notify(&self) -> Notify {
        self.inbox.changed.clone()
    }

    /// Stops the subscription: the store stops serving it and the handle stops changing.
    pub fn unsubscribe(&self) {
        self.inbox.received.borrow_mut().closed = true;
    }

    /// Closes this subscription and opens the same query again from the same node, for
    /// its current life. A restarted node calls this (or subscribes afresh).
    pub fn resubscribe(&self, sim: &Sim) -> Subscription<T> {
        self.unsubscribe();
        (self.resubscribe)(sim)
    }
}

/// Opens a subscription of `from` to `query` on `store` (see [`DocStore::subscribe`]).
pub(super) fn open<S: TrackedTables + Clone + PartialEq + 'static, T: Clone + PartialEq + 'static>(
    store: &DocStore<S>,
    sim: &Sim,
    from: NodeId,
    label: &'static str,
    query: Query<S, T>,
) -> Subscription<T> {
    let id = store.state().borrow_mut().allocate_subscription();
    let inbox = Rc::new(Inbox {
        received: RefCell::new(Received { value: None, version: 0, stale_dropped: 0, closed: false }),
        changed: Notify::new(),
        node: from,
        life: sim.incarnation(from),
    });
    let (again_store, again_query) = (store.clone(), query.clone());
    let resubscribe = Rc::new(move |sim: &Sim| open(&again_store, sim, from, label, again_query.clone()));
    let (store, task_inbox, sim2) = (store.clone(), inbox.clone(), sim.clone());
    sim.spawn(from, "subscribe", async move {
        // Register, retrying until acknowledged; then re-fetch periodically if asked.
        let mut acknowledged = false;
        while task_inbox.alive(&sim2) {
            if acknowledged {
                let Some(every_ms) = store.params.resync_every_ms else { return };
                sim2.sleep_ms(every_ms.max(1)).await;
            }
            let (state, node, served) = (store.state().clone(), store.node, (label, query.clone(), task_inbox.clone()));
            let reply = sim2.call(from, node, label, move |sim| serve(&mut state.borrow_mut(), sim, node, id, served));
            if let Ok((version, value)) = reply.await {
                task_inbox.deliver(&sim2, version, value);
                acknowledged = true;
            }
        }
    });
    Subscription { id, inbox, resubscribe }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_older_version_never_overwrites_a_newer_one() {
        let mut r = Received { value: None, version: 0, stale_dropped: 0, closed: false };
        assert!(r.apply(3, "three"));
        assert!(!r.apply(2, "two"), "a stale push must be dropped");
        assert_eq!((r.value, r.version, r.stale_dropped), (Some("three"), 3, 1));
        assert!(!r.apply(4, "three"), "a newer version with the same value is no change");
        assert_eq!(r.version, 4);
    }
}
