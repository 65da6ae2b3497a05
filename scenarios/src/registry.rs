//! The registry of built-in scenarios, looked up by name.

use thiserror::Error;

use crate::create_lock::CreateLock;
use crate::demo_lock::DemoLock;
use crate::devserver::RedisLock;
use crate::launcher::MultiTab;
use crate::lease::LeaseStorage;
use crate::prewarm::{MkdirLock, MkdirLockFull};
use crate::restart::{Restart, COALESCER, CONTRACT, NO_FAULTS};
use crate::scenario::Scenario;
use crate::tools::Siblings;

static DEMO_LOCK: DemoLock = DemoLock;
static MULTI_TAB: MultiTab = MultiTab;
static CREATE_LOCK: CreateLock = CreateLock;
static REDIS_LOCK: RedisLock = RedisLock;
static SIBLINGS: Siblings = Siblings;
static LEASE_STORAGE: LeaseStorage = LeaseStorage;

static MKDIR_LOCK: MkdirLock = MkdirLock;
static MKDIR_LOCK_FULL: MkdirLockFull = MkdirLockFull;
static RESTART: [Restart; 3] = [COALESCER, NO_FAULTS, CONTRACT];

/// Every built-in scenario, in the order `list` shows them.
pub fn all() -> Vec<&'static dyn Scenario> {
    vec![
        &DEMO_LOCK,
        &MULTI_TAB,
        &CREATE_LOCK,
        &REDIS_LOCK,
        &MKDIR_LOCK,
        &MKDIR_LOCK_FULL,
        &RESTART[0],
        &RESTART[1],
        &RESTART[2],
        &SIBLINGS,
        &LEASE_STORAGE,
    ]
}

/// Every scenario that can be found by name: the built-in ones, and in this
/// workspace's tests the fixtures (`crate::fixtures`), which are never listed.
pub fn findable() -> Vec<&'static dyn Scenario> {
    #[allow(unused_mut)]
    let mut scenarios = all();
    #[cfg(feature = "fixtures")]
    scenarios.extend([&crate::fixtures::Harness as &dyn Scenario, &crate::fixtures::SlowShrink]);
    scenarios
}

/// Why a scenario or variant name was not accepted.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ScenarioError {
    #[error("unknown scenario '{name}' (known: {known})")]
    UnknownScenario { name: String, known: String },
    #[error("scenario '{scenario}' has no variant '{name}' (variants: {known})")]
    UnknownVariant { scenario: &'static str, name: String, known: String },
}

/// The scenario named `name`, and its variant `variant` (the first one if `None`).
pub fn find(name: &str, variant: Option<&str>) -> Result<(&'static dyn Scenario, &'static str), ScenarioError> {
    let scenarios = findable();
    let Some(scenario) = scenarios.iter().copied().find(|s| s.name() == name) else {
        let known = scenarios.iter().map(|s| s.name()).collect::<Vec<_>>().join(", ");
        return Err(ScenarioError::UnknownScenario { name: name.to_string(), known });
    };
    let variants = scenario.variants();
    let chosen = match variant {
        None => variants.first(),
        Some(v) => variants.iter().find(|info| info.name == v),
    };
    match chosen {
        Some(info) => Ok((scenario, info.name)),
        None => Err(ScenarioError::UnknownVariant {
            scenario: scenario.name(),
            name: variant.unwrap_or_default().to_string(),
            known: variants.iter().map(|v| v.name).collect::<Vec<_>>().join(", "),
        }),
    }
}
