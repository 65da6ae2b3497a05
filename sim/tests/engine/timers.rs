//! Timers fire in time order; timers due at the same instant wake together and the
//! tape decides which task runs first.

use std::collections::BTreeSet;
use std::future::Future;

use crate::{log_line, run_logged};

#[test]
fn timers_fire_in_time_order_whatever_the_spawn_order() {
    for seed in 0..50 {
        let (_, log) = run_logged(seed, |sim, log| {
            for ms in [300u64, 100, 200, 50, 250] {
                let (s, l) = (sim.clone(), log.clone());
                sim.spawn(sim::NodeId::SYSTEM, "sleeper", async move {
                    s.sleep_ms(ms).await;
                    log_line(&l, format!("{ms}@{}", s.now().as_ms()));
                });
            }
        });
        assert_eq!(log, ["50@50", "100@100", "200@200", "250@250", "300@300"], "seed {seed}");
    }
}

#[test]
fn ties_are_broken_by_the_tape_and_each_order_replays() {
    let mut orders = BTreeSet::new();
    for seed in 0..200 {
        let setup = |sim: &sim::Sim, log: crate::Log| {
            for name in ["a", "b", "c"] {
                let (s, l) = (sim.clone(), log.clone());
                sim.spawn(sim::NodeId::SYSTEM, "tied", async move {
                    s.sleep_ms(1_000).await;
                    log_line(&l, name);
                });
            }
        };
        let (first, log) = run_logged(seed, setup);
        let (again, log_again) = run_logged(seed, setup);
        assert_eq!(log, log_again, "seed {seed} must replay its tie order");
        assert_eq!(first.trace_hash, again.trace_hash);
        orders.insert(log.join(""));
    }
    assert_eq!(orders.len(), 6, "every order of three tied timers is reachable: {orders:?}");
}

#[test]
fn tasks_and_messages_due_together_are_ready_in_scheduling_order() {
    // With an empty tape every choice is 0 ("the oldest ready"): a sleep scheduled
    // before a message due at the same instant must run first.
    let config = sim::RunConfig { trace: sim::TraceMode::Full, ..sim::RunConfig::default() };
    let log = crate::Log::default();
    let l = log.clone();
    let setup = move |sim: &sim::Sim| {
        sim.set_net_config(sim::NetConfig { delay_min_ms: 10, delay_max_ms: 10, timeout_ms: 1_000 });
        let b = sim.add_node("b");
        let (s, l1) = (sim.clone(), l.clone());
        sim.spawn(sim::NodeId::SYSTEM, "sleeper", async move {
            s.sleep_ms(10).await;
            log_line(&l1, "task woke");
        });
        let (s, l2) = (sim.clone(), l.clone());
        sim.spawn(sim::NodeId::SYSTEM, "sender", async move {
            let l3 = l2.clone();
            s.send(sim::NodeId::SYSTEM, b, "MSG", move |_| log_line(&l3, "message arrived"));
        });
    };
    sim::run(sim::ChoiceSource::Tape(sim::Tape::default()), &config, setup, &[] as &[sim::Invariant<()>]);
    assert_eq!(*log.borrow(), ["task woke", "message arrived"]);
}

/// A waker that counts its wakes and passes each on to the task's own.
struct Relay {
    wakes: std::sync::atomic::AtomicUsize,
    inner: std::task::Waker,
}

impl std::task::Wake for Relay {
    fn wake(self: std::sync::Arc<Self>) {
        self.wakes.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.inner.wake_by_ref();
    }
}

/// A sleep polled through a combinator's own waker (not its task's) wakes that waker
/// at its deadline, and the task runs on at the right time.
#[test]
fn a_sleep_polled_with_a_foreign_waker_wakes_that_waker() {
    let (_, log) = run_logged(1, |sim, log| {
        let (s, l) = (sim.clone(), log.clone());
        sim.spawn(sim::NodeId::SYSTEM, "relayed", async move {
            let mut sleep = std::pin::pin!(s.sleep_ms(700));
            let mut relay = None;
            std::future::poll_fn(|cx| {
                let relay = relay
                    .get_or_insert_with(|| std::sync::Arc::new(Relay { wakes: 0.into(), inner: cx.waker().clone() }));
                let waker = std::task::Waker::from(relay.clone());
                sleep.as_mut().poll(&mut std::task::Context::from_waker(&waker))
            })
            .await;
            let wakes = relay.map_or(0, |r| r.wakes.load(std::sync::atomic::Ordering::Relaxed));
            log_line(&l, format!("{} after {wakes} relayed wake", s.now().as_ms()));
        });
    });
    assert_eq!(log, ["700 after 1 relayed wake"]);
}
