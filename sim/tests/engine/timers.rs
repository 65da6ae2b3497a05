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
