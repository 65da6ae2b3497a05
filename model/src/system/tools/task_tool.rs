//! The `task` tool: `TaskService.create()` under its own mutex copies the parent
//! checkout for a fork (one file at a time: the copy takes time) and persists the
//! sub-agent's workspace entry with `Config.editConfig`; a foreground task then waits
//! in `waitForAgentReport` until the sub-agent reports or the stream is aborted.

use sim::ChoiceKind;

use crate::system::tools::backend::{Backend, Held, AGENT_SLOW, CHECKOUT, CONFIG};
use crate::system::tools::docs::Fact;

impl Backend {
    pub async fn task_tool(&self, owner: &str, forked: bool, foreground: bool) {
        let mut create = vec!["task-service", CONFIG];
        if forked {
            create.extend(CHECKOUT);
        }
        self.ghost.borrow_mut().phase(owner, "TaskService.create", &create);
        {
            let _service = self.hold(owner, "task-service".to_string(), self.task_service.lock(owner)).await;
            if !self.may_begin(owner, self.params.tools_honor_abort) {
                return;
            }
            if forked {
                self.fork_checkout(owner).await;
            }
            let key = ["workspace.", owner].concat();
            let kind = if forked { "fork" } else { "shared" };
            self.edit_config(owner, |c| {
                c.set(&key, kind);
                vec![Fact::Key(key.clone(), kind.into())]
            })
            .await;
        }
        if !foreground {
            self.note(format_args!("{owner}: background sub-agent started"));
            return;
        }
        self.ghost.borrow_mut().phase(owner, "waitForAgentReport", &[]);
        let ms = if self.sim.fault(&AGENT_SLOW) {
            self.params.agent_slow_ms
        } else {
            self.sim.between(ChoiceKind::Delay, self.params.agent_report_min_ms, self.params.agent_report_max_ms)
        };
        self.note(format_args!("{owner}: waitForAgentReport ({ms} ms)"));
        if self.aborted() {
            return;
        }
        let aborted = self.abort_signal.notified();
        if self.sim.timeout_ms(ms, aborted).await.is_some() {
            self.note(format_args!("{owner}: waitForAgentReport ends with the abort"));
        } else {
            self.note(format_args!("{owner}: sub-agent reports"));
        }
    }

    /// `create()`'s copy of the parent checkout, one file per await. `proposed` holds
    /// the read locks of every file it copies, taken in path order.
    async fn fork_checkout(&self, owner: &str) {
        let mut locks: Vec<Held> = Vec::new();
        if self.version.checkout_locks {
            for (i, path) in CHECKOUT.iter().enumerate() {
                let lock = self.checkout_locks[i].read(owner);
                locks.push(self.hold(owner, ["checkout:", path].concat(), lock).await);
            }
        }
        let mut reads = Vec::new();
        for path in CHECKOUT {
            self.io().await;
            let text = self.fs.read(path).unwrap_or_default();
            let epoch = self.ghost.borrow().checkout_epoch();
            self.note(format_args!("{owner}: fork copies {path} = {text}"));
            reads.push((text, epoch));
        }
        self.side_effect(owner, "creates the forked workspace");
        self.ghost.borrow_mut().fork_snapshot(owner, &reads);
    }
}
