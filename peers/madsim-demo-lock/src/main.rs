//! lockstep's `demo/lock` (compare-and-set variant, no faults) written on madsim 0.2,
//! so `lockstep bench` can put the two engines side by side on the same work.
//!
//! The same workload as `model::system::demo_lock` with `DemoLockParams::default()`:
//! three clients, each takes a TTL lock (30 s) on a key-value server one to three
//! times with `SET NX`, holds it for a critical section of 1–5 s, releases it with a
//! compare-and-delete, and retries every 500 ms while it is held; one-way network
//! delays of 1–100 ms. Every run is a fresh madsim `Runtime` seeded with the run's
//! seed, exactly as lockstep builds a fresh `Sim` per seed.
//!
//! Usage: `madsim-demo-lock --runs N` prints `runs N secs S runs_per_sec R`.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use madsim::net::Endpoint;
use madsim::rand::{thread_rng, Rng};
use madsim::runtime::{Handle, Runtime};
use madsim::time::sleep;

const CLIENTS: u64 = 3;
const ROUNDS_MAX: u64 = 3;
const LOCK_TTL: Duration = Duration::from_secs(30);
const RETRY: Duration = Duration::from_millis(500);
const REQUEST: u64 = 1;
const REPLY: u64 = 2;
const SET_NX: u8 = 1;
const DEL_IF: u8 = 2;

fn server_addr() -> SocketAddr {
    SocketAddr::from(([10, 0, 0, 1], 1))
}

/// The key-value server: one lock key with a holder and an expiry on its own clock.
async fn serve() {
    let ep = Endpoint::bind(server_addr()).await.expect("bind the server");
    let mut holder: Option<(u64, madsim::time::Instant)> = None;
    let mut buf = [0u8; 9];
    loop {
        let (len, from) = ep.recv_from(REQUEST, &mut buf).await.expect("receive");
        assert_eq!(len, 9, "a request is an op and a token");
        let token = u64::from_le_bytes(buf[1..9].try_into().expect("8 bytes"));
        #[allow(clippy::disallowed_methods)] // madsim's simulated clock under `--cfg madsim`.
        let now = madsim::time::Instant::now();
        let live = holder.filter(|(_, expires)| now < *expires);
        let ok = match buf[0] {
            SET_NX if live.is_none() => {
                holder = Some((token, now + LOCK_TTL));
                true
            }
            DEL_IF if live.is_some_and(|(t, _)| t == token) => {
                holder = None;
                true
            }
            _ => false,
        };
        ep.send_to(from, REPLY, &[u8::from(ok)]).await.expect("reply");
    }
}

/// One client: its rounds of take, hold, release. Returns the messages it sent.
async fn client(index: u64) -> u64 {
    let ep = Endpoint::bind(SocketAddr::from(([10, 0, 1, index as u8 + 1], 1))).await.expect("bind a client");
    let rounds = thread_rng().gen_range(1..=ROUNDS_MAX);
    let token = index + 1;
    let mut sent = 0;
    let mut call = |op: u8| {
        sent += 1;
        let ep = &ep;
        async move {
            let mut req = [0u8; 9];
            req[0] = op;
            req[1..9].copy_from_slice(&token.to_le_bytes());
            ep.send_to(server_addr(), REQUEST, &req).await.expect("send");
            let mut reply = [0u8; 1];
            ep.recv_from(REPLY, &mut reply).await.expect("reply");
            reply[0] == 1
        }
    };
    for _ in 0..rounds {
        while !call(SET_NX).await {
            sleep(RETRY).await;
        }
        sleep(Duration::from_millis(thread_rng().gen_range(1_000..=5_000))).await;
        call(DEL_IF).await;
    }
    sent
}

/// One run from `seed`; returns the number of requests the clients made.
fn run(seed: u64) -> u64 {
    let mut config = madsim::Config::default();
    config.net.send_latency = Duration::from_millis(1)..Duration::from_millis(101);
    let rt = Runtime::with_seed_and_config(seed, config);
    rt.block_on(async {
        let handle = Handle::current();
        let server = handle.create_node().name("kv").ip(server_addr().ip()).build();
        server.spawn(serve());
        let mut clients = Vec::new();
        for i in 0..CLIENTS {
            let node = handle.create_node().name(format!("c{}", i + 1)).ip([10, 0, 1, i as u8 + 1].into()).build();
            clients.push(node.spawn(client(i)));
        }
        let mut sent = 0;
        for c in clients {
            sent += c.await.expect("a client finishes");
        }
        sent
    })
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut runs = 2_000u64;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--runs" => runs = args.next().and_then(|n| n.parse().ok()).unwrap_or_else(|| usage()),
            _ => usage(),
        }
    }
    #[allow(clippy::disallowed_methods)] // The benchmark's own wall time; no run reads it.
    let started = Instant::now();
    let requests: u64 = (0..runs).map(run).sum();
    let secs = started.elapsed().as_secs_f64().max(1e-9);
    println!("runs {runs} secs {secs:.3} runs_per_sec {:.0} requests {requests}", runs as f64 / secs);
}

fn usage() -> ! {
    eprintln!("usage: madsim-demo-lock [--runs N]");
    std::process::exit(2);
}
