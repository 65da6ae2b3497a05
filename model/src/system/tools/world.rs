//! The world of one run: the mux backend with its initial files, the stream's
//! sibling calls drawn from the tape, the user who may abort, and the actors outside
//! the stream (the UI's `ProviderService` actions, secrets updates, direct
//! `saveConfig` flows, a CLI bootstrap writer), each starting at a drawn instant.

use std::rc::Rc;

use sim::{ChoiceKind, Sim};

use crate::system::text::Text;
use crate::system::tools::backend::{Backend, ToolsParams, CHECKOUT, CONFIG, NOTES, PROVIDERS, SECRETS};
use crate::system::tools::docs::Doc;
use crate::system::tools::provider_service::PROVIDER_OPS;
use crate::system::tools::stream::{run_call, user_abort, Call, Runtime, Tool, CONFIG_FILES};
use crate::system::tools::version::Version;
use crate::system::tools::workload::{call_line, provider_ops_line};

/// The files `agent_skill_write` and `mux_agents_write` overwrite.
pub const SKILL_FILES: [&str; 2] = ["/repo/.mux/skills/review/SKILL.md", "/repo/AGENTS.md"];

/// What the invariants judge.
pub struct ToolsWorld {
    pub backend: Rc<Backend>,
    pub calls: Vec<Call>,
}

fn draw_tool(sim: &Sim) -> Tool {
    let pick = |n: u64| sim.workload(0, n - 1) as usize;
    match pick(7) {
        0 => Tool::Task {
            foreground: pick(2) == 1,
            runtime: [Runtime::Local, Runtime::Worktree, Runtime::Ssh][pick(3)],
            isolation_none: pick(4) == 0,
        },
        1 => {
            let background = pick(2) == 1;
            Tool::Bash { background, display_name: ["dev", "build"][pick(2)], migrates: !background && pick(3) == 0 }
        }
        2 => Tool::FileRead { path: [CHECKOUT[0], CHECKOUT[1], NOTES][pick(3)] },
        3 => Tool::FileEdit { path: CHECKOUT[pick(2)] },
        4 => Tool::FileEditInsert,
        5 => Tool::SkillWrite { path: SKILL_FILES[pick(2)] },
        _ => Tool::ConfigWrite { file: CONFIG_FILES[pick(3)], route: pick(2) == 1 },
    }
}

fn seed_files(b: &Backend, sim: &Sim) {
    for dir in ["/home/.mux", "/repo/src", "/repo/.mux/skills/review", "/tmp/bg"] {
        if let Err(e) = b.fs.mkdir_p(dir) {
            panic!("seeding {dir}: {e:?}");
        }
    }
    let mut config = Doc::default();
    config.set_routes(&["direct".to_string()]);
    config.set("projects.main", "1");
    let mut providers = Doc::default();
    providers.set("provider.anthropic", "builtin");
    let mut secrets = Doc::default();
    secrets.set("global.base", "1");
    for (path, doc) in [(CONFIG, config), (PROVIDERS, providers), (SECRETS, secrets)] {
        if let Err(e) = b.fs.write(path, &doc.render()) {
            panic!("seeding {path}: {e:?}");
        }
    }
    for path in CHECKOUT {
        let name = path.rsplit('/').next().unwrap_or(path);
        if let Err(e) = b.fs.write(path, &[name, "@0"].concat()) {
            panic!("seeding {path}: {e:?}");
        }
    }
    let files = b.checkout_now();
    b.ghost.borrow_mut().checkout_changed(files);
    // The insert target is missing in most runs: the fast path is the one at stake.
    if sim.workload(0, 3) == 0 {
        if let Err(e) = b.fs.write(NOTES, "existing\n") {
            panic!("seeding {NOTES}: {e:?}");
        }
        sim.describe_workload([NOTES, " exists"].concat());
    }
}

/// Builds the world: files, calls and actors, all spawned on the `mux` node.
pub fn build(sim: &Sim, version: Version, params: ToolsParams) -> ToolsWorld {
    let node = sim.add_node("mux");
    let b = Rc::new(Backend::new(sim, node, version, params.clone()));
    seed_files(&b, sim);
    let n = sim.workload(params.siblings_min, params.siblings_max);
    let calls: Vec<Call> =
        (1..=n).map(|i| Call { owner: Text::new().str("c").num(i).done(), tool: draw_tool(sim) }).collect();
    for call in &calls {
        sim.describe_workload(call_line(call));
        sim.spawn(node, "call", run_call(b.clone(), call.clone()));
    }
    sim.spawn(node, "user", user_abort(b.clone(), calls.len()));
    let window = params.actions_window_ms;
    let ops = sim.workload(0, params.provider_ops_max);
    if ops > 0 {
        let ops: Vec<_> =
            (0..ops).map(|_| PROVIDER_OPS[sim.workload(0, PROVIDER_OPS.len() as u64 - 1) as usize]).collect();
        sim.describe_workload(provider_ops_line(&ops));
        let (b, start) = (b.clone(), sim.between(ChoiceKind::Workload, 0, window));
        sim.spawn(node, "ui", async move {
            b.sim.sleep_ms(start).await;
            for (n, op) in ops.into_iter().enumerate() {
                b.provider_op("ui", op, n as u64).await;
            }
        });
    }
    for i in 1..=sim.workload(0, params.secrets_updates_max) {
        let project = sim.workload(0, 1) == 1;
        let (b, start, owner) =
            (b.clone(), sim.between(ChoiceKind::Workload, 0, window), Text::new().str("secrets").num(i).done());
        let which = if project { "Project" } else { "Global" };
        sim.describe_workload(
            Text::new().str(&owner).str(": update").str(which).str("Secrets at ").num(start).str(" ms").done(),
        );
        sim.spawn(node, "secrets", async move {
            b.sim.sleep_ms(start).await;
            b.update_secrets(&owner, project).await;
        });
    }
    for i in 1..=sim.workload(0, params.direct_save_flows_max) {
        let (b, start, owner) =
            (b.clone(), sim.between(ChoiceKind::Workload, 0, window), Text::new().str("flow").num(i).done());
        sim.describe_workload(
            Text::new().str(&owner).str(": loadConfig -> saveConfig at ").num(start).str(" ms").done(),
        );
        sim.spawn(node, "flow", async move {
            b.sim.sleep_ms(start).await;
            b.direct_save_flow(&owner).await;
        });
    }
    if params.cli_bootstrap && sim.workload(0, 1) == 1 {
        let (b, start) = (b.clone(), sim.between(ChoiceKind::Workload, 0, window));
        sim.describe_workload(Text::new().str("cli: bootstrap write at ").num(start).str(" ms").done());
        sim.spawn(node, "cli", async move {
            b.sim.sleep_ms(start).await;
            b.cli_bootstrap("cli").await;
        });
    }
    ToolsWorld { backend: b, calls }
}
