//! The process table's promises: sequential allocation, reuse of freed pids, the
//! three answers of `kill(pid, 0)`, zombies holding their pid, namespace restarts.

use sim::{ChoiceSource, Sim, TraceMode};

use super::*;

fn sim(seed: u64) -> Sim {
    Sim::new(ChoiceSource::Seed(seed), TraceMode::HashOnly)
}

#[test]
fn pids_are_sequential_and_wrap_around_to_freed_ones() {
    let s = sim(0);
    let t = ProcessTable::with_pids(&s, "a", PidParams { first: 10, last: 12, reuse_window: 1 });
    let pids: Vec<Pid> = (0..3).map(|_| t.spawn("u", "p")).collect();
    assert_eq!(pids, vec![Pid(10), Pid(11), Pid(12)]);
    t.exit_reaped(Pid(11));
    assert_eq!(t.spawn("u", "q"), Pid(11), "the only free pid is reused");
    t.exit_reaped(Pid(10));
    t.exit_reaped(Pid(12));
    assert_eq!(t.spawn("u", "r"), Pid(12), "allocation continues after the last pid handed out");
}

#[test]
fn kill0_answers_alive_esrch_or_eperm() {
    let s = sim(0);
    let t = ProcessTable::new(&s, "a");
    let mine = t.spawn("eve", "eve");
    let theirs = t.spawn("root2", "cron");
    assert_eq!(t.kill0(mine, "eve"), Kill0::Alive);
    assert_eq!(t.kill0(theirs, "eve"), Kill0::Eperm);
    assert_eq!(t.kill0(theirs, "root"), Kill0::Alive);
    assert_eq!(t.kill0(Pid(9_999), "eve"), Kill0::Esrch);
}

#[test]
fn a_zombie_holds_its_pid_and_answers_alive_until_reaped() {
    let s = sim(0);
    let t = ProcessTable::with_pids(&s, "a", PidParams { first: 1, last: 2, reuse_window: 2 });
    let p = t.spawn("eve", "eve");
    t.exit(p);
    assert_eq!(t.kill0(p, "eve"), Kill0::Alive);
    assert!(!t.is_running(p));
    let other = t.spawn("eve", "x");
    assert_ne!(other, p, "a zombie's pid is not reused");
    t.reap(p);
    assert_eq!(t.kill0(p, "eve"), Kill0::Esrch);
}

#[test]
fn a_reuse_window_lets_a_new_process_take_a_dead_ones_pid_on_some_draws() {
    let reused = (0..30).any(|seed| {
        let s = sim(seed);
        let t = ProcessTable::with_pids(&s, "a", PidParams { first: 1, last: 100, reuse_window: 4 });
        let first = t.spawn("eve", "holder");
        t.exit_reaped(first);
        (0..3).any(|_| t.spawn("other", "x") == first)
    });
    assert!(reused);
}

#[test]
fn a_namespace_restart_hands_out_the_same_pids_again() {
    let s = sim(0);
    let t = ProcessTable::with_pids(&s, "c1", PidParams { first: 1, last: 50, reuse_window: 1 });
    let before = t.spawn("eve", "eve");
    t.restart_namespace();
    assert_eq!(t.kill0(before, "eve"), Kill0::Esrch);
    assert_eq!(t.spawn("eve", "eve"), before);
    assert_eq!(t.hostname(), "c1");
}
