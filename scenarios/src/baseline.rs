//! A plain hand-written event loop (a binary heap of timed events and a ChaCha8
//! stream) running the same demo/lock workload as the executor: the yardstick for the
//! executor's overhead. It has no tasks, no wakers, no faults, only the protocol as a
//! state machine, and it hashes each event as the executor's trace does.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use model::system::demo_lock::DemoLockParams;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sim::NetConfig;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Op {
    SetNx,
    Release,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Ev {
    Request { client: usize, op: Op },
    Reply { client: usize, op: Op, ok: bool },
    CriticalSectionEnds { client: usize },
    Retry { client: usize },
}

struct Loop {
    now: u64,
    seq: u64,
    heap: BinaryHeap<Reverse<(u64, u64, Ev)>>,
    rng: ChaCha8Rng,
    net: NetConfig,
}

impl Loop {
    fn at(&mut self, delay_ms: u64, ev: Ev) {
        self.seq += 1;
        self.heap.push(Reverse((self.now + delay_ms, self.seq, ev)));
    }

    fn send(&mut self, ev: Ev) {
        let d = self.rng.random_range(self.net.delay_min_ms..=self.net.delay_max_ms);
        self.at(d, ev);
    }
}

/// One fault-free demo/lock compare-and-set run from `seed`; returns the number of
/// events processed.
pub fn demo_lock_run(seed: u64) -> u64 {
    let p = DemoLockParams::default();
    let mut lp = Loop {
        now: 0,
        seq: 0,
        heap: BinaryHeap::new(),
        rng: ChaCha8Rng::seed_from_u64(seed),
        net: NetConfig::default(),
    };
    let rounds: Vec<u64> = (0..p.clients).map(|_| lp.rng.random_range(1..=p.rounds_max)).collect();
    let mut done = vec![0u64; p.clients];
    let mut lock: Option<(usize, u64)> = None;
    let mut inside = 0usize;
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    for client in 0..p.clients {
        lp.send(Ev::Request { client, op: Op::SetNx });
    }
    let mut events = 0;
    while let Some(Reverse((t, _, ev))) = lp.heap.pop() {
        lp.now = t;
        events += 1;
        hasher.update(&t.to_le_bytes());
        match ev {
            Ev::Request { client, op: Op::SetNx } => {
                let free = lock.is_none_or(|(_, expires)| expires <= lp.now);
                if free {
                    lock = Some((client, lp.now + p.lock_ttl_ms));
                }
                lp.send(Ev::Reply { client, op: Op::SetNx, ok: free });
            }
            Ev::Request { client, op: Op::Release } => {
                let held = lock.is_some_and(|(holder, expires)| holder == client && lp.now < expires);
                if held {
                    lock = None;
                }
                lp.send(Ev::Reply { client, op: Op::Release, ok: held });
            }
            Ev::Reply { client, op: Op::SetNx, ok: true } => {
                inside += 1;
                assert!(inside <= 1, "compare-and-set admitted two clients");
                let cs = lp.rng.random_range(p.critical_section_min_ms..=p.critical_section_max_ms);
                lp.at(cs, Ev::CriticalSectionEnds { client });
            }
            Ev::Reply { client, op: Op::SetNx, ok: false } => lp.at(p.retry_ms, Ev::Retry { client }),
            Ev::CriticalSectionEnds { client } => {
                inside -= 1;
                done[client] += 1;
                lp.send(Ev::Request { client, op: Op::Release });
            }
            Ev::Reply { client, op: Op::Release, .. } => {
                if done[client] < rounds[client] {
                    lp.send(Ev::Request { client, op: Op::SetNx });
                }
            }
            Ev::Retry { client } => lp.send(Ev::Request { client, op: Op::SetNx }),
        }
    }
    std::hint::black_box(hasher.digest());
    events
}
