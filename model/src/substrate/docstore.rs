//! A document store with atomic mutations and reactive queries: the Convex role.
//!
//! The store is one server node holding the tables `S` (any type the model picks).
//! Invariants it keeps:
//! - **Atomic, serializable mutations (M1).** A mutation is a closure over `&mut S` and
//!   the store's clock, applied as one [`Sim::call`] handler on the store node: two
//!   concurrent mutations run one after the other, never interleaved.
//! - **Explicit outcomes.** [`STORE_MUTATION_FAIL`] rejects a mutation before it is
//!   applied; [`STORE_MUTATION_AMBIGUOUS`] applies it and still reports an error, as
//!   does a lost reply (`net.reply.lost`). A caller that sees
//!   [`StoreError::Ambiguous`] or [`StoreError::Network`] cannot know which happened.
//! - **Reactive queries (M2).** A committed mutation re-runs the subscriptions whose
//!   read set it touched, and the store pushes a result that changed (see
//!   [`Subscription`]). A query's read set is the whole of the tables `S` (the
//!   launcher's `getSandbox` reads every record of its one user), so a mutation
//!   touches it exactly when it changed the tables: a no-op write (the cron finding
//!   nothing to clean) re-runs nothing, as in Convex. Whether a re-run happens matters
//!   because a query may read the clock (`getSandbox`'s TTL): a re-run after an
//!   unrelated write would re-evaluate it on time. [`DocStoreParams::rerun_on_every_write`]
//!   restores that over-approximation for comparison. The tables tell a change from a
//!   no-op themselves ([`TrackedTables`]), so a mutation costs no clone of the tables;
//!   debug builds still clone and compare, and panic if the two answers differ.
//! - **Time.** Queries and mutations see `sim.node_now(store)`, so a clock jump on the
//!   store moves their TTL checks. Queries re-run on time passing only when
//!   [`DocStoreParams::requery_on_time_ms`] says so (Convex does not).
//! - Committed data survives a crash of the store node (it is a managed service).

mod subscription;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use sim::{note, FaultPoint, NetError, NodeId, Sim, SimTime};
use thiserror::Error;

pub use subscription::Subscription;
use subscription::{LiveQuery, SubscriptionId};

/// A mutation is rejected before it is applied (a transient auth or network failure).
pub const STORE_MUTATION_FAIL: FaultPoint = FaultPoint {
    name: "store.mutation.fail",
    doc: "a mutation fails transiently: it is not applied and the caller gets an error",
};

/// A mutation commits but the caller is told it failed.
pub const STORE_MUTATION_AMBIGUOUS: FaultPoint = FaultPoint {
    name: "store.mutation.ambiguous",
    doc: "a mutation commits but the caller gets an error (ambiguous outcome)",
};

/// Every fault point of the store, for a scenario's swarm profile.
pub const STORE_FAULT_POINTS: [FaultPoint; 2] = [STORE_MUTATION_FAIL, STORE_MUTATION_AMBIGUOUS];

/// Why a store request did not return a result.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
pub enum StoreError {
    /// The mutation was not applied.
    #[error("the mutation failed and was not applied")]
    Failed,
    /// The mutation was applied, but the caller was told it failed.
    #[error("the mutation committed but the caller got an error (ambiguous outcome)")]
    Ambiguous,
    /// No reply: the request or the reply was lost, or the store was unreachable.
    #[error("network: {0}")]
    Network(#[from] NetError),
}

/// The store's named behaviours where the text leaves a choice (SYSTEMS.md M2).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DocStoreParams {
    /// `None`: queries re-run on committed writes only (Convex). `Some(ms)`: a task on
    /// the store also re-runs every subscription every `ms` milliseconds; the store
    /// then registers its node's restart hook, to restart that task after a crash.
    pub requery_on_time_ms: Option<u64>,
    /// `None`: a subscriber hears only pushes, so a lost last push leaves it stale
    /// until the next change. `Some(ms)`: every `ms` the subscriber re-fetches the
    /// current result (Convex's reconnect-and-resubscribe after a dropped connection).
    pub resync_every_ms: Option<u64>,
    /// `false` (Convex): a mutation re-runs the queries only if it changed the tables
    /// (touched their read set). `true`: every committed mutation, even a no-op,
    /// re-runs every query, so time-dependent queries are re-evaluated on time.
    pub rerun_on_every_write: bool,
}

