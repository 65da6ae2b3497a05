//! A file system: one tree of directories and files, local to a host or shared by
//! several hosts as a network file system. The substrate behind `mkdir` locks, pid
//! files and config files written by several processes.
//!
//! What it promises, and what it does not:
//! - **Every call is one atomic step** (`mkdir`, `unlink`, `rename`, a plain `write`).
//!   Between two calls of a caller, other tasks may run: a protocol that awaits
//!   between its calls is interleaved there, as it is on a real system.
//! - **`mkdir` is the atomic test-and-set**: it fails with [`FsError::Exists`] if the
//!   path exists. [`FileSystem::mkdir_p`] is not a test.
//! - **Some writes are several steps** and readers see each one:
//!   [`FileSystem::write_torn`] creates the file empty, then writes half, then all of
//!   it (Node's `writeFile`: `open(O_CREAT|O_TRUNC)`, then `write`);
//!   [`FileSystem::rm_rf_stepwise`] unlinks entries one by one and then removes the
//!   directory (Node's `fs.rm({recursive: true})`).
//!   [`FileSystem::write_atomic`] writes a hidden temp file, syncs it and renames it
//!   over the target, so readers see the old contents or the new, never a mix.
//! - **Times come from the file server's clock** (`sim.node_now(server)`): a file's
//!   mtime is set on every write; a directory's mtime at its creation and whenever an
//!   entry inside is added, removed or renamed in or out. For a local file system the
//!   server is the host itself.
//! - **Durability is a parameter** ([`Durability`]): with `LoseUnsynced`, a crash of
//!   the server ([`FileSystem::crash`]) brings every file back to its last synced
//!   contents, and a file never synced comes back empty (its creation was journaled,
//!   its data was not). Directories and renames are journaled and survive (turmoil's
//!   simulated fs keeps pending and durable writes apart in the same way).

mod paths;
mod tree;

#[cfg(test)]
mod tests;

use std::cell::RefCell;
use std::rc::Rc;

use sim::{NodeId, Sim, SimTime};

use crate::substrate::yield_now::yield_now;
use crate::system::text::Text;
pub use tree::{file_name, join, parent, FsError};
use tree::{Entry, FileData, Kind, Tree};

/// What a crash of the file server does to writes that were never synced.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Durability {
    /// Every completed write survives (the page cache is never lost: a process
    /// crash, or a server with battery-backed storage).
    #[default]
    Immediate,
    /// A server crash reverts unsynced files to their last synced contents, empty if
    /// never synced.
    LoseUnsynced,
}

/// A path with its hash computed once: a poller that looks the same path up at every
/// poll passes it to the `_key` calls, which do not hash it again (hashing was a
/// third of a lookup). The same answers as the calls that take the path's text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathKey {
    path: String,
    hash: u64,
}

impl PathKey {
    pub fn new(path: impl Into<String>) -> PathKey {
        let path = path.into();
        let hash = paths::hash(&path);
        PathKey { path, hash }
    }

    pub fn as_str(&self) -> &str {
        &self.path
    }
}

/// A handle on one file tree. Clones share the tree.
#[derive(Clone)]
pub struct FileSystem {
    sim: Sim,
    server: NodeId,
    durability: Durability,
    tree: Rc<RefCell<Tree>>,
    temp_counter: Rc<RefCell<u64>>,
}

impl FileSystem {
    /// An empty tree (only `/`) whose mtimes come from `server`'s clock; every write
    /// survives a crash.
    pub fn new(sim: &Sim, server: NodeId) -> FileSystem {
        FileSystem::with_durability(sim, server, Durability::Immediate)
    }

    /// An empty tree with the given crash semantics.
    pub fn with_durability(sim: &Sim, server: NodeId, durability: Durability) -> FileSystem {
        FileSystem {
            sim: sim.clone(),
            server,
            durability,
            tree: Rc::new(RefCell::new(Tree::new())),
            temp_counter: Rc::new(RefCell::new(0)),
        }
    }

    /// The node whose clock stamps mtimes.
    pub fn server(&self) -> NodeId {
        self.server
    }

    /// The file server's clock now.
    pub fn now(&self) -> SimTime {
        self.sim.node_now(self.server)
    }

    /// `mkdir path`: atomic; [`FsError::Exists`] if the path exists,
    /// [`FsError::NotFound`] if its parent does not.
    pub fn mkdir(&self, path: &str) -> Result<(), FsError> {
        let now = self.now();
        self.tree.borrow_mut().insert_new(path, Kind::Dir, now)
    }

    /// `mkdir -p path`: creates every missing directory; fine if it exists as one.
    pub fn mkdir_p(&self, path: &str) -> Result<(), FsError> {
        let now = self.now();
        self.tree.borrow_mut().mkdir_p(path, now)
    }

