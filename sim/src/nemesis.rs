//! The nemesis: the engine's fault driver for node crashes, restarts, process pauses,
//! clock jumps and clock drift.
//!
//! It wakes at intervals drawn from the tape and, for each target node, asks the
//! fault points whether to strike. Each fault has its own targets (crash the clients
//! but not the store; skew only the lock server); by default they are all `targets`.
//! A crashed node with a restart hook comes back after a drawn delay, also after the
//! fault phase, so liveness is judged on a system that could recover; a crash target
//! without a hook is a mistake of the scenario, reported on the first tick.
//!
//! The size of clock jumps and the rate of drift are part of the run's swarm profile:
//! drawn once, on the first strike, from scales smallest first, so a shrunk tape of
//! zeros keeps the smallest. Pause lengths are heavy-tailed (a decade, then a value in
//! it), so most pauses are short and a few outlast any lease.
//!
//! In a run where none of its faults can fire (a fault-free run, or a swarm profile
//! without crashes, pauses, jumps or drift) the nemesis is not started at all. Its
//! ticks would draw delays and schedule picks and wake at drawn times, and do nothing
//! else: a schedule with them is a schedule without them, the model's own steps
//! interleaved with steps that touch no state. What its pending tick did do is keep
//! time running: the fault phase then always lasted to its end, and a run whose model
//! went quiet ran on to the nemesis's last tick, up to `tick_max_ms` past the fault
//! phase. The runner keeps exactly that for an idle nemesis
//! ([`Sim::idle_nemesis_tick_max_ms`], held open by the runner): a quiet model's fault phase ends at its end,
//! and its run at the latest time that last tick could fall, so a check that reads the
//! clock (a lock held past its bound) is judged no earlier than before. Only the
//! instants a tick sampled in between are gone; the model changes nothing in them, and
//! the next step of its own, or the end of the run, sees the same state later. That
//! argument holds for checks that only get worse as time passes (a bound exceeded stays
//! exceeded), which is what every clock-reading invariant here is; a check that could
//! hold at the drawn end of the old run and fail at the latest one would differ.

use crate::choices::Ratio;
use crate::executor::Sim;
use crate::fault::points::{CLOCK_DRIFT, CLOCK_JUMP, NODE_CRASH, NODE_PAUSE};
use crate::fault::{EngineFault, FaultPoint, FaultTable};
use crate::node::NodeId;
use crate::tape::ChoiceKind;

/// When and where the nemesis strikes. Every duration is in simulated milliseconds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NemesisConfig {
    /// The nodes it may strike, for every fault whose own target list is `None`.
    pub targets: Vec<NodeId>,
    /// Shortest pause between two strikes.
    pub tick_min_ms: u64,
    /// Longest pause between two strikes.
    pub tick_max_ms: u64,
    /// Shortest time a crashed node stays down before its restart hook runs.
    pub restart_min_ms: u64,
    /// Longest time a crashed node stays down.
    pub restart_max_ms: u64,
    /// The largest clock jump, either way.
    pub clock_jump_max_ms: u64,
    /// The nodes `node.crash` may hit (`None`: `targets`). Each needs a restart hook.
    pub crash_targets: Option<Vec<NodeId>>,
    /// The nodes whose clock may jump or drift (`None`: `targets`).
    pub clock_targets: Option<Vec<NodeId>>,
    /// The nodes `node.pause` may stop (`None`: `targets`).
    pub pause_targets: Option<Vec<NodeId>>,
    /// Shortest and longest process pause.
    pub pause_min_ms: u64,
    pub pause_max_ms: u64,
    /// The fastest drift either way, in parts per million.
    pub drift_max_ppm: u64,
    /// Shortest and longest spell of drift.
    pub drift_min_ms: u64,
    pub drift_max_ms: u64,
}