/// Tables that know whether a mutation changed them, so the store needs no clone of
/// them to tell a real write from a no-op (M2). `changed_since(&mark())` must be true
/// exactly when the tables differ (by `==`) from when the mark was taken.
pub trait TrackedTables {
    /// What the store keeps from before a mutation: a revision number, or the value.
    type Mark;
    fn mark(&self) -> Self::Mark;
    fn changed_since(&self, mark: &Self::Mark) -> bool;
}

/// A plain value (tests' tables) is its own mark.
impl TrackedTables for u64 {
    type Mark = u64;

    fn mark(&self) -> u64 {
        *self
    }

    fn changed_since(&self, mark: &u64) -> bool {
        self != mark
    }
}

pub(crate) struct StoreState<S> {
    tables: S,
    /// Writes that changed the tables (or may have: [`DocStore::peek_mut`], and every
    /// mutation under `rerun_on_every_write`), for what an invariant reads. Each also
    /// counts a write on the thread ([`sim::tracked::count_untracked_write`]), so a
    /// tracked footprint may read it.
    table_writes: u64,
    queries: BTreeMap<SubscriptionId, Box<dyn LiveQuery<S>>>,
    next_subscription: u64,
}

impl<S> StoreState<S> {
    /// Re-runs every subscription and pushes the results that changed. Subscriptions
    /// whose subscriber crashed since subscribing are dropped first.
    pub(crate) fn rerun_all(&mut self, sim: &Sim, store: NodeId) {
        self.queries.retain(|_, q| q.subscriber_alive(sim));
        let now = sim.node_now(store);
        for query in self.queries.values_mut() {
            query.rerun(sim, store, &self.tables, now);
        }
    }
}

/// A handle on the document store. Clones share the same store.
pub struct DocStore<S: 'static> {
    pub node: NodeId,
    pub params: DocStoreParams,
    state: Rc<RefCell<StoreState<S>>>,
}

impl<S: 'static> Clone for DocStore<S> {
    fn clone(&self) -> DocStore<S> {
        DocStore { node: self.node, params: self.params, state: self.state.clone() }
    }
}

