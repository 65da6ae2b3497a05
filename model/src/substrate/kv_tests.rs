//! Unit tests of the key-value server: fencing revisions, INCR, compare-and-delete
//! and compare-and-extend, on a fault-free network.

use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;

use sim::{ChoiceSource, Invariant, RunConfig};

use super::*;

/// Runs `script` as a client task against a fresh server and returns what it logged.
fn script<F: Future<Output = ()> + 'static>(
    script: impl FnOnce(Sim, KvServer, NodeId, Rc<RefCell<Vec<String>>>) -> F + 'static,
) -> Vec<String> {
    let log = Rc::new(RefCell::new(Vec::new()));
    let out = log.clone();
    let config = RunConfig { fault_phase_ms: 100_000, liveness_deadline_ms: 100_000, ..RunConfig::default() };
    let result = sim::run(
        ChoiceSource::Seed(7),
        &config,
        move |sim| {
            let kv = KvServer::new(sim, "kv");
            let client = sim.add_node("client");
            sim.spawn(client, "script", script(sim.clone(), kv, client, out));
        },
        &[] as &[Invariant<()>],
    );
    assert!(result.outcome.is_pass(), "{:?}", result.outcome);
    let lines = log.borrow().clone();
    lines
}

#[test]
fn every_grant_gets_a_larger_revision_than_every_earlier_grant() {
    let log = script(|sim, kv, c, log| async move {
        let a = kv.grant(&sim, c, "a", 1, 1_000).await.unwrap();
        let held = kv.grant(&sim, c, "a", 2, 1_000).await.unwrap();
        let b = kv.grant(&sim, c, "b", 3, 1_000).await.unwrap();
        sim.sleep_ms(2_000).await;
        let again = kv.grant(&sim, c, "a", 4, 1_000).await.unwrap();
        log.borrow_mut().push(format!("{a:?} {held:?} {b:?} {again:?}"));
    });
    assert_eq!(log, ["Some(1) None Some(2) Some(3)"]);
}

#[test]
fn incr_counts_up_from_one_and_never_expires() {
    let log = script(|sim, kv, c, log| async move {
        let first = kv.incr(&sim, c, "token").await.unwrap();
        sim.sleep_ms(50_000).await;
        let second = kv.incr(&sim, c, "token").await.unwrap();
        let seen = kv.get(&sim, c, "token").await.unwrap();
        log.borrow_mut().push(format!("{first} {second} {seen:?}"));
    });
    assert_eq!(log, ["1 2 Some(2)"]);
}

#[test]
fn compare_and_delete_removes_only_the_callers_own_key() {
    let log = script(|sim, kv, c, log| async move {
        kv.set(&sim, c, "lock", 9, 10_000).await.unwrap();
        let other = kv.del_if(&sim, c, "lock", 8).await.unwrap();
        let still = kv.get(&sim, c, "lock").await.unwrap();
        let own = kv.del_if(&sim, c, "lock", 9).await.unwrap();
        let gone = kv.get(&sim, c, "lock").await.unwrap();
        log.borrow_mut().push(format!("{other} {still:?} {own} {gone:?}"));
    });
    assert_eq!(log, ["false Some(9) true None"]);
}

#[test]
fn delete_by_revision_spares_a_later_grant_of_the_same_key() {
    let log = script(|sim, kv, c, log| async move {
        let first = kv.grant(&sim, c, "lock", 1, 1_000).await.unwrap().unwrap();
        sim.sleep_ms(1_500).await;
        let second = kv.grant(&sim, c, "lock", 1, 10_000).await.unwrap().unwrap();
        // The same value, a different grant: only the revision tells them apart.
        let stale = kv.del_if_revision(&sim, c, "lock", first).await.unwrap();
        let own = kv.del_if_revision(&sim, c, "lock", second).await.unwrap();
        log.borrow_mut().push(format!("{stale} {own}"));
    });
    assert_eq!(log, ["false true"]);
}

#[test]
fn extend_keeps_the_holders_revision_and_pushes_back_expiry() {
    let log = script(|sim, kv, c, log| async move {
        let rev = kv.grant(&sim, c, "lock", 5, 1_000).await.unwrap().unwrap();
        let wrong = kv.extend_if(&sim, c, "lock", 6, 5_000).await.unwrap();
        let own = kv.extend_if(&sim, c, "lock", 5, 5_000).await.unwrap();
        sim.sleep_ms(2_000).await;
        let kept = kv.peek_revision(&sim, "lock") == Some(rev);
        sim.sleep_ms(5_000).await;
        let expired = kv.peek(&sim, "lock").is_none();
        log.borrow_mut().push(format!("{wrong} {own} {kept} {expired}"));
    });
    assert_eq!(log, ["false true true true"]);
}

#[test]
fn a_clock_jump_on_the_server_expires_a_grant_early() {
    let log = script(|sim, kv, c, log| async move {
        kv.grant(&sim, c, "lock", 1, 30_000).await.unwrap();
        sim.jump_clock(kv.node, 31_000);
        let regranted = kv.grant(&sim, c, "lock", 2, 30_000).await.unwrap();
        log.borrow_mut().push(format!("{regranted:?}"));
    });
    assert_eq!(log, ["Some(2)"]);
}