impl Default for NemesisConfig {
    fn default() -> NemesisConfig {
        NemesisConfig {
            targets: Vec::new(),
            tick_min_ms: 100,
            tick_max_ms: 10_000,
            restart_min_ms: 100,
            restart_max_ms: 30_000,
            clock_jump_max_ms: 60_000,
            crash_targets: None,
            clock_targets: None,
            pause_targets: None,
            pause_min_ms: 100,
            pause_max_ms: 120_000,
            drift_max_ppm: 100_000,
            drift_min_ms: 1_000,
            drift_max_ms: 120_000,
        }
    }
}

/// Clock jump sizes a run may draw, smallest first: up to 100 ms, 1 s, 10 s, 60 s.
pub const CLOCK_JUMP_SCALES_MS: [u64; 4] = [100, 1_000, 10_000, 60_000];
/// Drift rates a run may draw, smallest first: up to 0.01 %, 0.1 %, 1 %, 10 %.
pub const CLOCK_DRIFT_SCALES_PPM: [u64; 4] = [100, 1_000, 10_000, 100_000];

impl NemesisConfig {
    /// Strikes `targets` with every fault.
    pub fn new(targets: Vec<NodeId>) -> NemesisConfig {
        NemesisConfig { targets, ..NemesisConfig::default() }
    }

    /// Only these nodes crash.
    pub fn crash(self, nodes: Vec<NodeId>) -> NemesisConfig {
        NemesisConfig { crash_targets: Some(nodes), ..self }
    }

    /// Only these nodes' clocks jump and drift.
    pub fn clocks(self, nodes: Vec<NodeId>) -> NemesisConfig {
        NemesisConfig { clock_targets: Some(nodes), ..self }
    }

    /// Only these nodes pause.
    pub fn pauses(self, nodes: Vec<NodeId>) -> NemesisConfig {
        NemesisConfig { pause_targets: Some(nodes), ..self }
    }

    fn crashes(&self) -> &[NodeId] {
        self.crash_targets.as_deref().unwrap_or(&self.targets)
    }

    fn skews(&self) -> &[NodeId] {
        self.clock_targets.as_deref().unwrap_or(&self.targets)
    }

    fn stops(&self) -> &[NodeId] {
        self.pause_targets.as_deref().unwrap_or(&self.targets)
    }

    /// Whether any fault may hit some node: [`Target::all`] is not empty.
    fn has_targets(&self) -> bool {
        [&self.targets[..], self.crashes(), self.skews(), self.stops()].iter().any(|t| !t.is_empty())
    }
}

/// Every fault point a strike asks about.
pub(crate) const NEMESIS_POINTS: [FaultPoint; 4] = [NODE_CRASH, CLOCK_JUMP, NODE_PAUSE, CLOCK_DRIFT];

/// The rates of [`NEMESIS_POINTS`] in one tick, `None` for a point that cannot fire.
struct Rates {
    crash: Option<Ratio>,
    jump: Option<Ratio>,
    pause: Option<Ratio>,
    drift: Option<Ratio>,
}

impl Rates {
    /// The rates `table` arms now: four loads (see [`EngineFault`]).
    fn of(table: &FaultTable) -> Rates {
        Rates {
            crash: table.engine_armed(EngineFault::NodeCrash),
            jump: table.engine_armed(EngineFault::ClockJump),
            pause: table.engine_armed(EngineFault::NodePause),
            drift: table.engine_armed(EngineFault::ClockDrift),
        }
    }

    fn none(&self) -> bool {
        self.crash.is_none() && self.jump.is_none() && self.pause.is_none() && self.drift.is_none()
    }
}

/// A node the nemesis may strike, and which faults may hit it: asked for every node
/// at every tick, so answered once when the nemesis starts.
struct Target {
    node: NodeId,
    crash: bool,
    skew: bool,
    stop: bool,
}

impl Target {
    /// Every node some fault may hit, `targets` first, each once.
    fn all(config: &NemesisConfig) -> Vec<Target> {
        let (crashes, skews, stops) = (config.crashes(), config.skews(), config.stops());
        let mut all: Vec<Target> = Vec::with_capacity(config.targets.len() + 1);
        for &node in config.targets.iter().chain(crashes).chain(skews).chain(stops) {
            if !all.iter().any(|t| t.node == node) {
                let (crash, skew, stop) = (crashes.contains(&node), skews.contains(&node), stops.contains(&node));
                all.push(Target { node, crash, skew, stop });
            }
        }
        all
    }
}

