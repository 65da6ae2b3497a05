//! The network: delays from the tape, partitions, and the ambiguous outcome.

use sim::fault::points::{NET_REPLY_LOST, NODE_PAUSE};
use sim::{FaultProfile, NetError, NodeId, Ratio};

use crate::{log_line, run_logged};

#[test]
fn a_lost_reply_is_applied_but_the_caller_sees_a_timeout() {
    let (result, log) = run_logged(3, |sim, log| {
        sim.set_fault_profile(FaultProfile::uniform(&[NET_REPLY_LOST], Ratio::ALWAYS));
        let server = sim.add_node("server");
        let client = sim.add_node("client");
        let (s, l) = (sim.clone(), log.clone());
        let applied = log.clone();
        sim.spawn(client, "caller", async move {
            let sent = s.now();
            let reply = s.call(client, server, "INSERT", move |_| log_line(&applied, "applied")).await;
            let waited = s.now().ms_since(sent);
            log_line(&l, format!("{reply:?} after {waited} ms"));
        });
    });
    let timeout = sim::NetConfig::default().timeout_ms;
    assert_eq!(log, ["applied".to_string(), format!("Err({:?}) after {timeout} ms", NetError::Timeout)]);
    assert_eq!(result.fault_counts.get("net.reply.lost"), Some(&1), "the fault is counted");
}

#[test]
fn a_partition_drops_requests_until_repaired() {
    let (_, log) = run_logged(4, |sim, log| {
        let a = sim.add_node("a");
        let b = sim.add_node("b");
        sim.partition(a, b);
        let (s, l) = (sim.clone(), log.clone());
        sim.spawn(a, "caller", async move {
            let first = s.call(a, b, "X", |_| 1).await;
            s.repair(a, b);
            let second = s.call(a, b, "X", |_| 2).await;
            log_line(&l, format!("{first:?} {second:?}"));
        });
    });
    assert_eq!(log, ["Err(Timeout) Ok(2)"]);
}

#[test]
fn message_delays_come_from_the_tape() {
    let mut delays = std::collections::BTreeSet::new();
    for seed in 0..30 {
        let (_, log) = run_logged(seed, |sim, log| {
            let b = sim.add_node("b");
            let (s, l) = (sim.clone(), log.clone());
            sim.spawn(NodeId::SYSTEM, "caller", async move {
                let _ = s.call(NodeId::SYSTEM, b, "X", |_| ()).await;
                log_line(&l, s.now().as_ms().to_string());
            });
        });
        delays.insert(log[0].clone());
    }
    assert!(delays.len() > 10, "round trips vary with the seed: {delays:?}");
}

#[test]
fn a_handler_runs_as_its_destination_node() {
    let (_, log) = run_logged(2, |sim, log| {
        let b = sim.add_node("b");
        let (s, l) = (sim.clone(), log.clone());
        sim.spawn(NodeId::SYSTEM, "caller", async move {
            let seen = s.call(NodeId::SYSTEM, b, "WHO", |sim| sim.current_node()).await;
            log_line(&l, format!("{seen:?} {b:?}"));
        });
    });
    assert_eq!(log.len(), 1);
    let (seen, b) = log[0].split_once(' ').expect("two fields");
    assert_eq!(seen, format!("Ok({b})"));
}

/// A reply that lands while its caller is paused is the caller's when it resumes,
/// even after the caller's deadline passed meanwhile: it landed first.
#[test]
fn a_reply_that_lands_during_the_callers_pause_is_delivered_when_it_resumes() {
    let (_, log) = run_logged(5, |sim, log| {
        // An armed pause fault (nothing strikes here) gives every call its deadline.
        sim.set_fault_profile(FaultProfile::uniform(&[NODE_PAUSE], Ratio::ALWAYS));
        let (server, client) = (sim.add_node("server"), sim.add_node("client"));
        let (s, l) = (sim.clone(), log.clone());
        sim.spawn(client, "caller", async move {
            let reply = s.call(client, server, "GET", |_| 7).await;
            log_line(&l, format!("{reply:?} at {}", s.now().as_ms()));
        });
        let s = sim.clone();
        sim.spawn(NodeId::SYSTEM, "stopper", async move {
            s.sleep_ms(1).await;
            s.pause(client, 20_000);
        });
    });
    assert_eq!(log, ["Ok(7) at 20001"]);
}

/// A call's trace reads send, delivery, reply, then the caller's poll that takes it.
#[test]
fn a_call_is_traced_as_send_deliver_reply_then_the_callers_poll() {
    let (result, _) = run_logged(8, |sim, _| {
        let b = sim.add_node("b");
        let s = sim.clone();
        sim.spawn(NodeId::SYSTEM, "caller", async move {
            let _ = s.call(NodeId::SYSTEM, b, "X", |_| ()).await;
        });
    });
    let kinds: Vec<&str> = result
        .trace
        .iter()
        .filter_map(|e| match e.kind {
            sim::EventKind::Send { .. } => Some("send"),
            sim::EventKind::Deliver { .. } => Some("deliver"),
            sim::EventKind::Reply { .. } => Some("reply"),
            sim::EventKind::Poll => Some("poll"),
            _ => None,
        })
        .collect();
    assert_eq!(kinds, ["poll", "send", "deliver", "reply", "poll"]);
}

#[test]
fn a_lost_call_nobody_waits_for_still_holds_time_open_until_its_deadline() {
    // The handler crashes the caller, so the reply finds its link down and nobody is
    // left to time out: no timer is set, yet a run that then falls quiet reaches the
    // call's deadline, as it did when every lost call kept a timeout pending.
    let (result, _) = run_logged(5, |sim, _| {
        let server = sim.add_node("server");
        let client = sim.add_node("client");
        let s = sim.clone();
        sim.spawn(client, "caller", async move {
            let _ = s.call(client, server, "KILL_CALLER", move |sim| sim.crash(client)).await;
        });
    });
    let deadline = sim::SimTime(sim::NetConfig::default().timeout_ms);
    let phase_end = result.trace.iter().find(|e| e.kind == sim::EventKind::FaultPhaseEnd).expect("the phase ended");
    assert_eq!(phase_end.time, deadline, "the quiet run reaches the call's deadline before its fault phase ends");
    assert_eq!(result.end_time, deadline);
}
