//! The parameters, variants and detection rows of `launcher/create-lock`, exactly as
//! the shared spec gives them (`/work/notes/create-lock-spec.md`, sections 2, 3 and 7):
//! the contract between lockstep's scenario and this peer.

/// Seconds per tick: the spec's time is discrete, 1 tick = 30 s.
pub const TICK_S: u32 = 30;

/// The protocol under test.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Variant {
    /// V4: delete the placeholder, then insert the record (failure swallowed).
    V4,
    /// V5: insert the record (failure swallowed), then delete the placeholder.
    V5,
    /// The launcher's `proposed` create protocol at this abstraction (spec section 6).
    Proposed,
}

impl Variant {
    pub fn parse(s: &str) -> Option<Variant> {
        match s {
            "v4" => Some(Variant::V4),
            "v5" => Some(Variant::V5),
            "proposed" => Some(Variant::Proposed),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Variant::V4 => "v4",
            Variant::V5 => "v5",
            Variant::Proposed => "proposed",
        }
    }

    /// The text's TTL for the variant (V4 120 s, V5 300 s), 450 s for `proposed`.
    pub fn default_ttl_s(self) -> u32 {
        match self {
            Variant::V4 => 120,
            Variant::V5 => 300,
            Variant::Proposed => 450,
        }
    }
}

/// Which fault a run may inject: at most one in total.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Faults {
    None,
    /// One failure of the record insert (or of `proposed`'s publish).
    Insert,
    /// One tab crash.
    Crash,
    /// At most one of either.
    One,
}

impl Faults {
    pub fn parse(s: &str) -> Option<Faults> {
        match s {
            "none" => Some(Faults::None),
            "insert" => Some(Faults::Insert),
            "crash" => Some(Faults::Crash),
            "one" => Some(Faults::One),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Faults::None => "none",
            Faults::Insert => "insert",
            Faults::Crash => "crash",
            Faults::One => "one",
        }
    }

    pub fn insert(self) -> bool {
        matches!(self, Faults::Insert | Faults::One)
    }

    pub fn crash(self) -> bool {
        matches!(self, Faults::Crash | Faults::One)
    }
}

/// One configuration of the model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Config {
    pub variant: Variant,
    /// N, 2 to 4; every tab opens exactly once.
    pub tabs: u8,
    /// The placeholder TTL in ticks (`ttl_s / 30`).
    pub ttl: u8,
    /// CMAX: a create takes 1 to CMAX ticks (420 s: fallback 300 s + health 120 s).
    pub create_max: u8,
    /// OMAX: a tab opens at a tick in 0..=OMAX (600 s) `[A]`.
    pub open_max: u8,
    pub faults: Faults,
}

impl Config {
    /// The spec's defaults: create ≤ 420 s, tabs open within 600 s.
    pub fn new(variant: Variant, tabs: u8, ttl_s: u32, faults: Faults) -> Config {
        Config { variant, tabs, ttl: ticks(ttl_s), create_max: ticks(420), open_max: ticks(600), faults }
    }
}

/// Seconds to whole ticks (the spec's values are all multiples of 30 s).
pub fn ticks(secs: u32) -> u8 {
    u8::try_from(secs / TICK_S).expect("at most 255 ticks")
}

/// The invariants, one per bug (spec section 7), by their lockstep names.
pub const NO_ACQUIRE_IN_HANDOFF_GAP: &str = "no-acquire-in-handoff-gap";
pub const NO_PREMATURE_RECLAIM: &str = "no-premature-reclaim";
pub const RECORD_BEFORE_RUNNING: &str = "record-before-running";
pub const NO_ORPHAN: &str = "no-orphan";
pub const SINGLE_SANDBOX: &str = "single-sandbox";
/// Not in the spec: the peers' liveness check at quiescence ([`crate::invariants::every_tab_runs`]).
pub const EVERY_TAB_RUNS: &str = "every-tab-runs";

/// The spec's five, then the peers' one beyond it.
pub const INVARIANTS: [&str; 6] =
    [NO_ACQUIRE_IN_HANDOFF_GAP, NO_PREMATURE_RECLAIM, RECORD_BEFORE_RUNNING, NO_ORPHAN, SINGLE_SANDBOX, EVERY_TAB_RUNS];

/// One row of the detection tables: a bug, where it is measured, and its invariant.
#[derive(Clone, Copy, Debug)]
pub struct Row {
    pub bug: &'static str,
    pub variant: Variant,
    pub ttl_s: u32,
    pub faults: Faults,
    pub invariant: &'static str,
}

impl Row {
    /// The row's first five Markdown cells: bug, variant, TTL, faults, invariant.
    pub fn cells(&self) -> String {
        format!(
            "| {} | {} | {} s | {} | `{}` |",
            self.bug,
            self.variant.name(),
            self.ttl_s,
            self.faults.name(),
            self.invariant
        )
    }
}

/// The rows of spec section 7, in its order.
pub const ROWS: [Row; 5] = [
    Row {
        bug: "C09 handoff gap",
        variant: Variant::V4,
        ttl_s: 120,
        faults: Faults::None,
        invariant: NO_ACQUIRE_IN_HANDOFF_GAP,
    },
    Row {
        bug: "C10 TTL expires during a healthy create",
        variant: Variant::V4,
        ttl_s: 120,
        faults: Faults::None,
        invariant: NO_PREMATURE_RECLAIM,
    },
    Row {
        bug: "create slower than a 300 s TTL",
        variant: Variant::V5,
        ttl_s: 300,
        faults: Faults::None,
        invariant: NO_PREMATURE_RECLAIM,
    },
    Row {
        bug: "C11 failed insert",
        variant: Variant::V5,
        ttl_s: 300,
        faults: Faults::Insert,
        invariant: RECORD_BEFORE_RUNNING,
    },
    Row {
        bug: "crashed creator's orphan",
        variant: Variant::V5,
        ttl_s: 300,
        faults: Faults::Crash,
        invariant: NO_ORPHAN,
    },
];

/// The correct configuration, covered exhaustively: `proposed`, 450 s, at most one fault.
pub fn correct(tabs: u8) -> Config {
    Config::new(Variant::Proposed, tabs, 450, Faults::One)
}