/// The per-run scales the nemesis draws on first use.
#[derive(Default)]
struct Scales {
    jump_max_ms: Option<u64>,
    drift_max_ppm: Option<u64>,
}

impl Sim {
    /// Starts the nemesis on the engine's node. It stops when the fault phase ends.
    /// Install the run's fault profile first: when none of the nemesis's faults can
    /// fire, it is not started (see the module's doc).
    pub fn spawn_nemesis(&self, config: NemesisConfig) {
        if !config.has_targets() {
            return;
        }
        if Rates::of(&self.fault_table()).none() {
            self.check_crash_targets(&config);
            self.k().faults.borrow_mut().idle_nemesis_tick_max_ms = Some(config.tick_max_ms);
            return;
        }
        // Built only for a nemesis that runs: a fault-free run has no use for it.
        let targets = Target::all(&config);
        let sim = self.clone();
        self.spawn(NodeId::SYSTEM, "nemesis", async move {
            sim.check_crash_targets(&config);
            let mut scales = Scales::default();
            loop {
                sim.sleep_ms(sim.between_at(ChoiceKind::Delay, "nemesis.tick", config.tick_min_ms, config.tick_max_ms))
                    .await;
                // A strike draws nothing for a point that cannot fire: skipping the
                // targets when none can changes nothing but time.
                let rates = {
                    let table = sim.fault_table();
                    if !table.active {
                        return;
                    }
                    Rates::of(&table)
                };
                if rates.none() {
                    continue;
                }
                for target in &targets {
                    let _for = sim.acting_for(target.node);
                    sim.strike(target, &config, &mut scales, &rates);
                }
            }
        });
    }

    /// The longest pause between ticks of a nemesis that was not started because none
    /// of its faults could fire; `None` if it runs, or there is none.
    pub(crate) fn idle_nemesis_tick_max_ms(&self) -> Option<u64> {
        self.fault_table().idle_nemesis_tick_max_ms
    }

    /// One tick's faults on one node, in a fixed order: crash, jump, pause, drift.
    fn strike(&self, target: &Target, config: &NemesisConfig, scales: &mut Scales, rates: &Rates) {
        let node = target.node;
        // Each fault asks its rate before the node's state: an off point costs no look
        // at the node (the order draws in is unchanged: only a strike draws).
        if target.crash
            && rates.crash.is_some()
            && self.is_up(node)
            && self.fires_at(EngineFault::NodeCrash, rates.crash)
        {
            // Traced on the nemesis's node, as it always was, so recorded traces keep their hashes.
            self.record_fault_with(self.current_node(), &NODE_CRASH, || self.node_name(node));
            self.crash(node);
            self.schedule_restart(node, config);
        }
        if target.skew && self.fires_at(EngineFault::ClockJump, rates.jump) {
            let scale = *scales
                .jump_max_ms
                .get_or_insert_with(|| self.scale(&CLOCK_JUMP, &CLOCK_JUMP_SCALES_MS, config.clock_jump_max_ms, "ms"));
            // Magnitude, then direction: a zero draw is no jump and forward.
            let magnitude = self.between(ChoiceKind::Delay, 0, scale) as i64;
            let backward = self.draw(ChoiceKind::Delay, 2) == 1;
            let delta = if backward { -magnitude } else { magnitude };
            self.record_fault_with(self.current_node(), &CLOCK_JUMP, || {
                format!("{}: clock {delta:+} ms", self.node_name(node))
            });
            self.jump_clock(node, delta);
        }
        if target.stop
            && rates.pause.is_some()
            && self.is_up(node)
            && !self.is_paused(node)
            && self.fires_at(EngineFault::NodePause, rates.pause)
        {
            let ms = self.heavy_tail_ms(config.pause_min_ms, config.pause_max_ms);
            self.record_fault_with(self.current_node(), &NODE_PAUSE, || {
                format!("{} stops for {ms} ms", self.node_name(node))
            });
            self.pause(node, ms);
        }
        if target.skew && self.fires_at(EngineFault::ClockDrift, rates.drift) {
            let scale = *scales
                .drift_max_ppm
                .get_or_insert_with(|| self.scale(&CLOCK_DRIFT, &CLOCK_DRIFT_SCALES_PPM, config.drift_max_ppm, "ppm"));
            let magnitude = self.between(ChoiceKind::Delay, 0, scale) as i64;
            let slow = self.draw(ChoiceKind::Delay, 2) == 1;
            let ppm = if slow { -magnitude } else { magnitude };
            let for_ms = self.between(ChoiceKind::Delay, config.drift_min_ms, config.drift_max_ms);
            self.record_fault_with(self.current_node(), &CLOCK_DRIFT, || {
                format!("{}: clock runs {ppm:+} ppm for {for_ms} ms", self.node_name(node))
            });
            self.drift_clock(node, ppm, for_ms);
        }
    }

