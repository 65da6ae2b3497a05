//! The backend instances: the dev-server start path of each version
//! (`sb_shell_tool.py:280-360` in V1) and the sandbox pool's fire-and-forget
//! auto-start (`sandbox_pool.py:180-250`).
//!
//! A start path runs as a task of one backend instance; a crash of the instance drops
//! it where it stands, so its `finally` never runs and only the TTL frees its lock.
//! Every decision is a note. The ghost check of SYSTEMS.md I15 sits at the moment a
//! path decides to launch: a launch while a healthy dev server of the app is up or
//! coming up is a redundant start.

use sim::{NodeId, Sim};

use crate::system::devserver::params::{DoubleCheck, LockHold, Loser, Release, Variant};
use crate::system::devserver::sandbox::{App, ProcState};
use crate::system::devserver::world::Shared;

/// What a start path answers its caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StartReply {
    Started,
    AlreadyRunning,
    AlreadyStarting,
    Failed,
}

impl StartReply {
    /// Whether the caller may believe a dev server is up or coming up.
    pub fn ok(self) -> bool {
        matches!(self, StartReply::Started | StartReply::AlreadyRunning)
    }
}

/// The session a start of `app` uses in `variant`, from the frontend or the tool.
pub fn session_for(variant: Variant, app: App) -> &'static str {
    match variant {
        Variant::V0 => "dev_server",
        Variant::V1 | Variant::Proposed => app.session(),
    }
}

/// The start path of the version, on backend `node`, in `session`.
/// `origin` names who asked (a hook instance, the agent, the pool) for the ghost.
pub async fn start(
    shared: &Shared,
    sim: &Sim,
    node: NodeId,
    app: App,
    session: &'static str,
    origin: String,
) -> StartReply {
    let path = Path { shared, sim, node, app };
    match shared.variant {
        Variant::V0 => path.start_v0(session, origin).await,
        Variant::V1 => path.start_locked(session, origin).await,
        Variant::Proposed => path.start_proposed(origin).await,
    }
}

/// One start of `app` on backend `node`: what every step of a start path reads (the
/// world, the sim, where it runs and which app it starts), taken once so that each
/// step names only what is its own (the session, the origin, what it decided over).
/// A step unpacks it on entry, and one that awaits before it calls the next step
/// packs the parts again for that call rather than keep `self`: a future then holds
/// one copy of them, not two (measured: 0.1% of devserver/redis-lock v1 otherwise).
#[derive(Clone, Copy)]
struct Path<'a> {
    shared: &'a Shared,
    sim: &'a Sim,
    node: NodeId,
    app: App,
}

