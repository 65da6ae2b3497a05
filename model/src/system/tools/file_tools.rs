//! The file tools: `file_read`; `file_edit_*` through `executeFileEditOperation`
//! under the per-file `MutexMap` (non-reentrant); `file_edit_insert` with its
//! create-on-missing fast path (unlocked until V5, then under the same per-file lock,
//! released before it falls through to the edit path); and the full-content
//! overwrites `agent_skill_write` / `mux_agents_write`, which read only for a diff.

use crate::substrate::fs::file_name;
use crate::system::tools::backend::{Backend, Held, CHECKOUT, NOTES};
use crate::system::tools::docs::Fact;

impl Backend {
    pub async fn file_read(&self, owner: &str, path: &'static str) {
        self.ghost.borrow_mut().phase(owner, "read", &[path]);
        self.io().await;
        let text = self.fs.read(path).unwrap_or_default();
        self.note(format_args!("{owner} reads {path} = {text}"));
    }

    async fn file_edit_lock(&self, owner: &str, path: &str) -> Held {
        self.hold(owner, ["file-edit[", path, "]"].concat(), self.file_edit.lock(path.to_string(), owner)).await
    }

    /// `file_edit_replace_*` on a checkout file: a rewrite under the per-file lock
    /// (`proposed`: and the file's checkout write lock).
    pub async fn file_edit(&self, owner: &str, path: &'static str) {
        self.ghost.borrow_mut().phase(owner, "edit", &[path]);
        let _lock = self.file_edit_lock(owner, path).await;
        let _checkout = match CHECKOUT.iter().position(|p| *p == path) {
            Some(i) if self.version.checkout_locks => {
                Some(self.hold(owner, ["checkout:", path].concat(), self.checkout_locks[i].write(owner)).await)
            }
            _ => None,
        };
        if !self.may_begin(owner, self.params.tools_honor_abort) {
            return;
        }
        self.io().await;
        let text = [file_name(path), "@", owner].concat();
        self.io().await;
        self.side_effect(owner, format_args!("edits {path}"));
        if let Err(e) = self.fs.write(path, &text) {
            self.note(format_args!("{owner}: write of {path} failed: {e:?}"));
        }
        let files = self.checkout_now();
        self.ghost.borrow_mut().checkout_changed(files);
        self.note(format_args!("{owner} edits {path}"));
    }

    /// `executeFileEditOperation` inserting `line` into an existing file.
    async fn insert_line(&self, owner: &str, line: &str) {
        let _lock = self.file_edit_lock(owner, NOTES).await;
        if !self.may_begin(owner, self.params.tools_honor_abort) {
            return;
        }
        self.ghost.borrow_mut().rmw_begin(NOTES, owner);
        self.io().await;
        let mut text = self.fs.read(NOTES).unwrap_or_default();
        self.io().await;
        text.push_str(line);
        text.push('\n');
        self.write_plain(owner, NOTES, &text, vec![Fact::Line(line.to_string())]);
        self.ghost.borrow_mut().rmw_end(NOTES, owner);
    }

    /// The create-on-missing check and create; true if it created the file.
    async fn create_if_missing(&self, owner: &str, line: &str) -> bool {
        self.ghost.borrow_mut().rmw_begin(NOTES, owner);
        self.io().await;
        let exists = self.fs.exists(NOTES);
        self.note(format_args!("{owner}: fileExists({NOTES}) = {exists}"));
        if !exists {
            self.io().await;
            self.write_plain(owner, NOTES, &[line, "\n"].concat(), vec![Fact::Line(line.to_string())]);
        }
        self.ghost.borrow_mut().rmw_end(NOTES, owner);
        !exists
    }

    pub async fn file_edit_insert(&self, owner: &str) {
        self.ghost.borrow_mut().phase(owner, "insert", &[NOTES]);
        let line = ["insert by ", owner].concat();
        let created = if self.version.insert_locked {
            let _lock = self.file_edit_lock(owner, NOTES).await;
            if !self.may_begin(owner, self.params.tools_honor_abort) {
                return;
            }
            self.create_if_missing(owner, &line).await
        } else {
            if !self.may_begin(owner, self.params.tools_honor_abort) {
                return;
            }
            self.create_if_missing(owner, &line).await
        };
        if !created {
            self.insert_line(owner, &line).await;
        }
    }

    /// A full-content overwrite: it reads only to render a diff.
    pub async fn skill_write(&self, owner: &str, path: &'static str) {
        self.ghost.borrow_mut().phase(owner, "write", &[path]);
        if !self.may_begin(owner, self.params.tools_honor_abort) {
            return;
        }
        self.io().await;
        let _old = self.fs.read(path).unwrap_or_default();
        self.io().await;
        self.side_effect(owner, format_args!("writes {path}"));
        if let Err(e) = self.fs.write_atomic(path, &["content by ", owner, "\n"].concat()).await {
            self.note(format_args!("{owner}: write of {path} failed: {e:?}"));
        }
        self.note(format_args!("{owner} overwrites {path}"));
    }
}
