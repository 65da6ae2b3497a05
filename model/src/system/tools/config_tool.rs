//! `mux_config_write`: read → `applyMutations` → atomic write of one config file. V0–V5
//! take no lock; V6–V7 take `withConfigDocumentLock`, the tool's own per-document
//! map; V8+ the module-level `withConfigFileLock`, shared with `editConfig` and (V9)
//! `withProvidersConfigLock`. It ignores the abort signal (`proposed`: checks it once
//! it holds the lock).

use crate::system::tools::backend::{Backend, Held, CONFIG};
use crate::system::tools::docs::{with_route, Fact};
use crate::system::tools::version::ConfigLocking;

impl Backend {
    pub async fn mux_config_write(&self, owner: &str, file: &'static str, route: bool) {
        self.ghost.borrow_mut().phase(owner, "mux_config_write", &[file]);
        let _lock: Option<Held> = match (self.version.config_tool_locked, self.version.config_locking) {
            (false, _) => None,
            (true, ConfigLocking::InstanceQueue) => Some(
                self.hold(
                    owner,
                    ["config-document[", file, "]"].concat(),
                    self.config_doc.lock(file.to_string(), owner),
                )
                .await,
            ),
            (true, ConfigLocking::FileLock) => Some(self.config_file_lock(owner, file).await),
        };
        if !self.may_begin(owner, self.version.abort_checked_after_lock) {
            return;
        }
        let route_name = ["route-", owner].concat();
        let key = ["tool.", owner].concat();
        let route = route && file == CONFIG;
        self.read_modify_write(owner, file, move |doc| {
            if route {
                let routes = with_route(&doc.routes(), &route_name);
                doc.set_routes(&routes);
                vec![Fact::Route(route_name.clone())]
            } else {
                doc.set(&key, "set");
                vec![Fact::Key(key.clone(), "set".into())]
            }
        })
        .await;
    }
}
