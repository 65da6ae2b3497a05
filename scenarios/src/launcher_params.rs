//! The launcher's parameters as declared [`ParamInfo`]s, so `lockstep list` shows them
//! and `--param` reaches them. Defaults are [`LauncherParams::default`]'s values
//! exactly (a run with no overrides is the run it always was); each says whether the
//! text states it (SYSTEMS.md S000) or it is an `[A]` assumption.

use model::system::launcher::world::LauncherParams;
use sim::Ratio;

use crate::params::{ParamInfo, Params};

const fn stated(name: &'static str, unit: &'static str, default: u64, doc: &'static str) -> ParamInfo {
    ParamInfo::number(name, unit, default, doc)
}

const fn assumed(name: &'static str, unit: &'static str, default: u64, doc: &'static str) -> ParamInfo {
    ParamInfo::number(name, unit, default, doc).assumed()
}

pub const TABS_MIN: ParamInfo = stated("tabs_min", "tabs", 2, "fewest tabs the user opens (two or three)");
pub const TABS_MAX: ParamInfo = stated("tabs_max", "tabs", 3, "most tabs the user opens");
pub const SKILLS: ParamInfo = assumed("skills", "skills", 3, "skills a tab may launch (1..=skills)");
pub const CONFIGS: ParamInfo = assumed("configs", "configs", 2, "configs a tab may launch with");
pub const TAB_OPEN_MAX_MS: ParamInfo = stated("tab_open_max_ms", "ms", 600_000, "tabs open over ten minutes");
pub const WARM_START_PERCENT: ParamInfo =
    assumed("warm_start_percent", "%", 50, "runs that start with the sandbox already created");
pub const CRON_INTERVAL_MS: ParamInfo = assumed("cron_interval_ms", "ms", 60_000, "the cleanup cron's interval");
pub const AUTH_DELAY_MAX_MS: ParamInfo =
    assumed("auth_delay_max_ms", "ms", 30_000, "longest wait for auth after a page load");
pub const RETRY_THINK_MIN_MS: ParamInfo =
    assumed("retry_think_min_ms", "ms", 5_000, "shortest look at an error before Retry");
pub const RETRY_THINK_MAX_MS: ParamInfo =
    assumed("retry_think_max_ms", "ms", 60_000, "longest look at an error before Retry");
pub const SPIN_LIMIT: ParamInfo =
    assumed("spin_limit", "requests", 20, "L3: create-lock requests without a change that count as a spin");
pub const V0_BUSY_POLL_MS: ParamInfo =
    assumed("v0_busy_poll_ms", "ms", 2_000, "V0: how often a tab that found `installing` asks again");
pub const SNAPSHOT_CREATE_MIN_MS: ParamInfo =
    assumed("snapshot_create_min_ms", "ms", 2_000, "shortest snapshot-path create");
pub const SNAPSHOT_CREATE_MAX_MS: ParamInfo =
    stated("snapshot_create_max_ms", "ms", 120_000, "longest snapshot-path create (daytona.ts:109-153)");
pub const FALLBACK_CREATE_MIN_MS: ParamInfo =
    assumed("fallback_create_min_ms", "ms", 10_000, "shortest fallback-path create");
pub const FALLBACK_CREATE_MAX_MS: ParamInfo =
    stated("fallback_create_max_ms", "ms", 300_000, "longest fallback-path create");
pub const FALLBACK_PATH_PERCENT: ParamInfo =
    assumed("fallback_path_percent", "%", 25, "creates that take the fallback path");
pub const HEALTH_WAIT_MIN_MS: ParamInfo = assumed("health_wait_min_ms", "ms", 1_000, "shortest waitForHealth()");
pub const HEALTH_WAIT_MAX_MS: ParamInfo =
    stated("health_wait_max_ms", "ms", 120_000, "longest waitForHealth() (daytona.ts:220)");
pub const FILE_WRITE_MIN_MS: ParamInfo = assumed("file_write_min_ms", "ms", 100, "shortest config file write");
pub const FILE_WRITE_MAX_MS: ParamInfo = assumed("file_write_max_ms", "ms", 2_000, "longest config file write");
pub const SKILL_UPLOAD_MIN_MS: ParamInfo = assumed("skill_upload_min_ms", "ms", 1_000, "shortest skill upload");
pub const SKILL_UPLOAD_MAX_MS: ParamInfo = assumed("skill_upload_max_ms", "ms", 30_000, "longest skill upload");
pub const CREATE_TIMEOUT_MS: ParamInfo =
    assumed("create_timeout_ms", "ms", 0, "a create caller's wait; 0: the longest create plus 10 s");
pub const INSTALL_TIMEOUT_MS: ParamInfo =
    assumed("install_timeout_ms", "ms", 0, "an install caller's wait; 0: the longest install plus 10 s");
pub const CLOCK_JUMP_MAX_MS: ParamInfo =
    assumed("clock_jump_max_ms", "ms", 60_000, "largest clock jump of a tab or the store (clock.jump)");
pub const PAUSE_MAX_MS: ParamInfo =
    assumed("pause_max_ms", "ms", 120_000, "longest process pause of a tab (node.pause)");
