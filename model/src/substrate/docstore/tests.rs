//! The store's promises, each checked in a simulated run: mutation outcomes under
//! faults, pushes after writes, reordered pushes, crashed subscribers, re-runs on time.

use std::cell::RefCell;
use std::rc::Rc;

use sim::{ChoiceSource, FaultProfile, Invariant, NodeId, Ratio, RunConfig, Sim};

use super::*;

/// The tables of these tests: one counter.
type Counter = u64;

fn run(seed: u64, setup: impl FnOnce(&Sim)) {
    let config = RunConfig { fault_phase_ms: 60_000, liveness_deadline_ms: 60_000, ..RunConfig::default() };
    let result = sim::run(ChoiceSource::Seed(seed), &config, setup, &[] as &[Invariant<()>]);
    assert!(result.outcome.is_pass(), "seed {seed}: {:?}", result.outcome);
}

fn store_and_client(sim: &Sim, params: DocStoreParams) -> (DocStore<Counter>, NodeId) {
    (DocStore::new(sim, "cv", 0, params), sim.add_node("tab"))
}

/// Runs one increment under `fault` firing every time; returns (outcome, counter after).
fn increment_under(fault: FaultPoint) -> (Result<u64, StoreError>, Counter) {
    let seen = Rc::new(RefCell::new(None));
    let seen2 = seen.clone();
    run(1, move |sim| {
        sim.set_fault_profile(FaultProfile::uniform(&[fault], Ratio::ALWAYS));
        let (store, tab) = store_and_client(sim, DocStoreParams::default());
        let s = sim.clone();
        sim.spawn(tab, "tab", async move {
            let outcome = store
                .mutate(&s, tab, "increment", |n: &mut Counter, _| {
                    *n += 1;
                    *n
                })
                .await;
            *seen2.borrow_mut() = Some((outcome, store.peek(|n| *n)));
        });
    });
    let seen = seen.borrow_mut().take();
    seen.expect("the mutation returned")
}

#[test]
fn an_ambiguous_mutation_commits_but_reports_an_error() {
    assert_eq!(increment_under(STORE_MUTATION_AMBIGUOUS), (Err(StoreError::Ambiguous), 1));
}

#[test]
fn a_failed_mutation_is_not_applied() {
    assert_eq!(increment_under(STORE_MUTATION_FAIL), (Err(StoreError::Failed), 0));
}

#[test]
fn a_lost_reply_is_a_network_error_after_the_mutation_committed() {
    assert_eq!(increment_under(sim::fault::points::NET_REPLY_LOST), (Err(StoreError::Network(NetError::Timeout)), 1));
}

#[test]
fn a_subscriber_sees_each_write_and_changed_wakes_it() {
    for seed in 0..20 {
        let seen = Rc::new(RefCell::new(Vec::new()));
        let seen2 = seen.clone();
        run(seed, move |sim| {
            let (store, tab) = store_and_client(sim, DocStoreParams::default());
            let writer = sim.add_node("writer");
            let sub = store.subscribe(sim, tab, "count", |n: &Counter, _| *n);
            assert_eq!(sub.current(), None, "undefined until the first result arrives");
            let s = sim.clone();
            sim.spawn(tab, "tab", async move {
                loop {
                    let changed = sub.changed();
                    if let Some(v) = sub.current() {
                        seen2.borrow_mut().push(v);
                        if v == 2 {
                            return;
                        }
                    }
                    changed.await;
                }
            });
            let s2 = s.clone();
            sim.spawn(writer, "writer", async move {
                for _ in 0..2 {
                    s2.sleep_ms(1_000).await;
                    store.mutate(&s2, writer, "increment", |n: &mut Counter, _| *n += 1).await.unwrap();
                }
            });
        });
        assert_eq!(*seen.borrow(), [0, 1, 2], "seed {seed}: the subscriber wakes on every change");
    }
}