    /// `rm -rf path` in one step: the entry and everything below it. Returns whether
    /// anything was removed.
    pub fn rm_rf(&self, path: &str) -> bool {
        if tree::check(path).is_err() || path == "/" {
            return false;
        }
        let now = self.now();
        let mut t = self.tree.borrow_mut();
        if !t.remove_subtree(path) {
            return false;
        }
        if let Some(p) = parent(path) {
            t.touch(p, now);
        }
        true
    }

    /// `rm -r path` as Node's `fs.rm({recursive: true})` does it: list the directory,
    /// unlink each entry (other tasks may run between unlinks), then remove the
    /// directory itself. An entry created after the listing makes the last step fail
    /// with [`FsError::NotEmpty`]; a path removed by someone else meanwhile is fine.
    pub async fn rm_rf_stepwise(&self, path: &str) -> Result<(), FsError> {
        let listed = {
            let t = self.tree.borrow();
            match t.get(path) {
                None => return Err(FsError::NotFound),
                Some(Entry { kind: Kind::File(_), .. }) => Vec::new(),
                Some(_) => t.descendants(path),
            }
        };
        yield_now().await;
        // Deepest first, so each directory is empty when its turn comes.
        for p in listed.iter().rev() {
            let now = self.now();
            match self.tree.borrow_mut().remove_one(p, now) {
                Ok(()) | Err(FsError::NotFound) => {}
                Err(e) => return Err(e),
            }
            yield_now().await;
        }
        let now = self.now();
        let result = self.tree.borrow_mut().remove_one(path, now);
        match result {
            Err(FsError::NotFound) => Ok(()),
            other => other,
        }
    }

    /// `unlink path`: removes a file.
    pub fn remove_file(&self, path: &str) -> Result<(), FsError> {
        if self.tree.borrow().is_dir(path) {
            return Err(FsError::IsDir);
        }
        let now = self.now();
        self.tree.borrow_mut().remove_one(path, now)
    }

    /// `rmdir path`: removes an empty directory.
    pub fn rmdir(&self, path: &str) -> Result<(), FsError> {
        if !self.tree.borrow().is_dir(path) {
            return Err(if self.exists(path) { FsError::NotDir } else { FsError::NotFound });
        }
        let now = self.now();
        self.tree.borrow_mut().remove_one(path, now)
    }

    pub fn exists(&self, path: &str) -> bool {
        self.tree.borrow().get(path).is_some()
    }

    /// [`FileSystem::exists`] of a [`PathKey`].
    pub fn exists_key(&self, key: &PathKey) -> bool {
        self.tree.borrow().get_hashed(&key.path, key.hash).is_some()
    }

    pub fn is_dir(&self, path: &str) -> bool {
        self.tree.borrow().is_dir(path)
    }

    /// A file's contents as readers see them now.
    pub fn read(&self, path: &str) -> Result<String, FsError> {
        self.read_with(path, str::to_string)
    }

    /// What `f` makes of a file's contents as readers see them now, without copying
    /// them: for a poller that only parses the file.
    pub fn read_with<T>(&self, path: &str, f: impl FnOnce(&str) -> T) -> Result<T, FsError> {
        contents_with(self.tree.borrow().get(path), f)
    }

    /// [`FileSystem::read_with`] of a [`PathKey`].
    pub fn read_with_key<T>(&self, key: &PathKey, f: impl FnOnce(&str) -> T) -> Result<T, FsError> {
        contents_with(self.tree.borrow().get_hashed(&key.path, key.hash), f)
    }

    /// A plain write in one step: creates or replaces the contents (not synced).
    pub fn write(&self, path: &str, contents: &str) -> Result<(), FsError> {
        let now = self.now();
        let mut t = self.tree.borrow_mut();
        match t.get_mut(path) {
            Some(Entry { kind: Kind::Dir, .. }) => Err(FsError::IsDir),
            Some(Entry { kind: Kind::File(f), mtime }) => {
                f.contents.clear();
                f.contents.push_str(contents);
                *mtime = now;
                Ok(())
            }
            None => {
                let data = FileData { contents: contents.to_string(), durable: None };
                t.insert_new(path, Kind::File(data), now)
            }
        }
    }

    /// A write readers can catch half done: the file is created (or truncated) empty,
    /// then holds the first half of `contents`, then all of it, with a scheduling
    /// point between the stages. A caller killed in between leaves that stage behind.
    pub async fn write_torn(&self, path: &str, contents: &str) -> Result<(), FsError> {
        self.write(path, "")?;
        yield_now().await;
        let half = contents.char_indices().nth(contents.chars().count() / 2).map_or(contents.len(), |(i, _)| i);
        if half > 0 {
            self.write(path, &contents[..half])?;
            yield_now().await;
        }
        self.write(path, contents)
    }

