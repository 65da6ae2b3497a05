//! The stream: one assistant turn whose sibling tool calls start together and run
//! concurrently, the stream-level wrapper of V1–V3 around each call, and the user
//! who may abort the stream at any instant.

use std::collections::BTreeSet;
use std::rc::Rc;

use sim::ChoiceKind;

use crate::substrate::fs::file_name;
use crate::system::tools::backend::{Backend, Held, CHECKOUT, CONFIG, NOTES, PROVIDERS, SECRETS, STREAM_ABORT};
use crate::system::tools::ghost::CallRecord;
use crate::system::tools::version::StreamLock;

/// Where a `task` runs: a worktree or SSH runtime forks the checkout by default.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Runtime {
    Local,
    Worktree,
    Ssh,
}

/// A config file `mux_config_write` can target.
pub const CONFIG_FILES: [&str; 3] = [CONFIG, PROVIDERS, SECRETS];

/// One tool call and its arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tool {
    Task {
        foreground: bool,
        runtime: Runtime,
        isolation_none: bool,
    },
    /// `sed -i` over the checkout; a background one is a long-running server.
    Bash {
        background: bool,
        display_name: &'static str,
        migrates: bool,
    },
    FileRead {
        path: &'static str,
    },
    /// `file_edit_replace_*` on a checkout file.
    FileEdit {
        path: &'static str,
    },
    FileEditInsert,
    /// `agent_skill_write` or `mux_agents_write`: a full-content overwrite.
    SkillWrite {
        path: &'static str,
    },
    /// `mux_config_write`: one mutation of a config file (a route if `route`).
    ConfigWrite {
        file: &'static str,
        route: bool,
    },
}

impl Tool {
    /// A task that provably forks the checkout (V2's exemption, V3's readers).
    pub fn forked(&self) -> bool {
        matches!(self, Tool::Task { runtime, isolation_none, .. } if *runtime != Runtime::Local && !isolation_none)
    }

    /// A short name for timelines and violation messages (pieces joined, not
    /// formatted: `workload::tests` compares it with the `format!` it replaced).
    pub fn short(&self) -> String {
        match self {
            Tool::Task { foreground, .. } => [
                "task(",
                if self.forked() { "fork" } else { "shared" },
                ", ",
                if *foreground { "foreground" } else { "background" },
                ")",
            ]
            .concat(),
            Tool::Bash { background: true, display_name, .. } => ["bash(background ", display_name, ")"].concat(),
            Tool::Bash { migrates: true, display_name, .. } => {
                ["bash(sed -i, migrates as ", display_name, ")"].concat()
            }
            Tool::Bash { .. } => "bash(sed -i)".to_string(),
            Tool::FileRead { path } => ["file_read(", file_name(path), ")"].concat(),
            Tool::FileEdit { path } => ["file_edit(", file_name(path), ")"].concat(),
            Tool::FileEditInsert => "file_edit_insert(NOTES.md)".to_string(),
            Tool::SkillWrite { path } => ["agent_skill_write(", file_name(path), ")"].concat(),
            Tool::ConfigWrite { file, route } => {
                ["mux_config_write(", file_name(file), if *route { ", route" } else { "" }, ")"].concat()
            }
        }
    }

    /// Every resource the call touches, for L6.
    pub fn resources(&self) -> BTreeSet<&'static str> {
        let mut r = BTreeSet::new();
        let checkout = |r: &mut BTreeSet<&'static str>| r.extend(CHECKOUT);
        match self {
            Tool::Task { .. } => {
                r.insert("task-service");
                r.insert(CONFIG);
                if self.forked() {
                    checkout(&mut r);
                }
            }
            Tool::Bash { background, migrates, .. } => {
                if *background || *migrates {
                    r.insert("processes");
                }
                if !background {
                    checkout(&mut r);
                }
            }
            Tool::FileRead { path } | Tool::FileEdit { path } | Tool::SkillWrite { path } => {
                r.insert(*path);
            }
            Tool::FileEditInsert => {
                r.insert(NOTES);
            }
            Tool::ConfigWrite { file, .. } => {
                r.insert(*file);
            }
        }
        r
    }
}

