//! The engine's own faults beyond crashes and loss: a paused node is frozen (tasks,
//! timers, deliveries) and resumes intact; a long delay lands after its sender gave
//! up; drift moves a clock by its rate; the nemesis hits only each fault's targets;
//! and a tape of zeros fires none of them.

use sim::fault::points::{CLOCK_DRIFT, CLOCK_JUMP, NET_DELAY_LONG, NODE_CRASH, NODE_PAUSE};
use sim::{
    ChoiceSource, EventKind, FaultFilter, FaultProfile, Invariant, NemesisConfig, NodeId, Ratio, RunConfig, Sim, Tape,
};

use crate::{log_line, run_logged};

const NEW_FAULTS: &[sim::FaultPoint] = &[NODE_PAUSE, NET_DELAY_LONG, CLOCK_DRIFT];

#[test]
fn a_paused_node_freezes_its_tasks_timers_and_deliveries_then_resumes_intact() {
    let (result, log) = run_logged(1, |sim, log| {
        let (node, peer) = (sim.add_node("worker"), sim.add_node("peer"));
        let (s, l) = (sim.clone(), log.clone());
        sim.spawn(node, "work", async move {
            let counter = 41;
            s.sleep_ms(1_000).await;
            log_line(&l, format!("timer at {} with {}", s.now(), counter + 1));
        });
        let (s, l) = (sim.clone(), log.clone());
        sim.spawn(peer, "sender", async move {
            s.sleep_ms(600).await;
            let applied = l.clone();
            let s2 = s.clone();
            s.send(peer, node, "MSG", move |_| log_line(&applied, format!("delivered at {}", s2.now())));
        });
        let s = sim.clone();
        sim.spawn(NodeId::SYSTEM, "stopper", async move {
            s.sleep_ms(500).await;
            s.pause(node, 10_000);
        });
    });
    assert!(result.outcome.is_pass());
    assert_eq!(log.len(), 2, "{log:?}");
    assert!(log.contains(&"timer at 10.500s with 42".to_string()), "{log:?}");
    assert!(log.contains(&"delivered at 10.500s".to_string()), "{log:?}");
}

#[test]
fn a_crash_ends_a_pause_and_the_restarted_node_runs() {
    let (_, log) = run_logged(2, |sim, log| {
        let node = sim.add_node("worker");
        let l = log.clone();
        sim.on_restart(node, move |sim| {
            let (s, l) = (sim.clone(), l.clone());
            sim.spawn(node, "boot", async move { log_line(&l, format!("booted at {}", s.now())) });
        });
        let s = sim.clone();
        sim.spawn(NodeId::SYSTEM, "ops", async move {
            s.pause(node, 60_000);
            s.sleep_ms(1_000).await;
            s.crash(node);
            s.restart(node);
        });
    });
    assert_eq!(log, ["booted at 1.000s"]);
}

/// Runs `setup` with `points` always firing, full trace; returns the result.
fn run_always(seed: u64, points: &[sim::FaultPoint], setup: impl FnOnce(&Sim) + 'static) -> sim::RunResult {
    let config = RunConfig {
        fault_phase_ms: 60_000,
        liveness_deadline_ms: 600_000,
        trace: sim::TraceMode::Full,
        ..RunConfig::default()
    };
    let points = points.to_vec();
    sim::run(
        ChoiceSource::Seed(seed),
        &config,
        move |sim| {
            sim.set_fault_profile(FaultProfile::uniform(&points, Ratio::ALWAYS));
            setup(sim);
        },
        &[] as &[Invariant<()>],
    )
}

#[test]
fn a_long_delay_lands_after_the_sender_gave_up() {
    // Long delays run from 1 s to minutes, so some land before the 5 s timeout and
    // some after it: find one that lands after, within a few seeds.
    let late = (0..20).find_map(|seed| {
        let log = sim_log();
        let l = log.clone();
        let result = run_always(seed, &[NET_DELAY_LONG], move |sim| {
            let (client, server) = (sim.add_node("client"), sim.add_node("server"));
            let (s, l) = (sim.clone(), l.clone());
            sim.spawn(client, "caller", async move {
                let (applied, s2) = (l.clone(), s.clone());
                let put = move |_: &Sim| log_line(&applied, format!("applied {}", s2.now().as_ms()));
                let reply = s.call(client, server, "PUT", put).await;
                log_line(&l, format!("gave-up {} {}", s.now().as_ms(), reply.is_err()));
            });
        });
        let lines = log.borrow().clone();
        let at = |prefix: &str| -> u64 {
            let line = lines.iter().find(|l| l.starts_with(prefix)).expect("both happen");
            line.split(' ').nth(1).unwrap().parse().unwrap()
        };
        (at("gave-up") < at("applied")).then_some(result)
    });
    let result = late.expect("a long delay lands after its caller timed out within 20 seeds");
    let fault_line = result.trace.iter().find_map(|e| match &e.kind {
        EventKind::Fault { object, .. } => Some(object.clone()),
        _ => None,
    });
    assert!(
        fault_line.is_some_and(|o| o.starts_with("PUT from client to server takes")),
        "the fault names its message"
    );
}

fn sim_log() -> crate::Log {
    crate::Log::default()
}

#[test]
fn drift_moves_a_clock_by_its_rate_and_stops_when_it_ends() {
    let (_, log) = run_logged(4, |sim, log| {
        let node = sim.add_node("skewed");
        let (s, l) = (sim.clone(), log.clone());
        sim.spawn(NodeId::SYSTEM, "drifter", async move {
            s.drift_clock(node, 100_000, 10_000);
            s.sleep_ms(10_000).await;
            log_line(&l, format!("{}", s.node_now(node)));
            s.sleep_ms(10_000).await;
            log_line(&l, format!("{}", s.node_now(node)));
            s.drift_clock(node, -250, 4_000);
            s.sleep_ms(4_000).await;
            log_line(&l, format!("{}", s.node_now(node)));
        });
    });
    // 10 % fast for 10 s gains 1 s, kept after; 250 ppm slow for 4 s loses 1 ms.
    assert_eq!(log, ["11.000s", "21.000s", "24.999s"]);
}