impl Path<'_> {
    /// V0: create or reuse the session and run the command. No lock, no check.
    async fn start_v0(self, session: &'static str, origin: String) -> StartReply {
        let Path { sim, node, app, .. } = self;
        sim::note!(sim, node, "starts {} in session {session} (no lock)", app.name());
        self.launch(session, None, origin).await
    }

    /// Sends the exec, with the ghost redundancy check taken when it is applied.
    /// `decided_over` is a healthy process that existed when the path decided to start
    /// (and that its cleanup may have killed since): starting over it is redundant too.
    async fn launch(self, session: &'static str, decided_over: Option<u64>, origin: String) -> StartReply {
        let Path { shared, sim, node, app } = self;
        let ghost = shared.ghost.clone();
        let who = format!("{} for {origin}", sim.node_name(node));
        let exec = shared.sandbox.call(sim, node, "exec", move |sandbox, sim| {
            ghost.borrow_mut().check_launch(&sandbox.state.borrow(), app, &who, decided_over);
            sandbox.exec(sim, session, app, None, origin)
        });
        match exec.await {
            Ok(_) => StartReply::Started,
            Err(_) => StartReply::Failed,
        }
    }

    /// V1's locked start path, with every `[A]` of SYSTEMS.md S001.A as a parameter.
    async fn start_locked(self, session: &'static str, origin: String) -> StartReply {
        let Path { shared, sim, node, app } = self;
        let p = &shared.params;
        let key = app.lock_key();
        let token = shared.next_token();
        let ttl_s = p.lock_ttl_ms / 1_000;
        let mut acquired = shared.redis.set_nx_ex(sim, node, key, token, ttl_s).await;
        if acquired == Ok(false) && p.loser == Loser::Wait {
            for _ in 0..600 {
                sim::note!(sim, node, "waits for {key}");
                sim.sleep_ms(1_000).await;
                acquired = shared.redis.set_nx_ex(sim, node, key, token, ttl_s).await;
                if acquired != Ok(false) {
                    break;
                }
            }
        }
        match acquired {
            Err(_) => {
                // The exception leaves before the try: nothing releases a lock the SET
                // may have taken; its TTL does.
                sim::note!(sim, node, "SET {key} NX EX {ttl_s} fails (no reply): start fails");
                return StartReply::Failed;
            }
            Ok(false) => {
                sim::note!(sim, node, "loses {key}");
                return if p.loser == Loser::Fail { StartReply::Failed } else { StartReply::AlreadyStarting };
            }
            Ok(true) => sim::note!(sim, node, "holds {key} = {token} for {ttl_s} s; session {session}"),
        }
        let reply = Path { shared, sim, node, app }.locked_section(session, origin).await;
        sim.sometimes_if(shared.redis.peek(sim, key) != Some(token), "lock-lost-while-start-runs");
        match p.release {
            Release::Del => {
                sim::note!(sim, node, "DEL {key} (finally)");
                let _ = shared.redis.del(sim, node, key, token).await;
            }
            Release::CompareAndDelete => {
                sim::note!(sim, node, "compare-and-delete {key} = {token} (finally)");
                let _ = shared.redis.compare_and_delete(sim, node, key, token).await;
            }
            Release::TtlOnly => {}
        }
        reply
    }

    async fn locked_section(self, session: &'static str, origin: String) -> StartReply {
        let Path { shared, sim, node, app } = self;
        let p = &shared.params;
        let check = p.double_check;
        let running = shared
            .sandbox
            .call(sim, node, "double-check", move |sandbox, _| {
                let st = sandbox.state.borrow();
                match check {
                    DoubleCheck::Port => st.listening(app),
                    DoubleCheck::Process => st.live(app).any(|p| p.session == session),
                    DoubleCheck::Session => st.sessions.contains(session),
                }
            })
            .await;
        match running {
            Err(_) => return StartReply::Failed,
            Ok(true) => {
                sim::note!(sim, node, "double-check: {} already running", app.name());
                return StartReply::AlreadyRunning;
            }
            Ok(false) => sim::note!(sim, node, "double-check: {} not running", app.name()),
        }
        let decided_over = shared.sandbox.state.borrow().live(app).find(|p| p.healthy()).map(|p| p.id);
        let killed =
            shared.sandbox.call(sim, node, "cleanup", move |sandbox, sim| sandbox.kill_session(sim, session)).await;
        match killed {
            Err(_) => return StartReply::Failed,
            Ok(n) if n > 0 => sim.sleep_ms(p.cleanup_grace_ms).await,
            Ok(_) => {}
        }
        let port = app.port();
        let in_use = shared
            .sandbox
            .call(sim, node, "port check", move |sandbox, _| {
                sandbox.state.borrow().processes.iter().any(|p| p.state == ProcState::Listening(port))
            })
            .await;
        match in_use {
            Err(_) => return StartReply::Failed,
            Ok(true) => {
                sim::note!(sim, node, "port {port} in use: treats it as running");
                return StartReply::AlreadyRunning;
            }
            Ok(false) => {}
        }
        let reply = Path { shared, sim, node, app }.launch(session, decided_over, origin).await;
        if reply == StartReply::Started && p.lock_hold == LockHold::UntilReachable {
            for _ in 0..150 {
                sim.sleep_ms(2_000).await;
                let up =
                    shared.sandbox.call(sim, node, "reachable?", move |s, _| s.state.borrow().listening(app)).await;
                if up == Ok(true) {
                    sim::note!(sim, node, "{} reachable", app.name());
                    break;
                }
            }
        }
        reply
    }

    /// `proposed`: the Redis lock only spares duplicate work; safety comes from the
    /// sandbox, which starts a dev server only if no healthy one of the app exists, in
    /// one atomic step (a `flock` held by the process for its life would do the same in
    /// a real sandbox). One session per app for every caller. A start that has not bound
    /// within `hung_after_ms` (longer than any healthy start) is killed by its own
    /// wrapper, and the same atomic step kills one it finds and starts over. The lock is
    /// released by compare-and-delete, so only its owner can.
    async fn start_proposed(self, origin: String) -> StartReply {
        let Path { shared, sim, node, app } = self;
        let key = app.lock_key();
        let token = shared.next_token();
        let ttl_s = shared.params.lock_ttl_ms / 1_000;
        match shared.redis.set_nx_ex(sim, node, key, token, ttl_s).await {
            Ok(false) => {
                sim::note!(sim, node, "loses {key}: another start is under way");
                return StartReply::AlreadyStarting;
            }
            Ok(true) => sim::note!(sim, node, "holds {key} = {token}"),
            Err(_) => sim::note!(sim, node, "SET {key} NX: no reply; goes on (the lock is not what keeps it safe)"),
        }
        let (ghost, hung_after_ms) = (shared.ghost.clone(), shared.params.hung_after_ms);
        let who = format!("{} for {origin}", sim.node_name(node));
        let reply = shared
            .sandbox
            .call(sim, node, "start-exclusive", move |sandbox, sim| {
                let now = sim.now();
                let (healthy, stale): (Vec<u64>, Vec<u64>) = {
                    let st = sandbox.state.borrow();
                    let fresh =
                        |p: &&crate::system::devserver::sandbox::Process| now.ms_since(p.launched_at) < hung_after_ms;
                    let healthy = st
                        .live(app)
                        .filter(|p| matches!(p.state, ProcState::Listening(_)) || fresh(p))
                        .map(|p| p.id)
                        .collect();
                    let stale =
                        st.live(app).filter(|p| p.state == ProcState::Starting && !fresh(p)).map(|p| p.id).collect();
                    (healthy, stale)
                };
                if !healthy.is_empty() {
                    return StartReply::AlreadyRunning;
                }
                for id in stale {
                    sandbox.kill(sim, id);
                }
                ghost.borrow_mut().check_launch(&sandbox.state.borrow(), app, &who, None);
                sandbox.exec(sim, app.session(), app, Some(hung_after_ms), origin);
                StartReply::Started
            })
            .await
            .unwrap_or(StartReply::Failed);
        sim::note!(sim, node, "start-exclusive {}: {reply:?}", app.name());
        let _ = shared.redis.compare_and_delete(sim, node, key, token).await;
        reply
    }
}

/// The pool's `asyncio.create_task(self._auto_start_dev_server(...))`: a task of the
/// backend that created the sandbox, with no reference kept; it dies with that
/// instance.
pub fn spawn_pool_auto_start(shared: &std::rc::Rc<Shared>, sim: &Sim, node: NodeId, app: App) {
    let (shared, s) = (shared.clone(), sim.clone());
    sim.spawn(node, "_auto_start_dev_server", async move {
        s.sleep_ms(shared.params.pool_auto_start_delay_ms).await;
        match shared.variant {
            Variant::V0 => {}
            Variant::V1 => {
                let session = app.auto_session();
                sim::note!(s, node, "pool auto-starts {} in session {session}", app.name());
                let path = Path { shared: &shared, sim: &s, node, app };
                if shared.params.auto_start_takes_lock {
                    path.start_locked(session, "the pool".into()).await;
                } else {
                    path.launch(session, None, "the pool".into()).await;
                }
            }
            Variant::Proposed => {
                sim::note!(s, node, "pool auto-starts {}", app.name());
                Path { shared: &shared, sim: &s, node, app }.start_proposed("the pool".into()).await;
            }
        }
    });
}