/// A sibling call: `owner` (`c1`, `c2`, …) names it in locks, notes and the ghost.
#[derive(Clone, Debug)]
pub struct Call {
    pub owner: String,
    pub tool: Tool,
}

/// Runs one sibling call through the version's stream wrapper.
pub async fn run_call(b: Rc<Backend>, call: Call) {
    let owner = call.owner.as_str();
    // The stream emits its tool calls one after another as the turn streams in.
    let start_ms = b.sim.between(ChoiceKind::Delay, 0, b.params.call_stagger_ms);
    b.sim.sleep_ms(start_ms).await;
    if b.aborted() {
        // An aborted stream issues no further calls.
        b.ghost.borrow_mut().finished.insert(owner.to_string());
        return;
    }
    {
        let short = call.tool.short();
        let resources = call.tool.resources();
        b.ghost.borrow_mut().call(
            owner,
            CallRecord {
                label: [owner, " ", short.as_str()].concat(),
                // Until its first phase, a call may touch any of its resources.
                phase_resources: resources.clone(),
                resources,
                phase: "start".to_string(),
            },
        );
        b.note(format_args!("{owner} starts {short}"));
    }
    let forked = call.tool.forked();
    let wrapper: Option<Held> = match b.version.stream_lock {
        StreamLock::None => None,
        StreamLock::MutexForkedExempt if forked => None,
        StreamLock::Mutex | StreamLock::MutexForkedExempt => {
            Some(b.hold(owner, "stream-mutex".to_string(), b.stream_mutex.lock(owner)).await)
        }
        StreamLock::RwLock if forked => Some(b.hold(owner, "stream-rwlock".to_string(), b.stream_rw.read(owner)).await),
        StreamLock::RwLock => Some(b.hold(owner, "stream-rwlock".to_string(), b.stream_rw.write(owner)).await),
    };
    // withSequentialExecution rejects a queued call aborted before it got the lock.
    if wrapper.is_some() && b.aborted() {
        b.note(format_args!("{owner} is rejected: the stream was aborted while it queued"));
    } else {
        match &call.tool {
            Tool::Task { foreground, .. } => b.task_tool(owner, forked, *foreground).await,
            Tool::Bash { background: true, display_name, .. } => b.bash_background(owner, display_name).await,
            Tool::Bash { background: false, display_name, migrates } => {
                b.bash_foreground(owner, display_name, *migrates).await
            }
            Tool::FileRead { path } => b.file_read(owner, path).await,
            Tool::FileEdit { path } => b.file_edit(owner, path).await,
            Tool::FileEditInsert => b.file_edit_insert(owner).await,
            Tool::SkillWrite { path } => b.skill_write(owner, path).await,
            Tool::ConfigWrite { file, route } => b.mux_config_write(owner, file, *route).await,
        }
    }
    drop(wrapper);
    b.ghost.borrow_mut().phase(owner, "done", &[]);
    b.ghost.borrow_mut().finished.insert(owner.to_string());
    b.note(format_args!("{owner} returns"));
}

/// The user: every 1..=`abort_tick_ms` may abort the stream (the `stream.abort`
/// fault), until the stream's calls have all returned.
pub async fn user_abort(b: Rc<Backend>, calls: usize) {
    const TICKS_MAX: u32 = 1_000;
    for _ in 0..TICKS_MAX {
        let ms = b.sim.between(ChoiceKind::Delay, 1, b.params.abort_tick_ms);
        b.sim.sleep_ms(ms).await;
        if b.ghost.borrow().finished.len() >= calls {
            return;
        }
        if b.sim.fault(&STREAM_ABORT) {
            b.fire_abort();
            return;
        }
    }
}
