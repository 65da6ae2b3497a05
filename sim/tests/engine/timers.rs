//! Timers fire in time order; timers due at the same instant wake together and the
//! tape decides which task runs first.

use std::collections::BTreeSet;

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