impl<S: TrackedTables + Clone + PartialEq + 'static> DocStore<S> {
    /// Adds the store as a node named `name`, holding `tables`.
    pub fn new(sim: &Sim, name: &str, tables: S, params: DocStoreParams) -> DocStore<S> {
        let state = StoreState { tables, table_writes: 0, queries: BTreeMap::new(), next_subscription: 0 };
        let store = DocStore { node: sim.add_node(name), params, state: Rc::new(RefCell::new(state)) };
        if params.requery_on_time_ms.is_some() {
            store.start_requery_ticker(sim);
            let again = store.clone();
            sim.on_restart(store.node, move |sim| again.start_requery_ticker(sim));
        }
        store
    }

    fn start_requery_ticker(&self, sim: &Sim) {
        let Some(every_ms) = self.params.requery_on_time_ms else { return };
        let (store, state, sim2) = (self.node, self.state.clone(), sim.clone());
        sim.spawn(store, "store.requery", async move {
            loop {
                sim2.sleep_ms(every_ms.max(1)).await;
                state.borrow_mut().rerun_all(&sim2, store);
            }
        });
    }

    /// Runs `mutation` atomically on the store, on behalf of `from`.
    pub async fn mutate<R: 'static>(
        &self,
        sim: &Sim,
        from: NodeId,
        label: &'static str,
        mutation: impl FnOnce(&mut S, SimTime) -> R + 'static,
    ) -> Result<R, StoreError> {
        let (state, store, params) = (self.state.clone(), self.node, self.params);
        let outcome = sim
            .call(from, store, label, move |sim| {
                if sim.fault(&STORE_MUTATION_FAIL) {
                    note!(sim, store, "rejects {label}: a transient failure, not applied");
                    return Err(StoreError::Failed);
                }
                let mut state = state.borrow_mut();
                let mark = (!params.rerun_on_every_write).then(|| state.tables.mark());
                #[cfg(debug_assertions)]
                let before = state.tables.clone();
                let result = mutation(&mut state.tables, sim.node_now(store));
                let changed = mark.as_ref().is_none_or(|m| state.tables.changed_since(m));
                #[cfg(debug_assertions)]
                assert!(
                    mark.is_none() || changed == (before != state.tables),
                    "{label}: the tables' write tracking disagrees with comparing them"
                );
                if changed {
                    state.table_writes += 1;
                    // A tracked footprint reads `table_writes` (the launcher's).
                    sim::tracked::count_untracked_write();
                    state.rerun_all(sim, store);
                }
                if sim.fault(&STORE_MUTATION_AMBIGUOUS) {
                    note!(sim, store, "applies {label}, yet answers with an error (ambiguous)");
                    return Err(StoreError::Ambiguous);
                }
                Ok(result)
            })
            .await;
        outcome?
    }

    /// Runs a one-shot read on the store (Convex's `client.query`): no subscription.
    pub async fn query<T: 'static>(
        &self,
        sim: &Sim,
        from: NodeId,
        label: &'static str,
        query: impl FnOnce(&S, SimTime) -> T + 'static,
    ) -> Result<T, StoreError> {
        let (state, store) = (self.state.clone(), self.node);
        let result =
            sim.call(from, store, label, move |sim| query(&state.borrow().tables, sim.node_now(store))).await?;
        Ok(result)
    }

    /// Subscribes `from` to `query` (Convex's `useQuery`). Returns at once; the handle
    /// reads `None` ("undefined") until the first result arrives. A task on `from`
    /// registers the subscription, retrying until the store acknowledges it.
    pub fn subscribe<T: Clone + PartialEq + 'static>(
        &self,
        sim: &Sim,
        from: NodeId,
        label: &'static str,
        query: impl Fn(&S, SimTime) -> T + 'static,
    ) -> Subscription<T> {
        subscription::open(self, sim, from, label, Rc::new(query))
    }

    /// Reads the tables as they are now, without a request: for invariants and tests,
    /// which observe the world from outside.
    pub fn peek<R>(&self, read: impl FnOnce(&S) -> R) -> R {
        read(&self.state.borrow().tables)
    }

    /// Setup only, before a run starts: writes the tables directly (initial data).
    pub fn peek_mut<R>(&self, write: impl FnOnce(&mut S) -> R) -> R {
        let mut state = self.state.borrow_mut();
        state.table_writes += 1;
        sim::tracked::count_untracked_write();
        write(&mut state.tables)
    }

    /// How many writes changed the tables so far: unchanged, the tables are as they were.
    pub fn table_writes(&self) -> u64 {
        self.state.borrow().table_writes
    }

    /// How many subscriptions the store is serving now.
    pub fn subscription_count(&self) -> usize {
        self.state.borrow().queries.len()
    }

    pub(crate) fn state(&self) -> &Rc<RefCell<StoreState<S>>> {
        &self.state
    }
}

impl<S> StoreState<S> {
    pub(crate) fn tables(&self) -> &S {
        &self.tables
    }

    pub(crate) fn allocate_subscription(&mut self) -> SubscriptionId {
        self.next_subscription += 1;
        SubscriptionId(self.next_subscription)
    }

    pub(crate) fn queries_mut(&mut self) -> &mut BTreeMap<SubscriptionId, Box<dyn LiveQuery<S>>> {
        &mut self.queries
    }
}

#[cfg(test)]
mod tests;