    /// `fsync path`: the current contents survive a crash. Under
    /// [`Durability::Immediate`] every write already does and [`FileSystem::crash`]
    /// reads no synced copy, so none is kept.
    pub fn sync(&self, path: &str) -> Result<(), FsError> {
        let keep = self.durability == Durability::LoseUnsynced;
        match self.tree.borrow_mut().get_mut(path) {
            None => Err(FsError::NotFound),
            Some(Entry { kind: Kind::Dir, .. }) => Ok(()),
            Some(Entry { kind: Kind::File(f), .. }) => {
                if keep {
                    let durable = f.durable.get_or_insert_with(String::new);
                    durable.clear();
                    durable.push_str(&f.contents);
                }
                Ok(())
            }
        }
    }

    /// `rename from to`: atomic; replaces a file or an empty directory at `to`.
    pub fn rename(&self, from: &str, to: &str) -> Result<(), FsError> {
        let now = self.now();
        self.tree.borrow_mut().rename(from, to, now)
    }

    /// Writes `contents` to a hidden temp file beside `path` (`.name.tmp-N`), syncs
    /// it, and renames it over `path`, with a scheduling point between the steps.
    /// Readers see the old contents or the new; a caller killed before the rename
    /// leaves the temp file behind and `path` untouched.
    pub async fn write_atomic(&self, path: &str, contents: &str) -> Result<(), FsError> {
        let dir = self.tree.borrow().parent_dir(path)?;
        let n = {
            let mut c = self.temp_counter.borrow_mut();
            *c += 1;
            *c
        };
        let name = file_name(path);
        let temp = temp_path(dir, name, n);
        self.write(&temp, contents)?;
        self.sync(&temp)?;
        yield_now().await;
        self.rename(&temp, path)
    }

    pub fn mtime(&self, path: &str) -> Result<SimTime, FsError> {
        self.tree.borrow().get(path).map(|e| e.mtime).ok_or(FsError::NotFound)
    }

    /// [`FileSystem::mtime`] of a [`PathKey`].
    pub fn mtime_key(&self, key: &PathKey) -> Result<SimTime, FsError> {
        self.tree.borrow().get_hashed(&key.path, key.hash).map(|e| e.mtime).ok_or(FsError::NotFound)
    }

    /// Sets an mtime (`utimes`): tests backdate a lock with it.
    pub fn set_mtime(&self, path: &str, t: SimTime) {
        if let Some(e) = self.tree.borrow_mut().get_mut(path) {
            e.mtime = t;
        }
    }

    /// The names in a directory, sorted.
    pub fn list(&self, dir: &str) -> Result<Vec<String>, FsError> {
        let mut names = Vec::new();
        self.for_each_name(dir, |n| names.push(n.to_string()))?;
        Ok(names)
    }

    /// Calls `f` with each name in a directory, in sorted order, without copying the
    /// names: [`FileSystem::list`] for a poller that only looks for one of them.
    pub fn for_each_name(&self, dir: &str, f: impl FnMut(&str)) -> Result<(), FsError> {
        let t = self.tree.borrow();
        match t.get(dir) {
            None => Err(FsError::NotFound),
            Some(Entry { kind: Kind::File(_), .. }) => Err(FsError::NotDir),
            Some(_) => {
                t.for_each_child(dir, f);
                Ok(())
            }
        }
    }

    /// The file server crashed: under [`Durability::LoseUnsynced`], unsynced files go
    /// back to their last synced contents (empty if never synced). The model calls
    /// this when it crashes the server's node.
    pub fn crash(&self) {
        if self.durability == Durability::Immediate {
            return;
        }
        for e in self.tree.borrow_mut().entries_mut() {
            if let Kind::File(f) = &mut e.kind {
                f.contents = f.durable.clone().unwrap_or_default();
            }
        }
    }
}

/// The temp file of [`FileSystem::write_atomic`]: `{dir}/.{name}.tmp-{n}`
/// (`/.{name}.tmp-{n}` in `/`), built without `format!` (a test compares).
fn temp_path(dir: &str, name: &str, n: u64) -> String {
    let dir = if dir == "/" { "" } else { dir };
    Text::new().str(dir).str("/.").str(name).str(".tmp-").num(n).done()
}

/// What `f` makes of the contents of `entry`, a file's (or why it has none).
fn contents_with<T>(entry: Option<&Entry>, f: impl FnOnce(&str) -> T) -> Result<T, FsError> {
    match entry {
        None => Err(FsError::NotFound),
        Some(Entry { kind: Kind::Dir, .. }) => Err(FsError::IsDir),
        Some(Entry { kind: Kind::File(file), .. }) => Ok(f(&file.contents)),
    }
}
