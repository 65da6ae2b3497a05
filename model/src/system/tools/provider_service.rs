//! `ProviderService`, driven by the UI concurrently with the stream: its mutations of
//! `providers.jsonc` (under `withProvidersConfigLock` from V9) and
//! `syncGatewayLifecycle`, which keeps `routePriority` in `config.json` in step with
//! the gateway (a TOCTOU on an unlocked snapshot until V10).

use crate::system::text::Text;
use crate::system::tools::backend::{Backend, CONFIG, PROVIDERS};
use crate::system::tools::docs::{with_route, Doc, Fact};
use crate::system::tools::workload::op_name;

/// The route the gateway adds to `routePriority`.
pub const GATEWAY_ROUTE: &str = "gateway";

/// One UI action on the providers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProviderOp {
    AddCustomProvider,
    RemoveCustomProvider,
    SetModels,
    /// Sets a provider value and syncs the gateway (a token refresh).
    SetConfigValue,
    /// Turns the gateway on and syncs it.
    SetConfig,
}

pub const PROVIDER_OPS: [ProviderOp; 5] = [
    ProviderOp::AddCustomProvider,
    ProviderOp::RemoveCustomProvider,
    ProviderOp::SetModels,
    ProviderOp::SetConfigValue,
    ProviderOp::SetConfig,
];

/// The `routePriority` the gateway wants, given whether it is on.
fn desired(routes: &[String], gateway_on: bool) -> Vec<String> {
    if gateway_on {
        with_route(routes, GATEWAY_ROUTE)
    } else {
        routes.to_vec()
    }
}

impl Backend {
    /// Runs one `ProviderService` mutation for the UI actor `owner`; `n` numbers it.
    pub async fn provider_op(&self, owner: &str, op: ProviderOp, n: u64) {
        self.note(format_args!("{owner}: ProviderService {op:?}"));
        let role = [owner, " ProviderService.", op_name(op)].concat();
        self.set_role(owner, role.clone());
        let custom = ["provider.custom-", owner].concat();
        let mutate = |p: &mut Doc| -> Vec<Fact> {
            match op {
                ProviderOp::AddCustomProvider => {
                    p.set(&custom, "openai-compatible");
                    vec![Fact::Key(custom.clone(), "openai-compatible".into())]
                }
                ProviderOp::RemoveCustomProvider => {
                    p.remove(&custom);
                    vec![Fact::Absent(custom.clone())]
                }
                ProviderOp::SetModels => {
                    let key = Text::new().str("models.").str(owner).str("-").num(n).done();
                    p.set(&key, "m");
                    vec![Fact::Key(key, "m".into())]
                }
                ProviderOp::SetConfigValue => {
                    let key = Text::new().str("token.").str(owner).str("-").num(n).done();
                    p.set(&key, "t");
                    vec![Fact::Key(key, "t".into())]
                }
                ProviderOp::SetConfig => {
                    p.set("gateway", "on");
                    vec![Fact::Key("gateway".into(), "on".into())]
                }
            }
        };
        let syncs = matches!(op, ProviderOp::SetConfig | ProviderOp::SetConfigValue);
        {
            let _lock = match self.version.providers_and_secrets_locked {
                true => Some(self.config_file_lock(owner, PROVIDERS).await),
                false => None,
            };
            self.read_modify_write(owner, PROVIDERS, mutate).await;
            // V9: the sync runs inside the providers lock (providers -> config order).
            if syncs && self.version.providers_and_secrets_locked {
                self.sync_gateway_lifecycle(owner).await;
                self.set_role(owner, role.clone());
            }
        }
        if syncs && !self.version.providers_and_secrets_locked {
            self.sync_gateway_lifecycle(owner).await;
        }
        if op == ProviderOp::RemoveCustomProvider {
            // The repair of config.json runs after the providers lock is released.
            self.set_role(owner, [owner, " removeCustomProvider repair (editConfig)"].concat());
            self.edit_config(owner, |c| {
                let routes: Vec<String> = c.routes().into_iter().filter(|r| *r != custom).collect();
                c.set_routes(&routes);
                vec![]
            })
            .await;
        }
    }

    /// `syncGatewayLifecycle`: V0–V9 compute the next `routePriority` from an
    /// unlocked snapshot and write it under the lock; V10 merges under the lock and
    /// keeps the snapshot only to skip a write that changes nothing.
    pub async fn sync_gateway_lifecycle(&self, owner: &str) {
        self.set_role(owner, [owner, " syncGatewayLifecycle"].concat());
        self.io().await;
        let gateway_on = self.fs.read_with(PROVIDERS, |t| Doc::value_in(t, "gateway") == Some("on")).unwrap_or(false);
        let snap = self.fs.read_with(CONFIG, Doc::routes_in).unwrap_or_default();
        self.note(format_args!("{owner}: sync reads routePriority=[{}] (unlocked)", snap.join(",")));
        let next = desired(&snap, gateway_on);
        if next == snap {
            self.note(format_args!("{owner}: sync skips the write (steady state)"));
            return;
        }
        let under_lock = self.version.route_merge_under_lock;
        self.edit_config(owner, move |c| {
            let routes = if under_lock { desired(&c.routes(), gateway_on) } else { next };
            c.set_routes(&routes);
            if gateway_on {
                vec![Fact::Route(GATEWAY_ROUTE.into())]
            } else {
                vec![]
            }
        })
        .await;
    }
}
