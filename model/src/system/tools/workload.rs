//! The workload lines of a run (`c1: Task { foreground: true, .. }`), written piece
//! by piece: every run describes its calls, and `{:?}` of a `Tool` (a derived
//! `Debug`, a padded field at a time) cost more than the rest of the setup's
//! formatting together. The text is exactly what `format!` makes; the tests compare
//! every tool the world can draw.

use crate::system::text::Text;
use crate::system::tools::provider_service::ProviderOp;
use crate::system::tools::stream::{Call, Runtime, Tool};

/// `format!("{}: {:?}", call.owner, call.tool)`.
pub fn call_line(call: &Call) -> String {
    let t = Text::new().str(&call.owner).str(": ");
    let flag = |b: bool| if b { "true" } else { "false" };
    match call.tool {
        Tool::Task { foreground, runtime, isolation_none } => t
            .str("Task { foreground: ")
            .str(flag(foreground))
            .str(", runtime: ")
            .str(runtime_name(runtime))
            .str(", isolation_none: ")
            .str(flag(isolation_none))
            .str(" }"),
        Tool::Bash { background, display_name, migrates } => t
            .str("Bash { background: ")
            .str(flag(background))
            .str(", display_name: \"")
            .str(display_name)
            .str("\", migrates: ")
            .str(flag(migrates))
            .str(" }"),
        Tool::FileRead { path } => t.str("FileRead { path: \"").str(path).str("\" }"),
        Tool::FileEdit { path } => t.str("FileEdit { path: \"").str(path).str("\" }"),
        Tool::FileEditInsert => t.str("FileEditInsert"),
        Tool::SkillWrite { path } => t.str("SkillWrite { path: \"").str(path).str("\" }"),
        Tool::ConfigWrite { file, route } => {
            t.str("ConfigWrite { file: \"").str(file).str("\", route: ").str(flag(route)).str(" }")
        }
    }
    .done()
}

fn runtime_name(r: Runtime) -> &'static str {
    match r {
        Runtime::Local => "Local",
        Runtime::Worktree => "Worktree",
        Runtime::Ssh => "Ssh",
    }
}

/// `ProviderOp`'s `Debug` text.
pub fn op_name(op: ProviderOp) -> &'static str {
    match op {
        ProviderOp::AddCustomProvider => "AddCustomProvider",
        ProviderOp::RemoveCustomProvider => "RemoveCustomProvider",
        ProviderOp::SetModels => "SetModels",
        ProviderOp::SetConfigValue => "SetConfigValue",
        ProviderOp::SetConfig => "SetConfig",
    }
}

/// `format!("ui: ProviderService {ops:?}")`.
pub fn provider_ops_line(ops: &[ProviderOp]) -> String {
    let mut t = Text::new().str("ui: ProviderService [");
    for (i, op) in ops.iter().enumerate() {
        if i > 0 {
            t = t.str(", ");
        }
        t = t.str(op_name(*op));
    }
    t.str("]").done()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::system::tools::backend::{CHECKOUT, NOTES};
    use crate::system::tools::provider_service::PROVIDER_OPS;
    use crate::system::tools::stream::CONFIG_FILES;
    use crate::system::tools::world::SKILL_FILES;

    /// Every tool `world::draw_tool` can draw.
    fn every_tool() -> Vec<Tool> {
        let mut all = Vec::new();
        for foreground in [false, true] {
            for runtime in [Runtime::Local, Runtime::Worktree, Runtime::Ssh] {
                for isolation_none in [false, true] {
                    all.push(Tool::Task { foreground, runtime, isolation_none });
                }
            }
        }
        for background in [false, true] {
            for display_name in ["dev", "build"] {
                for migrates in [false, true] {
                    all.push(Tool::Bash { background, display_name, migrates });
                }
            }
        }
        for path in [CHECKOUT[0], CHECKOUT[1], NOTES] {
            all.push(Tool::FileRead { path });
        }
        all.extend(CHECKOUT.iter().map(|&path| Tool::FileEdit { path }));
        all.push(Tool::FileEditInsert);
        all.extend(SKILL_FILES.iter().map(|&path| Tool::SkillWrite { path }));
        for file in CONFIG_FILES {
            all.push(Tool::ConfigWrite { file, route: false });
            all.push(Tool::ConfigWrite { file, route: true });
        }
        all
    }

    #[test]
    fn call_lines_are_the_formatted_ones() {
        for (i, tool) in every_tool().into_iter().enumerate() {
            let call = Call { owner: format!("c{i}"), tool };
            assert_eq!(call_line(&call), format!("{}: {:?}", call.owner, call.tool));
        }
    }

    /// `Tool::short` as it was written with `format!`.
    fn short_formatted(tool: &Tool) -> String {
        let file = |p: &str| p.rsplit('/').next().unwrap_or(p).to_string();
        match tool {
            Tool::Task { foreground, .. } => format!(
                "task({}, {})",
                if tool.forked() { "fork" } else { "shared" },
                if *foreground { "foreground" } else { "background" }
            ),
            Tool::Bash { background: true, display_name, .. } => format!("bash(background {display_name})"),
            Tool::Bash { migrates, display_name, .. } => format!(
                "bash(sed -i{})",
                if *migrates { format!(", migrates as {display_name}") } else { String::new() }
            ),
            Tool::FileRead { path } => format!("file_read({})", file(path)),
            Tool::FileEdit { path } => format!("file_edit({})", file(path)),
            Tool::FileEditInsert => "file_edit_insert(NOTES.md)".to_string(),
            Tool::SkillWrite { path } => format!("agent_skill_write({})", file(path)),
            Tool::ConfigWrite { file: f, route } => {
                format!("mux_config_write({}{})", file(f), if *route { ", route" } else { "" })
            }
        }
    }

    #[test]
    fn short_names_are_the_formatted_ones() {
        for tool in every_tool() {
            assert_eq!(tool.short(), short_formatted(&tool));
        }
    }

    #[test]
    fn provider_lines_are_the_formatted_ones() {
        for n in 0..=PROVIDER_OPS.len() {
            let ops: Vec<ProviderOp> = PROVIDER_OPS.iter().cycle().skip(n).take(n).copied().collect();
            assert_eq!(provider_ops_line(&ops), format!("ui: ProviderService {ops:?}"));
        }
        for op in PROVIDER_OPS {
            assert_eq!(op_name(op), format!("{op:?}"));
        }
    }
}
