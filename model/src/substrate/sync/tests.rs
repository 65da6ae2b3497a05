//! The kit's promises, each checked in a simulated run: wake orders, TryLock, the
//! read/write lock's fairness, per-key isolation, deadlock reports and release on
//! crash.

use std::cell::RefCell;
use std::rc::Rc;

use sim::{ChoiceSource, Invariant, RunConfig, RunResult, Sim};

use super::*;

type Log = Rc<RefCell<Vec<String>>>;

fn run(seed: u64, setup: impl FnOnce(&Sim)) -> RunResult {
    let config = RunConfig { fault_phase_ms: 10_000, liveness_deadline_ms: 10_000, ..RunConfig::default() };
    let result = sim::run(ChoiceSource::Seed(seed), &config, setup, &[] as &[Invariant<()>]);
    assert!(result.outcome.is_pass(), "seed {seed}: {:?}", result.outcome);
    result
}

/// `n` tasks queue on one mutex, in order, behind a holder; returns the order in which
/// they were granted it.
fn grant_order(seed: u64, order: WakeOrder, n: usize) -> Vec<String> {
    let log = Log::default();
    let log2 = log.clone();
    run(seed, move |sim| {
        let node = sim.add_node("server");
        let m = Locks::new(sim).mutex("m", order);
        let first = m.try_lock("holder").expect("free at start");
        for i in 0..n {
            let (m, log, s) = (m.clone(), log2.clone(), sim.clone());
            go(sim, node, "waiter", async move {
                s.sleep_ms(i as u64 + 1).await; // queue in index order
                let _g = m.lock(&format!("w{i}")).await;
                log.borrow_mut().push(format!("w{i}"));
                s.sleep_ms(10).await;
            });
        }
        let s = sim.clone();
        go(sim, node, "holder", async move {
            s.sleep_ms(100).await;
            first.unlock();
        });
    });
    let order = log.borrow().clone();
    order
}

#[test]
fn fifo_mutex_grants_in_arrival_order() {
    for seed in 0..20 {
        assert_eq!(grant_order(seed, WakeOrder::Fifo, 4), ["w0", "w1", "w2", "w3"], "seed {seed}");
    }
}

#[test]
fn drawn_mutex_order_comes_from_the_tape_and_replays() {
    let orders: Vec<Vec<String>> = (0..30).map(|seed| grant_order(seed, WakeOrder::Drawn, 4)).collect();
    for (seed, order) in orders.iter().enumerate() {
        assert_eq!(order.len(), 4, "every waiter gets the mutex once");
        assert_eq!(&grant_order(seed as u64, WakeOrder::Drawn, 4), order, "seed {seed} replays");
    }
    assert!(orders.iter().any(|o| o != &["w0", "w1", "w2", "w3"]), "some seed wakes out of arrival order");
}

#[test]
fn try_lock_fails_while_held_and_succeeds_after_release() {
    run(0, |sim| {
        let m = Locks::new(sim).mutex("m", WakeOrder::Drawn);
        let g = m.try_lock("a").expect("free");
        assert!(m.try_lock("b").is_none(), "held by a");
        assert_eq!(m.holder().as_deref(), Some("a"));
        drop(g);
        assert!(!m.is_locked());
        assert!(m.try_lock("b").is_some());
    });
}

#[test]
fn a_waiting_writer_blocks_later_readers() {
    for seed in 0..20 {
        let log = Log::default();
        let log2 = log.clone();
        run(seed, move |sim| {
            let node = sim.add_node("p");
            let rw = Locks::new(sim).rwlock("rw");
            let r1 = rw.try_read("r1").expect("free");
            assert!(rw.try_read("r2").is_some(), "readers share");
            let (w, l, s) = (rw.clone(), log2.clone(), sim.clone());
            go(sim, node, "writer", async move {
                s.sleep_ms(1).await;
                let _g = w.write("w").await;
                l.borrow_mut().push("w".to_string());
                s.sleep_ms(5).await;
            });
            let (r, l, s) = (rw.clone(), log2.clone(), sim.clone());
            go(sim, node, "late reader", async move {
                s.sleep_ms(2).await;
                assert!(r.try_read("r3").is_none(), "a waiting writer goes first");
                let _g = r.read("r3").await;
                l.borrow_mut().push("r3".to_string());
            });
            let s = sim.clone();
            go(sim, node, "first reader", async move {
                s.sleep_ms(50).await;
                drop(r1);
            });
        });
        assert_eq!(*log.borrow(), ["w", "r3"], "seed {seed}");
    }
}

#[test]
fn mutex_map_keys_are_independent_and_cleaned_up() {
    run(0, |sim| {
        let node = sim.add_node("p");
        let locks = Locks::new(sim);
        let map: MutexMap<String> = locks.mutex_map("files");
        let (m, s, l) = (map.clone(), sim.clone(), locks.clone());
        go(sim, node, "two keys", async move {
            let a = m.lock("a".into(), "c1").await;
            let b = m.lock("b".into(), "c2").await;
            assert_eq!(m.held_keys(), ["a", "b"]);
            assert!(m.is_locked(&"a".to_string()));
            drop((a, b));
            assert!(!m.is_locked(&"a".to_string()));
            s.sleep_ms(1).await;
            assert_eq!(l.live_locks(), 0, "unused keys leave no lock behind");
        });
    });
}