    /// Draws this run's scale for `point` from `scales` (capped at `max`) and
    /// describes it with the workload, where reports show the swarm profile.
    fn scale(&self, point: &FaultPoint, scales: &[u64], max: u64, unit: &str) -> u64 {
        let scale = scales[self.draw(ChoiceKind::Swarm, scales.len() as u64) as usize].min(max);
        // `format!("fault {} up to {scale} {unit}", point.name)`, without the machinery.
        let mut line = String::with_capacity(32 + point.name.len() + unit.len());
        for piece in ["fault ", point.name, " up to ", itoa::Buffer::new().format(scale), " ", unit] {
            line.push_str(piece);
        }
        self.describe_workload(line);
        scale
    }

    /// A heavy-tailed duration in `lo..=hi`: a decade above `lo` first (each equally
    /// likely), then a value in it. Zero draws give `lo`.
    pub(crate) fn heavy_tail_ms(&self, lo: u64, hi: u64) -> u64 {
        // The decades are lo, next(lo), next(next(lo)), … up to the first >= hi,
        // counted and then walked again rather than kept in a Vec.
        let lo = lo.max(1);
        let next = |top: u64| top.saturating_mul(10).min(hi);
        let (mut top, mut decades) = (lo, 1u64);
        while top < hi {
            top = next(top);
            decades += 1;
        }
        if decades == 1 {
            return lo.min(hi);
        }
        let d = self.draw(ChoiceKind::Delay, decades - 1);
        let start = (0..d).fold(lo, |top, _| next(top));
        self.between(ChoiceKind::Delay, start, next(start))
    }

    /// [`Sim::fault_fires`] with the rate already looked up (`rates` of this tick):
    /// draws at the same site and counts a firing the same way.
    #[inline(always)]
    fn fires_at(&self, fault: EngineFault, rate: Option<Ratio>) -> bool {
        rate.is_some_and(|rate| self.fault_drawn(fault, rate))
    }

    /// A crash target that cannot come back would silently shrink the system for the
    /// rest of the run: refuse it, naming the node. The hooks are asked first:
    /// when every target has one (nearly always), no name is looked up in the profile.
    fn check_crash_targets(&self, config: &NemesisConfig) {
        let Some(&node) = config.crashes().iter().find(|&&n| !self.restartable(n)) else {
            return;
        };
        if self.fault_table().profile.declares(NODE_CRASH.name) {
            panic!(
                "nemesis: node {} is a node.crash target but has no on_restart hook; register one \
                 with Sim::on_restart, or leave it out of NemesisConfig::crash_targets",
                self.node_name(node)
            );
        }
    }

    fn schedule_restart(&self, node: NodeId, config: &NemesisConfig) {
        if !self.restartable(node) {
            return;
        }
        let down_ms =
            self.between_at(ChoiceKind::Delay, "nemesis.restart", config.restart_min_ms, config.restart_max_ms);
        let sim = self.clone();
        self.spawn(NodeId::SYSTEM, "nemesis.restart", async move {
            sim.sleep_ms(down_ms).await;
            sim.restart(node);
        });
    }
}
