//! The `bash` tool and `BackgroundProcessManager`: a foreground command rewrites the
//! checkout (`sed -i` over its files) and may migrate to the background; a background
//! spawn picks a process ID from the display name (`generateUniqueProcessId`), awaits
//! `spawnProcess` and `writeMeta` into the ID's output directory, then registers the
//! process with `processes.set`. V7 reserves the ID synchronously until then.

use crate::substrate::fs::file_name;
use crate::system::tools::backend::{Backend, Held, Process, CHECKOUT, MIGRATE_FAIL, SPAWN_FAIL};

impl Backend {
    /// `generateUniqueProcessId(display_name)`: the first free of `dev`, `dev-2`, …
    /// `[A]`; V0–V6 look at `processes` only, V7+ also at `reservedIds` and reserve.
    fn generate_unique_process_id(&self, owner: &str, display: &str) -> String {
        const SUFFIX_MAX: u32 = 64;
        let taken = |id: &str| {
            self.processes.borrow().contains_key(id)
                || (self.version.reserve_process_ids && self.reserved_ids.borrow().contains(id))
        };
        let mut id = display.to_string();
        let mut k = 1;
        while taken(&id) && k < SUFFIX_MAX {
            k += 1;
            id = format!("{display}-{k}");
        }
        if self.version.reserve_process_ids {
            self.reserved_ids.borrow_mut().insert(id.clone());
        }
        self.ghost.borrow_mut().process_id_chosen(owner, &id);
        self.note(format_args!("{owner}: process ID {id}"));
        id
    }

    fn release_reserved_id(&self, id: &str) {
        if self.version.reserve_process_ids {
            self.reserved_ids.borrow_mut().remove(id);
        }
    }

    fn register_process(&self, owner: &str, id: &str) {
        self.processes.borrow_mut().insert(id.to_string(), Process { owner: owner.to_string() });
        self.ghost.borrow_mut().process_registered(owner, id);
        self.release_reserved_id(id);
        self.note(format_args!("{owner}: processes.set({id})"));
    }

    /// `bash(run_in_background)`: `BackgroundProcessManager.spawn`.
    pub async fn bash_background(&self, owner: &str, display: &str) {
        self.ghost.borrow_mut().phase(owner, "spawn", &["processes"]);
        if !self.may_begin(owner, self.params.tools_honor_abort) {
            return;
        }
        let id = self.generate_unique_process_id(owner, display);
        self.io().await;
        self.side_effect(owner, "spawns a process");
        if self.sim.fault(&SPAWN_FAIL) {
            self.note(format_args!("{owner}: spawnProcess({id}) fails"));
            self.ghost.borrow_mut().process_abandoned(owner, &id);
            self.release_reserved_id(&id);
            return;
        }
        self.io().await;
        let dir = ["/tmp/bg/", id.as_str()].concat();
        if let Err(e) = self.fs.mkdir_p(&dir) {
            self.note(format_args!("{owner}: mkdir {dir} failed: {e:?}"));
        }
        if let Err(e) = self.fs.write(&[dir.as_str(), "/meta.json"].concat(), owner) {
            self.note(format_args!("{owner}: writeMeta failed: {e:?}"));
        }
        self.note(format_args!("{owner}: writeMeta {dir}"));
        self.register_process(owner, &id);
    }

    /// A foreground `sed -i` over the checkout. It is killed by the abort unless it
    /// migrated; `migrates` moves it to the background after its first file.
    pub async fn bash_foreground(&self, owner: &str, display: &str, migrates: bool) {
        self.ghost.borrow_mut().phase(owner, "running", &CHECKOUT);
        let mut locks: Vec<Held> = Vec::new();
        if self.version.checkout_locks {
            for (i, path) in CHECKOUT.iter().enumerate() {
                let lock = self.checkout_locks[i].write(owner);
                locks.push(self.hold(owner, ["checkout:", path].concat(), lock).await);
            }
        }
        if !self.may_begin(owner, self.params.tools_honor_abort) {
            return;
        }
        let mut background = false;
        for (i, path) in CHECKOUT.iter().enumerate() {
            self.io().await;
            if self.aborted() && !background {
                self.note(format_args!("{owner}: killed by the abort"));
                return;
            }
            let text = [file_name(path), "@", owner].concat();
            self.side_effect(owner, format_args!("rewrites {path}"));
            if let Err(e) = self.fs.write(path, &text) {
                self.note(format_args!("{owner}: write of {path} failed: {e:?}"));
            }
            let files = self.checkout_now();
            self.ghost.borrow_mut().checkout_changed(files);
            self.note(format_args!("{owner}: sed rewrites {path}"));
            if i == 0 && migrates {
                background = self.migrate_to_background(owner, display).await;
            }
        }
    }

    /// Foreground → background: a fresh ID, the move, `registerMigratedProcess`.
    async fn migrate_to_background(&self, owner: &str, display: &str) -> bool {
        // The command keeps running on the checkout while it moves.
        let touching: Vec<&'static str> = CHECKOUT.iter().copied().chain(["processes"]).collect();
        self.ghost.borrow_mut().phase(owner, "migrating", &touching);
        let id = self.generate_unique_process_id(owner, display);
        self.io().await;
        if self.sim.fault(&MIGRATE_FAIL) {
            self.note(format_args!("{owner}: migration of {id} fails"));
            self.ghost.borrow_mut().process_abandoned(owner, &id);
            self.release_reserved_id(&id);
            return false;
        }
        self.register_process(owner, &id);
        self.ghost.borrow_mut().phase(owner, "running", &CHECKOUT);
        true
    }
}