#[test]
fn crossed_locks_are_a_wait_for_cycle() {
    let seen = Rc::new(RefCell::new(None));
    let seen2 = seen.clone();
    run(0, move |sim| {
        let node = sim.add_node("p");
        let locks = Locks::new(sim);
        let (a, b) = (locks.mutex("a", WakeOrder::Fifo), locks.mutex("b", WakeOrder::Fifo));
        for (me, first, second) in [("t1", a.clone(), b.clone()), ("t2", b.clone(), a.clone())] {
            let s = sim.clone();
            go(sim, node, "crossed", async move {
                let _g1 = first.lock(me).await;
                s.sleep_ms(1).await;
                let _g2 = second.lock(me).await;
            });
        }
        let (l, s) = (locks.clone(), sim.clone());
        go(sim, node, "observer", async move {
            s.sleep_ms(5).await;
            *seen2.borrow_mut() = Some((l.wait_for_cycle(), l.waiting()));
        });
    });
    let (cycle, waiting) = seen.borrow_mut().take().expect("observed");
    assert_eq!(cycle, Some(vec!["t1".to_string(), "t2".to_string()]));
    // In registry order: lock a (made first) and its waiter, then lock b.
    assert_eq!(waiting, [("t2".to_string(), "a".to_string()), ("t1".to_string(), "b".to_string())]);
}

#[test]
fn re_acquiring_a_held_key_is_a_cycle_of_one() {
    let seen = Rc::new(RefCell::new(None));
    let seen2 = seen.clone();
    run(0, move |sim| {
        let node = sim.add_node("p");
        let locks = Locks::new(sim);
        let map: MutexMap<&'static str> = locks.mutex_map("cfg");
        let (m, s) = (map.clone(), sim.clone());
        go(sim, node, "reentrant", async move {
            let _outer = m.lock("config.json", "c1").await;
            let _inner = m.lock("config.json", "c1").await;
            unreachable!("a non-reentrant lock taken twice never returns");
        });
        let l = locks.clone();
        go(sim, node, "observer", async move {
            s.sleep_ms(5).await;
            *seen2.borrow_mut() = Some(l.wait_for_cycle());
        });
    });
    assert_eq!(seen.borrow_mut().take().flatten(), Some(vec!["c1".to_string()]));
}

#[test]
fn no_cycle_while_waiters_merely_queue() {
    run(0, |sim| {
        let node = sim.add_node("p");
        let locks = Locks::new(sim);
        let m = locks.mutex("m", WakeOrder::Fifo);
        let held = m.try_lock("h").expect("free");
        let (m2, l, s) = (m.clone(), locks.clone(), sim.clone());
        go(sim, node, "waiter", async move {
            let _g = m2.lock("w").await;
        });
        go(sim, node, "observer", async move {
            s.sleep_ms(1).await;
            assert_eq!(l.wait_for_cycle(), None);
            assert_eq!(l.waiting(), [("w".to_string(), "m".to_string())]);
            drop(held);
        });
    });
}

#[test]
fn a_crashed_holder_releases_its_lock_to_a_waiter_elsewhere() {
    let log = Log::default();
    let log2 = log.clone();
    run(0, move |sim| {
        let (server, other) = (sim.add_node("server"), sim.add_node("other"));
        let m = Locks::new(sim).mutex("m", WakeOrder::Drawn);
        let (m1, s) = (m.clone(), sim.clone());
        go(sim, server, "holder", async move {
            let _g = m1.lock("holder").await;
            s.sleep_ms(1_000_000).await;
        });
        let (m2, s, l) = (m.clone(), sim.clone(), log2.clone());
        go(sim, other, "waiter", async move {
            s.sleep_ms(1).await;
            let _g = m2.lock("waiter").await;
            l.borrow_mut().push(format!("granted at {} ms", s.now().as_ms()));
        });
        let s = sim.clone();
        go(sim, other, "crasher", async move {
            s.sleep_ms(7).await;
            s.crash(server);
        });
    });
    assert_eq!(*log.borrow(), ["granted at 7 ms"]);
}

#[test]
fn a_granted_waiter_that_dies_before_it_runs_passes_the_lock_on() {
    let log = Log::default();
    let log2 = log.clone();
    run(0, move |sim| {
        let (doomed, other) = (sim.add_node("doomed"), sim.add_node("other"));
        let m = Locks::new(sim).mutex("m", WakeOrder::Fifo);
        let held = m.try_lock("h").expect("free");
        let m1 = m.clone();
        go(sim, doomed, "first waiter", async move {
            let _g = m1.lock("first").await;
            unreachable!("its node crashes before it runs");
        });
        let (m2, s, l) = (m.clone(), sim.clone(), log2.clone());
        go(sim, other, "second waiter", async move {
            s.sleep_ms(1).await;
            let _g = m2.lock("second").await;
            l.borrow_mut().push("second".to_string());
        });
        let s = sim.clone();
        go(sim, other, "release then crash", async move {
            s.sleep_ms(2).await;
            drop(held); // grants "first", whose task has not run yet
            s.crash(doomed);
        });
    });
    assert_eq!(*log.borrow(), ["second"]);
}

#[test]
fn a_reader_re_reading_behind_a_waiting_writer_is_a_cycle() {
    let seen = Rc::new(RefCell::new(None));
    let seen2 = seen.clone();
    run(0, move |sim| {
        let node = sim.add_node("p");
        let locks = Locks::new(sim);
        let rw = locks.rwlock("rw");
        let (r, s) = (rw.clone(), sim.clone());
        go(sim, node, "reader", async move {
            let _outer = r.read("r1").await;
            s.sleep_ms(2).await;
            let _inner = r.read("r1").await;
        });
        let (w, s) = (rw.clone(), sim.clone());
        go(sim, node, "writer", async move {
            s.sleep_ms(1).await;
            let _g = w.write("w").await;
        });
        let (l, s) = (locks.clone(), sim.clone());
        go(sim, node, "observer", async move {
            s.sleep_ms(5).await;
            *seen2.borrow_mut() = Some(l.wait_for_cycle());
        });
    });
    assert_eq!(seen.borrow_mut().take().flatten(), Some(vec!["r1".to_string(), "w".to_string()]));
}
