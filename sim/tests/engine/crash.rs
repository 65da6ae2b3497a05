//! A crashed node's tasks stop at their await point; replies addressed to it never
//! arrive, even when it restarts before they would have.

use sim::{NodeId, Sim};

use crate::{log_line, run_logged};

#[test]
fn a_crashed_node_stops_at_its_await_point() {
    let (result, log) = run_logged(1, |sim, log| {
        let node = sim.add_node("worker");
        let (s, l) = (sim.clone(), log.clone());
        sim.spawn(node, "work", async move {
            log_line(&l, "before");
            s.sleep_ms(1_000).await;
            log_line(&l, "after");
        });
        let s = sim.clone();
        sim.spawn(NodeId::SYSTEM, "killer", async move {
            s.sleep_ms(500).await;
            s.crash(node);
        });
    });
    assert_eq!(log, ["before"], "the task must not resume after its node crashed");
    assert!(result.outcome.is_pass());
}

#[test]
fn replies_to_a_crashed_caller_never_arrive_even_after_restart() {
    for seed in 0..100 {
        let (_, log) = run_logged(seed, |sim: &Sim, log| {
            let server = sim.add_node("server");
            let client = sim.add_node("client");
            let (s, l) = (sim.clone(), log.clone());
            let served = log.clone();
            sim.spawn(client, "caller", async move {
                let reply = s.call(client, server, "PING", move |_| log_line(&served, "served")).await;
                log_line(&l, format!("reply {reply:?}"));
            });
            let s = sim.clone();
            sim.spawn(NodeId::SYSTEM, "killer", async move {
                // At 1 ms the request has left (it was sent at 0) and no reply can
                // be back yet (a round trip takes at least 2 ms): crash the caller
                // and bring it straight back.
                s.sleep_ms(1).await;
                s.crash(client);
                s.restart(client);
            });
        });
        assert!(!log.iter().any(|l| l.starts_with("reply")), "seed {seed}: a reply reached a crashed caller: {log:?}");
        assert_eq!(log, ["served"], "seed {seed}: the request itself still arrives");
    }
}
