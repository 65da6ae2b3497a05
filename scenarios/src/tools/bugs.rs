//! The bugs SYSTEMS.md S004.C reports, as data the tests, the shrink table and the
//! regression cases share: the invariant each violates, the versions that have it and
//! those that fix it, the number of actions in its minimal schedule, and how to tell
//! its violation from another of the same invariant (by the actors the message names).

/// One reported bug.
#[derive(Clone, Copy, Debug)]
pub struct Bug {
    pub id: &'static str,
    pub invariant: &'static str,
    /// Versions in which the harness must find it (a subset of those that have it).
    pub found_in: &'static [&'static str],
    /// Versions in which it must stay silent.
    pub fixed_in: &'static [&'static str],
    /// Actions (actor steps and faults) of the schedule SYSTEMS.md lists.
    pub schedule_steps: u64,
    /// Whether a violation message of `invariant` is this bug.
    pub matches: fn(&str) -> bool,
}

fn any(_: &str) -> bool {
    true
}

fn stream_mutex(m: &str) -> bool {
    m.contains("stream-mutex")
}

fn rwlock_across_report(m: &str) -> bool {
    m.contains("stream-rwlock") && m.contains("waitForAgentReport")
}

fn lost_insert(m: &str) -> bool {
    m.starts_with("/repo/NOTES.md")
}

/// The lost fact's writer and the rewriter, from "X (written by W) is lost: R rewrote".
fn writer_and_rewriter(m: &str) -> (&str, &str) {
    let writer = m.split("(written by ").nth(1).and_then(|s| s.split(") is lost").next()).unwrap_or("");
    let rewriter = m.split("is lost: ").nth(1).and_then(|s| s.split(" rewrote").next()).unwrap_or("");
    (writer, rewriter)
}

fn tool_vs_tool(m: &str) -> bool {
    let (w, r) = writer_and_rewriter(m);
    w.contains("mux_config_write") && r.contains("mux_config_write")
}

fn tool_vs_edit_config(m: &str) -> bool {
    let (w, r) = writer_and_rewriter(m);
    m.starts_with("/home/.mux/config.json")
        && ((w.contains("mux_config_write") && r.contains("task("))
            || (w.contains("task(") && r.contains("mux_config_write")))
}

fn providers_or_secrets(m: &str) -> bool {
    m.starts_with("/home/.mux/providers.jsonc") || m.starts_with("/home/.mux/secrets.json")
}

/// A route in `routePriority` lost to the sync's write of its precomputed list.
fn stale_route_priority(m: &str) -> bool {
    m.contains(": route ") && writer_and_rewriter(m).1.contains("syncGatewayLifecycle")
}

fn direct_writer(m: &str) -> bool {
    m.contains("saveConfig (direct)") || m.contains("bootstrap saveConfig")
}

/// S004-C01 … C11.
pub const BUGS: &[Bug] = &[
    Bug {
        id: "C01",
        invariant: "parallel-progress",
        found_in: &["v1", "v2"],
        fixed_in: &["v4"],
        schedule_steps: 4,
        matches: stream_mutex,
    },
    Bug {
        id: "C02",
        invariant: "fork-snapshot-atomic",
        found_in: &["v0", "v2", "v4", "v10"],
        fixed_in: &["v1", "v3", "proposed"],
        schedule_steps: 4,
        matches: any,
    },
    Bug {
        id: "C03",
        invariant: "parallel-progress",
        found_in: &["v3"],
        fixed_in: &["v4"],
        schedule_steps: 3,
        matches: rwlock_across_report,
    },
    Bug {
        id: "C04",
        invariant: "no-lost-update",
        found_in: &["v0", "v4"],
        fixed_in: &["v5", "v10"],
        schedule_steps: 4,
        matches: lost_insert,
    },
    Bug {
        id: "C05",
        invariant: "no-lost-update",
        found_in: &["v0", "v4", "v5"],
        fixed_in: &["v6", "v10"],
        schedule_steps: 4,
        matches: tool_vs_tool,
    },
    Bug {
        id: "C06",
        invariant: "unique-process-ids",
        found_in: &["v0", "v4", "v6"],
        fixed_in: &["v7", "v10"],
        schedule_steps: 4,
        matches: any,
    },
    Bug {
        id: "C07",
        invariant: "no-lost-update",
        found_in: &["v6", "v7"],
        fixed_in: &["v8", "v10"],
        schedule_steps: 4,
        matches: tool_vs_edit_config,
    },
    Bug {
        id: "C08",
        invariant: "no-lost-update",
        found_in: &["v0", "v8"],
        fixed_in: &["v9", "v10"],
        schedule_steps: 3,
        matches: providers_or_secrets,
    },
    Bug {
        id: "C09",
        invariant: "no-lost-update",
        found_in: &["v0", "v9"],
        fixed_in: &["v10"],
        schedule_steps: 3,
        matches: stale_route_priority,
    },
    Bug {
        id: "C10",
        invariant: "abort-safety",
        found_in: &["v6", "v10"],
        fixed_in: &["v3", "v5", "proposed"],
        schedule_steps: 4,
        matches: any,
    },
    Bug {
        id: "C11",
        invariant: "no-lost-update",
        found_in: &["v9", "v10"],
        fixed_in: &["proposed"],
        schedule_steps: 3,
        matches: direct_writer,
    },
];

/// The bug named `id`.
pub fn bug(id: &str) -> Option<&'static Bug> {
    BUGS.iter().find(|b| b.id == id)
}