#[test]
fn the_nemesis_hits_each_fault_only_on_its_targets() {
    let result = run_always(5, &[NODE_CRASH, CLOCK_JUMP, NODE_PAUSE, CLOCK_DRIFT], |sim| {
        let nodes: Vec<NodeId> = ["client", "store", "lock"].iter().map(|n| sim.add_node(*n)).collect();
        sim.on_restart(nodes[0], |_| {});
        let config =
            NemesisConfig::new(vec![nodes[0]]).crash(vec![nodes[0]]).clocks(vec![nodes[2]]).pauses(vec![nodes[1]]);
        sim.spawn_nemesis(config);
    });
    let names = result.node_names();
    let mut hit: Vec<(String, &str)> = result
        .trace
        .iter()
        .filter_map(|e| {
            let what = match e.kind {
                EventKind::Crash => "crash",
                EventKind::Pause { .. } => "pause",
                EventKind::ClockJump { .. } => "jump",
                EventKind::ClockDrift { .. } => "drift",
                _ => return None,
            };
            Some((names[e.node.0 as usize].clone(), what))
        })
        .collect();
    hit.sort();
    hit.dedup();
    let expected = [("client", "crash"), ("lock", "drift"), ("lock", "jump"), ("store", "pause")];
    assert_eq!(hit, expected.map(|(n, w)| (n.to_string(), w)));
}

/// The nemesis looks its rates up once per installed profile, not per tick: a
/// profile installed mid-run must still change what it strikes from then on.
#[test]
fn the_nemesis_follows_a_profile_installed_while_it_runs() {
    let result = run_always(7, &[NODE_CRASH, NODE_PAUSE], |sim| {
        let node = sim.add_node("client");
        sim.on_restart(node, |_| {});
        sim.spawn_nemesis(NemesisConfig { restart_max_ms: 1_000, ..NemesisConfig::new(vec![node]) });
        let s = sim.clone();
        sim.spawn(NodeId::SYSTEM, "switch", async move {
            s.sleep_ms(30_000).await;
            s.set_fault_profile(FaultProfile::uniform(&[NODE_PAUSE], Ratio::ALWAYS));
        });
    });
    let kinds = |before: bool| -> Vec<&str> {
        let mut kinds: Vec<&str> = result
            .trace
            .iter()
            .filter(|e| (e.time.as_ms() < 30_000) == before)
            .filter_map(|e| match e.kind {
                EventKind::Crash => Some("crash"),
                EventKind::Pause { .. } => Some("pause"),
                _ => None,
            })
            .collect();
        kinds.sort();
        kinds.dedup();
        kinds
    };
    // Crashes always fire first, and a down node is not paused.
    assert_eq!(kinds(true), ["crash"]);
    assert_eq!(kinds(false), ["pause"]);
}

#[test]
fn a_crash_target_without_a_restart_hook_is_an_error_the_author_sees() {
    let result = run_always(6, &[NODE_CRASH], |sim| {
        let store = sim.add_node("store");
        sim.spawn_nemesis(NemesisConfig { targets: vec![store], ..Default::default() });
    });
    match result.outcome {
        sim::Outcome::Panic { message, .. } => assert!(message.contains("store") && message.contains("on_restart")),
        other => panic!("expected the missing hook to be reported, got {other:?}"),
    }
}

#[test]
fn a_tape_of_zeros_fires_none_of_the_new_faults() {
    let config = RunConfig { fault_phase_ms: 60_000, liveness_deadline_ms: 60_000, ..RunConfig::default() };
    let result = sim::run(
        ChoiceSource::Tape(Tape::default()),
        &config,
        |sim| {
            sim.set_fault_profile(FaultProfile::uniform(NEW_FAULTS, Ratio::new(1, 2)));
            let (a, b) = (sim.add_node("a"), sim.add_node("b"));
            let s = sim.clone();
            sim.spawn(a, "pinger", async move {
                for _ in 0..20 {
                    let _ = s.call(a, b, "PING", |_| ()).await;
                }
            });
            sim.spawn_nemesis(NemesisConfig::new(vec![a, b]));
        },
        &[] as &[Invariant<()>],
    );
    assert!(result.fault_counts.is_empty(), "{:?}", result.fault_counts);
}

#[test]
fn a_fault_filter_keeps_only_the_named_points_or_takes_one_out() {
    let only = FaultFilter::parse("node.pause,net.delay.long", NEW_FAULTS).unwrap();
    assert!(only.allows("node.pause") && !only.allows("clock.drift"));
    let without = FaultFilter::parse("-clock.drift", NEW_FAULTS).unwrap();
    assert!(without.allows("node.pause") && !without.allows("clock.drift"));
    assert_eq!(without.to_string(), "-clock.drift");
    assert!(FaultFilter::parse("node.crash", NEW_FAULTS).unwrap_err().contains("no fault point 'node.crash'"));
    let mut choices = sim::Choices::new(ChoiceSource::Seed(1));
    let profile = FaultProfile::swarm_filtered(NEW_FAULTS, &without, &mut choices);
    assert!(choices.tape().len() <= 4, "the filtered-out point draws nothing");
    assert!(profile.rate("clock.drift").is_none() && profile.declares("clock.drift"));
}
