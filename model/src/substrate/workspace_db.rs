//! The workspace database: secrets and model rows per workspace, durable (a crash of
//! the server that writes it loses nothing it committed).
//!
//! Each request is one message to the database node, applied atomically on arrival.
//! Every commit bumps its workspace's version, so an environment loaded from the
//! database carries the version it reflects, and a container started from it can be
//! compared with the latest commit. The database itself is not meant to crash.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use sim::{NetError, NodeId, Sim};

/// Environment variables, as the database stores them and a container receives them.
pub type Env = BTreeMap<String, String>;

/// A workspace's environment as of one commit.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Snapshot {
    pub env: Env,
    /// Commits applied to this workspace so far (0 = none).
    pub version: u64,
    /// The version the workspace's running container was last acknowledged at (a
    /// column a design may keep; [`WorkspaceDb::mark_applied`] writes it).
    pub applied: u64,
}

type Rows = Rc<RefCell<BTreeMap<u32, Snapshot>>>;

/// A handle on the database node. Clones share it.
#[derive(Clone)]
pub struct WorkspaceDb {
    pub node: NodeId,
    rows: Rows,
}

impl WorkspaceDb {
    /// Adds the database as a node named `name`, with an empty row per workspace.
    pub fn new(sim: &Sim, name: &str, workspaces: impl IntoIterator<Item = u32>) -> WorkspaceDb {
        let rows = workspaces.into_iter().map(|ws| (ws, Snapshot::default())).collect();
        WorkspaceDb { node: sim.add_node(name), rows: Rc::new(RefCell::new(rows)) }
    }

    /// The latest committed snapshot of `ws`, read from outside (invariants, tests).
    pub fn peek(&self, ws: u32) -> Snapshot {
        self.rows.borrow().get(&ws).cloned().unwrap_or_default()
    }

    /// Writes `pairs` into `ws`'s row in one transaction. `on_commit` runs atomically
    /// with the commit, with the new version (the system's history orders commits by
    /// it). The reply can be lost after the commit: the caller then sees an error
    /// although the write is durable.
    pub async fn commit(
        &self,
        sim: &Sim,
        from: NodeId,
        ws: u32,
        pairs: Vec<(String, String)>,
        on_commit: impl FnOnce(&Sim, u64) + 'static,
    ) -> Result<u64, NetError> {
        let rows = self.rows.clone();
        sim.call(from, self.node, "db.commit", move |sim| {
            let version = {
                let mut rows = rows.borrow_mut();
                let row = rows.entry(ws).or_default();
                row.env.extend(pairs);
                row.version += 1;
                row.version
            };
            on_commit(sim, version);
            version
        })
        .await
    }

    /// Records that a container with the environment of `version` is up (never moves
    /// the mark back).
    pub async fn mark_applied(&self, sim: &Sim, from: NodeId, ws: u32, version: u64) -> Result<(), NetError> {
        let rows = self.rows.clone();
        sim.call(from, self.node, "db.mark_applied", move |_| {
            let mut rows = rows.borrow_mut();
            let row = rows.entry(ws).or_default();
            row.applied = row.applied.max(version);
        })
        .await
    }

    /// `loadWorkspaceSecrets`: the row of `ws` as of the moment the read arrives.
    pub async fn load(&self, sim: &Sim, from: NodeId, ws: u32) -> Result<Snapshot, NetError> {
        let rows = self.rows.clone();
        sim.call(from, self.node, "db.load", move |_| rows.borrow().get(&ws).cloned().unwrap_or_default()).await
    }
}

#[cfg(test)]
mod tests {
    use sim::{ChoiceSource, Invariant, RunConfig};

    use super::*;

    #[test]
    fn commits_bump_the_version_and_survive_a_writer_crash() {
        let result = sim::run(
            ChoiceSource::Seed(3),
            &RunConfig::default(),
            |sim| {
                let db = WorkspaceDb::new(sim, "db", [1]);
                let server = sim.add_node("server");
                let (d, s) = (db.clone(), sim.clone());
                sim.spawn(server, "handler", async move {
                    let pair = vec![("MINIMAX_API_KEY".to_string(), "k1".to_string())];
                    assert_eq!(d.commit(&s, server, 1, pair, |_, _| {}).await, Ok(1));
                    let pair = vec![("HERMES_DEFAULT_MODEL".to_string(), "m".to_string())];
                    let _ = d.commit(&s, server, 1, pair, |_, _| {}).await;
                });
                let s = sim.clone();
                sim.spawn(server, "crash", async move {
                    s.sleep_ms(250).await; // the second commit is on its way or applied
                    s.crash(server);
                });
                db
            },
            &[Invariant {
                name: "durable",
                kind: sim::InvariantKind::Liveness,
                doc: "both commits are kept",
                check: |db: &WorkspaceDb, _| {
                    let row = db.peek(1);
                    (row.version == 2 && row.env.len() == 2).then_some(()).ok_or(format!("{row:?}"))
                },
                reads: 0,
            }],
        );
        assert!(result.outcome.is_pass(), "{:?}", result.outcome);
    }
}
