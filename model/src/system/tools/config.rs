//! `Config`: the writers of `config.json` and `secrets.json` outside the tools.
//!
//! `editConfig(transform)` is load → transform → `saveConfig` under
//! `editConfigQueue` (V0–V7, instance-scoped: nothing else takes it) or under the
//! module-level `withConfigFileLock(config.json)` (V8+). `updateGlobalSecrets` and
//! `updateProjectSecrets` are read-modify-writes of `secrets.json`, locked from V9.
//! The direct `saveConfig` flows (project and workspace services) and the CLI
//! bootstrap writers load, modify and save with no lock in every version of the text.

use crate::system::tools::backend::{Backend, Held, CONFIG, SECRETS};
use crate::system::tools::docs::{Doc, Fact};
use crate::system::tools::version::ConfigLocking;

impl Backend {
    /// `Config.editConfig(transform)`: `transform` edits the loaded config and returns
    /// the facts its edit promises.
    pub async fn edit_config(&self, owner: &str, transform: impl FnOnce(&mut Doc) -> Vec<Fact>) {
        let _lock: Held = match self.version.config_locking {
            ConfigLocking::InstanceQueue => {
                self.hold(owner, "edit-config-queue".to_string(), self.edit_config_queue.lock(owner)).await
            }
            ConfigLocking::FileLock => self.config_file_lock(owner, CONFIG).await,
        };
        self.read_modify_write(owner, CONFIG, transform).await;
    }

    /// Load → modify → save of a config document, with whatever lock the caller holds.
    pub async fn read_modify_write(&self, owner: &str, path: &str, modify: impl FnOnce(&mut Doc) -> Vec<Fact>) {
        self.ghost.borrow_mut().rmw_begin(path, owner);
        self.sim.sometimes_if(self.ghost.borrow().rmw_inside(path) > 1, "two-config-writes-at-once");
        self.io().await;
        let mut doc = self.read_doc(path);
        self.note(format_args!("{owner} reads {path}"));
        let facts = modify(&mut doc);
        self.io().await;
        self.write_doc(owner, path, &doc, facts).await;
        self.ghost.borrow_mut().rmw_end(path, owner);
    }

    /// A project or workspace service flow: `loadConfig` → modify → `saveConfig`,
    /// bypassing `editConfig` (`proposed`: through it).
    pub async fn direct_save_flow(&self, owner: &str) {
        self.set_role(owner, [owner, " saveConfig (direct)"].concat());
        let key = ["project.", owner].concat();
        let facts = move |c: &mut Doc| {
            c.set(&key, "1");
            vec![Fact::Key(key.clone(), "1".into())]
        };
        if self.version.direct_writers_locked {
            self.edit_config(owner, facts).await;
        } else {
            self.read_modify_write(owner, CONFIG, facts).await;
        }
    }

    /// A CLI bootstrap writer, in process `[A]`: it adds its entry to `config.json`
    /// with a plain load and save (`proposed`: under the per-path lock).
    pub async fn cli_bootstrap(&self, owner: &str) {
        self.set_role(owner, [owner, " bootstrap saveConfig"].concat());
        let key = ["bootstrap.", owner].concat();
        let facts = move |c: &mut Doc| {
            c.set(&key, "1");
            vec![Fact::Key(key.clone(), "1".into())]
        };
        let _lock = match self.version.direct_writers_locked {
            true => Some(self.config_file_lock(owner, CONFIG).await),
            false => None,
        };
        self.read_modify_write(owner, CONFIG, facts).await;
    }

    /// `updateGlobalSecrets` (`project` false) or `updateProjectSecrets`.
    pub async fn update_secrets(&self, owner: &str, project: bool) {
        let key = [if project { "project" } else { "global" }, ".", owner].concat();
        let role = if project { "updateProjectSecrets" } else { "updateGlobalSecrets" };
        self.set_role(owner, [owner, " ", role].concat());
        let _lock = match self.version.providers_and_secrets_locked {
            true => Some(self.config_file_lock(owner, SECRETS).await),
            false => None,
        };
        self.read_modify_write(owner, SECRETS, move |s| {
            s.set(&key, "secret");
            vec![Fact::Key(key.clone(), "secret".into())]
        })
        .await;
    }
}
