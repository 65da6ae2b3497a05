//! Redis semantics lock users rely on: SET NX, a DEL that removes another holder's
//! lock is logged, compare-and-delete spares it, and a restart may lose the keys.

use std::cell::RefCell;
use std::rc::Rc;

use sim::{ChoiceSource, Invariant, RunConfig, Sim};

use super::Redis;

fn run(setup: impl FnOnce(&Sim)) {
    let config = RunConfig { fault_phase_ms: 100_000, liveness_deadline_ms: 100_000, ..RunConfig::default() };
    let result = sim::run(ChoiceSource::Seed(3), &config, setup, &[] as &[Invariant<()>]);
    assert!(result.outcome.is_pass(), "{:?}", result.outcome);
}

#[test]
fn a_del_of_another_holders_lock_is_logged_and_compare_and_delete_spares_it() {
    let seen = Rc::new(RefCell::new(Vec::new()));
    let out = seen.clone();
    run(move |sim| {
        let redis = Redis::new(sim, "redis", true);
        let client = sim.add_node("c");
        let s = sim.clone();
        sim.spawn(client, "client", async move {
            assert_eq!(redis.set_nx_ex(&s, client, "k", 1, 1).await, Ok(true));
            assert_eq!(redis.set_nx_ex(&s, client, "k", 2, 60).await, Ok(false), "held");
            s.sleep_ms(1_500).await;
            assert_eq!(redis.set_nx_ex(&s, client, "k", 2, 60).await, Ok(true), "expired on the server's clock");
            assert_eq!(redis.compare_and_delete(&s, client, "k", 1).await, Ok(false), "not the owner");
            assert_eq!(redis.del(&s, client, "k", 1).await, Ok(true), "DEL deletes whoever holds it");
            out.borrow_mut().extend(redis.foreign_releases());
        });
    });
    let log = seen.borrow();
    assert_eq!(log.len(), 1);
    assert_eq!((log[0].by, log[0].owner), (1, 2));
}

#[test]
fn a_restart_without_persistence_loses_a_held_lock() {
    let lost = Rc::new(RefCell::new(None));
    let out = lost.clone();
    run(move |sim| {
        let redis = Redis::new(sim, "redis", true);
        let client = sim.add_node("c");
        let s = sim.clone();
        sim.spawn(client, "client", async move {
            assert_eq!(redis.set_nx_ex(&s, client, "k", 1, 60).await, Ok(true));
            s.crash(redis.node());
            s.restart(redis.node());
            *out.borrow_mut() = Some(redis.peek(&s, "k"));
        });
    });
    assert_eq!(*lost.borrow(), Some(None), "the key is gone after the restart");
}