#[test]
fn a_push_overtaken_by_a_newer_one_is_dropped() {
    let mut reorders = 0;
    for seed in 0..100 {
        let last = Rc::new(RefCell::new((None, 0)));
        let last2 = last.clone();
        run(seed, move |sim| {
            let (store, tab) = store_and_client(sim, DocStoreParams::default());
            let writer = sim.add_node("writer");
            let sub = store.subscribe(sim, tab, "count", |n: &Counter, _| *n);
            let (s, watcher) = (sim.clone(), sub.clone());
            // Back-to-back writes: their pushes race over the network.
            sim.spawn(writer, "writer", async move {
                s.sleep_ms(1_000).await;
                for _ in 0..5 {
                    store.mutate(&s, writer, "increment", |n: &mut Counter, _| *n += 1).await.unwrap();
                }
            });
            let s = sim.clone();
            sim.spawn(NodeId::SYSTEM, "observer", async move {
                s.sleep_ms(50_000).await;
                *last2.borrow_mut() = (watcher.current(), watcher.stale_dropped());
            });
        });
        let (value, stale) = *last.borrow();
        assert_eq!(value, Some(5), "seed {seed}: the subscriber ends on the newest result");
        reorders += stale;
    }
    assert!(reorders > 0, "no seed reordered two pushes: the test does not exercise stale pushes");
}

#[test]
fn a_crashed_subscriber_is_dropped_and_a_resubscribe_serves_its_new_life() {
    let counts = Rc::new(RefCell::new(Vec::new()));
    let counts2 = counts.clone();
    run(3, move |sim| {
        let (store, tab) = store_and_client(sim, DocStoreParams::default());
        let sub = store.subscribe(sim, tab, "count", |n: &Counter, _| *n);
        let s = sim.clone();
        sim.spawn(NodeId::SYSTEM, "script", async move {
            s.sleep_ms(1_000).await;
            counts2.borrow_mut().push(store.subscription_count());
            s.crash(tab);
            s.restart(tab);
            store.mutate(&s, NodeId::SYSTEM, "increment", |n: &mut Counter, _| *n += 1).await.unwrap();
            counts2.borrow_mut().push(store.subscription_count());
            assert_eq!(sub.current(), Some(0), "the old life's handle hears nothing more");
            let fresh = sub.resubscribe(&s);
            s.sleep_ms(1_000).await;
            counts2.borrow_mut().push(store.subscription_count());
            assert_eq!(fresh.current(), Some(1));
        });
    });
    assert_eq!(*counts.borrow(), [1, 0, 1]);
}

#[test]
fn queries_rerun_on_time_only_when_the_parameter_says_so() {
    for (params, expect) in [
        (DocStoreParams { requery_on_time_ms: Some(1_000), ..DocStoreParams::default() }, Some(true)),
        (DocStoreParams::default(), Some(false)),
    ] {
        let seen = Rc::new(RefCell::new(None));
        let seen2 = seen.clone();
        run(4, move |sim| {
            let (store, tab) = store_and_client(sim, params);
            // A TTL-style query: true once the store's clock passes 10 s.
            let sub = store.subscribe(sim, tab, "expired", |_: &Counter, now| now.as_ms() > 10_000);
            let s = sim.clone();
            sim.spawn(NodeId::SYSTEM, "observer", async move {
                s.sleep_ms(20_000).await;
                *seen2.borrow_mut() = sub.current();
            });
        });
        assert_eq!(*seen.borrow(), expect, "{params:?}");
    }
}

/// A write that changes nothing touches no read set and re-runs nothing, so a
/// time-dependent query keeps its old result; a write that changes the tables re-runs
/// it (Convex). With `rerun_on_every_write`, the no-op write re-runs it too.
#[test]
fn only_a_write_that_changes_the_tables_reruns_the_queries() {
    for (params, noop_reruns) in [
        (DocStoreParams::default(), false),
        (DocStoreParams { rerun_on_every_write: true, ..DocStoreParams::default() }, true),
    ] {
        let seen = Rc::new(RefCell::new(Vec::new()));
        let seen2 = seen.clone();
        run(5, move |sim| {
            let (store, tab) = store_and_client(sim, params);
            let sub = store.subscribe(sim, tab, "expired", |_: &Counter, now| now.as_ms() > 10_000);
            let s = sim.clone();
            sim.spawn(NodeId::SYSTEM, "script", async move {
                s.sleep_ms(20_000).await;
                store.mutate(&s, NodeId::SYSTEM, "noop", |_: &mut Counter, _| ()).await.unwrap();
                s.sleep_ms(1_000).await;
                seen2.borrow_mut().push(sub.current());
                store.mutate(&s, NodeId::SYSTEM, "increment", |n: &mut Counter, _| *n += 1).await.unwrap();
                s.sleep_ms(1_000).await;
                seen2.borrow_mut().push(sub.current());
            });
        });
        assert_eq!(*seen.borrow(), [Some(noop_reruns), Some(true)], "{params:?}");
    }
}
