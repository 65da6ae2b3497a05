//! One run's shared world: the spec's [`State`] under a lock, the clock, the pushes of
//! `getSandbox`, and the run's fault profile. Every step of a tab goes through
//! [`World::act`]: a shuttle scheduling point, then the atomic step (checked to be an
//! action the spec enables in that state), then the checked invariants (a violation
//! panics, which is how shuttle learns of a failure).

use std::sync::Mutex;

use create_lock_abstraction::actions::{apply, is_enabled, Action};
use create_lock_abstraction::invariants::first_broken;
use create_lock_abstraction::spec::{Config, INVARIANTS};
use create_lock_abstraction::state::{State, TabId};
use shuttle::future::yield_now;
use shuttle::rand::{thread_rng, Rng};

use crate::clock::{Clock, Signal, Tick};
use crate::swarm::Swarm;

pub struct World {
    pub cfg: Config,
    /// The invariants checked (one row's, or all).
    checked: Vec<&'static str>,
    state: Mutex<State>,
    pub clock: Clock,
    /// `getSandbox` pushes: notified after every effective write.
    pub pushes: Signal,
    pub swarm: Swarm,
}

impl World {
    pub fn new(cfg: Config, only: Option<&'static str>, swarm: Swarm) -> World {
        let clock = Clock::default();
        World {
            cfg,
            checked: only.map_or(INVARIANTS.to_vec(), |name| vec![name]),
            state: Mutex::new(State::new(&cfg)),
            pushes: clock.signal(),
            clock,
            swarm,
        }
    }

    pub fn read<R>(&self, f: impl FnOnce(&State) -> R) -> R {
        f(&self.state.lock().expect("state"))
    }

    /// One atomic step after a scheduling point: `choose` names the action in the
    /// state it finds (a draw may decide an outcome), which must be enabled there by
    /// the spec; a write that changed the store pushes to every subscriber. Returns the
    /// state after the step.
    pub async fn act(&self, choose: impl FnOnce(&Config, &State) -> Action) -> State {
        yield_now().await;
        self.take(choose)
    }

    fn take(&self, choose: impl FnOnce(&Config, &State) -> Action) -> State {
        let (after, wrote) = {
            let mut s = self.state.lock().expect("state");
            let action = choose(&self.cfg, &s);
            assert!(is_enabled(&self.cfg, &s, action), "model error: {action:?} is not enabled in {s:?}");
            let before = (s.pending, s.records.len());
            apply(&self.cfg, &mut s, action);
            self.check(&s);
            let wrote = before != (s.pending, s.records.len());
            (s.clone(), wrote)
        };
        if wrote {
            self.pushes.notify();
        }
        after
    }

    fn check(&self, s: &State) {
        if let Some(name) = first_broken(s, &self.checked) {
            panic!("violation of {name} at tick {}", s.now);
        }
    }

    /// Whether tab `i` crashes here (the budget, the profile and a draw allow it); if
    /// so it is crashed at once and the caller stops.
    pub fn crashes(&self, i: TabId) -> bool {
        let eligible = self.read(|s| s.may_crash(&self.cfg, i));
        if !eligible || !self.swarm.crash_fires() {
            return false;
        }
        self.take(|_, _| Action::Crash(i));
        true
    }

    /// A draw in `lo..=hi` (a workload choice: an opening tick, a create's length).
    pub fn between(&self, lo: u8, hi: u8) -> u8 {
        thread_rng().gen_range(lo..=hi)
    }

    /// The clock moved to `t`: tick by tick (each enabled by the spec: nothing
    /// urgent), so the creates due on the way finish.
    pub fn advance_to(&self, t: Tick) {
        let mut s = self.state.lock().expect("state");
        while u64::from(s.now) < t {
            assert!(is_enabled(&self.cfg, &s, Action::Tick), "model error: a tick is not enabled in {s:?}");
            apply(&self.cfg, &mut s, Action::Tick);
            self.check(&s);
        }
    }

    /// The run is over (nothing active, no timer): it must be quiescent by the spec's
    /// definition, and the invariants are judged there (`no-orphan` only then).
    pub fn finish(&self) {
        let s = self.state.lock().expect("state");
        assert!(s.quiescent(), "model error: the run ended before quiescence: {s:?}");
        self.check(&s);
    }
}