pub const CLOCK_DRIFT_MAX_PPM: ParamInfo =
    assumed("clock_drift_max_ppm", "ppm", 100_000, "fastest clock drift of a tab or the store (clock.drift)");

pub const PARAMS: &[ParamInfo] = &[
    TABS_MIN,
    TABS_MAX,
    SKILLS,
    CONFIGS,
    TAB_OPEN_MAX_MS,
    WARM_START_PERCENT,
    CRON_INTERVAL_MS,
    AUTH_DELAY_MAX_MS,
    RETRY_THINK_MIN_MS,
    RETRY_THINK_MAX_MS,
    SPIN_LIMIT,
    V0_BUSY_POLL_MS,
    SNAPSHOT_CREATE_MIN_MS,
    SNAPSHOT_CREATE_MAX_MS,
    FALLBACK_CREATE_MIN_MS,
    FALLBACK_CREATE_MAX_MS,
    FALLBACK_PATH_PERCENT,
    HEALTH_WAIT_MIN_MS,
    HEALTH_WAIT_MAX_MS,
    FILE_WRITE_MIN_MS,
    FILE_WRITE_MAX_MS,
    SKILL_UPLOAD_MIN_MS,
    SKILL_UPLOAD_MAX_MS,
    CREATE_TIMEOUT_MS,
    INSTALL_TIMEOUT_MS,
    CLOCK_JUMP_MAX_MS,
    PAUSE_MAX_MS,
    CLOCK_DRIFT_MAX_PPM,
];

/// A percentage as a reduced ratio, so the defaults draw exactly as before (50 % is
/// 1/2, one draw of 0..2).
fn percent(p: u64) -> Ratio {
    let p = p.min(100);
    let (mut a, mut b) = (p, 100);
    while b != 0 {
        (a, b) = (b, a % b);
    }
    let g = a.max(1);
    Ratio::new((p / g) as u32, (100 / g) as u32)
}

/// The launcher's parameters under `params`' overrides.
pub fn launcher_params(params: &Params) -> LauncherParams {
    let mut l = LauncherParams::default();
    let n = |p: &ParamInfo| params.get(p);
    let n32 = |p: &ParamInfo| u32::try_from(params.get(p)).unwrap_or(u32::MAX);
    (l.tabs_min, l.tabs_max, l.skills, l.configs) = (n32(&TABS_MIN), n32(&TABS_MAX), n32(&SKILLS), n32(&CONFIGS));
    l.tabs_max = l.tabs_max.max(l.tabs_min);
    l.tab_open_max_ms = n(&TAB_OPEN_MAX_MS);
    l.warm_start = percent(n(&WARM_START_PERCENT));
    l.cron_interval_ms = n(&CRON_INTERVAL_MS);
    l.auth_delay_max_ms = n(&AUTH_DELAY_MAX_MS);
    (l.retry_think_min_ms, l.retry_think_max_ms) = (n(&RETRY_THINK_MIN_MS), n(&RETRY_THINK_MAX_MS));
    l.spin_limit = n32(&SPIN_LIMIT);
    l.v0_busy_poll_ms = n(&V0_BUSY_POLL_MS);
    (l.clock_jump_max_ms, l.pause_max_ms, l.clock_drift_max_ppm) =
        (n(&CLOCK_JUMP_MAX_MS), n(&PAUSE_MAX_MS), n(&CLOCK_DRIFT_MAX_PPM));
    let p = &mut l.provider;
    (p.snapshot_create_min_ms, p.snapshot_create_max_ms) = (n(&SNAPSHOT_CREATE_MIN_MS), n(&SNAPSHOT_CREATE_MAX_MS));
    (p.fallback_create_min_ms, p.fallback_create_max_ms) = (n(&FALLBACK_CREATE_MIN_MS), n(&FALLBACK_CREATE_MAX_MS));
    p.fallback_path = percent(n(&FALLBACK_PATH_PERCENT));
    (p.health_wait_min_ms, p.health_wait_max_ms) = (n(&HEALTH_WAIT_MIN_MS), n(&HEALTH_WAIT_MAX_MS));
    (p.file_write_min_ms, p.file_write_max_ms) = (n(&FILE_WRITE_MIN_MS), n(&FILE_WRITE_MAX_MS));
    (p.skill_upload_min_ms, p.skill_upload_max_ms) = (n(&SKILL_UPLOAD_MIN_MS), n(&SKILL_UPLOAD_MAX_MS));
    p.create_timeout_ms = match n(&CREATE_TIMEOUT_MS) {
        0 => p.longest_create_ms() + 10_000,
        ms => ms,
    };
    p.install_timeout_ms = match n(&INSTALL_TIMEOUT_MS) {
        0 => p.longest_install_ms() + 10_000,
        ms => ms,
    };
    l
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_overrides_give_the_launchers_own_defaults() {
        let (ours, theirs) = (launcher_params(&Params::defaults()), LauncherParams::default());
        assert_eq!(format!("{ours:?}"), format!("{theirs:?}"));
    }

    #[test]
    fn percentages_reduce_to_the_same_ratios() {
        assert_eq!(percent(50), Ratio::new(1, 2));
        assert_eq!(percent(25), Ratio::new(1, 4));
        assert_eq!(percent(0), Ratio::new(0, 1));
    }
}
