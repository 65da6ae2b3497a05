//! The file tree itself: absolute paths mapped to entries, with the POSIX rules a lock
//! protocol leans on. Pure data and no clock: [`super::FileSystem`] supplies the time
//! of every change.
//!
//! Rules kept here: an entry's parent must be an existing directory; `mkdir` of an
//! existing path fails; adding or removing an entry bumps its parent directory's
//! mtime (writing a file's contents does not); `rename` replaces its target in one
//! step and moves a directory's whole subtree.

use std::collections::{btree_map, BTreeMap};
use std::ops::Bound;

use sim::SimTime;
use thiserror::Error;

/// Why a file system call failed, named after its errno.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
pub enum FsError {
    #[error("EEXIST: the path already exists")]
    Exists,
    #[error("ENOENT: no such file or directory")]
    NotFound,
    #[error("EISDIR: the path is a directory")]
    IsDir,
    #[error("ENOTDIR: a path component is not a directory")]
    NotDir,
    #[error("ENOTEMPTY: the directory is not empty")]
    NotEmpty,
    #[error("EINVAL: not an absolute path")]
    BadPath,
}

/// A file's contents: what readers see now, and what a crash would leave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct FileData {
    pub contents: String,
    /// The contents as last synced; `None` if never synced since it was created.
    pub durable: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    Dir,
    File(FileData),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Entry {
    pub kind: Kind,
    pub mtime: SimTime,
}

/// Every entry by absolute path; `/` always exists.
#[derive(Clone, Debug)]
pub(super) struct Tree {
    pub entries: BTreeMap<String, Entry>,
}

/// The parent of an absolute path (`/a/b` → `/a`, `/a` → `/`), or `None` for `/`.
pub fn parent(path: &str) -> Option<&str> {
    if path == "/" {
        return None;
    }
    let (dir, _) = path.rsplit_once('/')?;
    Some(if dir.is_empty() { "/" } else { dir })
}

/// The last component of a path.
pub fn file_name(path: &str) -> &str {
    path.rsplit_once('/').map_or(path, |(_, name)| name)
}

/// `dir` joined with `name`.
pub fn join(dir: &str, name: &str) -> String {
    if dir == "/" {
        format!("/{name}")
    } else {
        format!("{dir}/{name}")
    }
}

pub(super) fn check(path: &str) -> Result<(), FsError> {
    // One pass over the bytes, not `str::contains`: every call checks its path, and a
    // substring searcher costs more to set up than these short paths cost to scan.
    // A `/` followed by `/` or by `./` makes the path unclean.
    let b = path.as_bytes();
    let clean = !b
        .iter()
        .enumerate()
        .any(|(i, &c)| c == b'/' && matches!((b.get(i + 1), b.get(i + 2)), (Some(b'/'), _) | (Some(b'.'), Some(b'/'))));
    let valid = path == "/" || (b.first() == Some(&b'/') && b.last() != Some(&b'/') && clean);
    if valid {
        Ok(())
    } else {
        Err(FsError::BadPath)
    }
}

impl Tree {
    pub fn new() -> Tree {
        let mut entries = BTreeMap::new();
        entries.insert("/".to_string(), Entry { kind: Kind::Dir, mtime: SimTime::ZERO });
        Tree { entries }
    }

    pub fn get(&self, path: &str) -> Option<&Entry> {
        self.entries.get(path)
    }

    pub fn is_dir(&self, path: &str) -> bool {
        matches!(self.get(path), Some(Entry { kind: Kind::Dir, .. }))
    }

    /// The parent directory of `path`, which must exist and be a directory.
    pub fn parent_dir<'p>(&self, path: &'p str) -> Result<&'p str, FsError> {
        check(path)?;
        let parent = parent(path).ok_or(FsError::Exists)?;
        match self.get(parent) {
            None => Err(FsError::NotFound),
            Some(Entry { kind: Kind::File(_), .. }) => Err(FsError::NotDir),
            Some(_) => Ok(parent),
        }
    }

    pub fn touch(&mut self, path: &str, now: SimTime) {
        if let Some(e) = self.entries.get_mut(path) {
            e.mtime = now;
        }
    }

    /// Adds a new entry and bumps its parent's mtime.
    pub fn insert_new(&mut self, path: &str, kind: Kind, now: SimTime) -> Result<(), FsError> {
        let parent = self.parent_dir(path)?;
        match self.entries.entry(path.to_string()) {
            btree_map::Entry::Occupied(_) => return Err(FsError::Exists),
            btree_map::Entry::Vacant(slot) => slot.insert(Entry { kind, mtime: now }),
        };
        self.touch(parent, now);
        Ok(())
    }

    /// The paths strictly below `dir`, in path order.
    pub fn descendants(&self, dir: &str) -> Vec<String> {
        let prefix = if dir == "/" { "/".to_string() } else { format!("{dir}/") };
        self.entries
            .range(prefix.clone()..)
            .take_while(|(p, _)| p.starts_with(&prefix))
            .map(|(p, _)| p.clone())
            .collect()
    }

    /// The paths strictly below `dir` (not `/`), in path order, without copying them:
    /// the range from `dir` to the first path that sorts after every `dir/...`.
    fn below<'a>(&'a self, dir: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        let after = |p: &str| p.as_bytes().get(dir.len()).copied();
        self.entries
            .range::<str, _>((Bound::Excluded(dir), Bound::Unbounded))
            .map(|(p, _)| p.as_str())
            .take_while(move |p| p.starts_with(dir) && after(p) <= Some(b'/'))
            .filter(move |p| after(p) == Some(b'/'))
    }

    /// Whether the directory `dir` (not `/`) has any entry below it.
    pub fn has_descendants(&self, dir: &str) -> bool {
        self.below(dir).next().is_some()
    }

    /// Calls `f` with the name of each of `dir`'s direct children, in sorted order.
    pub fn for_each_child(&self, dir: &str, mut f: impl FnMut(&str)) {
        if dir == "/" {
            let names = self.entries.keys().filter_map(|p| p.strip_prefix('/'));
            names.filter(|n| !n.is_empty() && !n.contains('/')).for_each(f);
            return;
        }
        for p in self.below(dir) {
            let name = &p[dir.len() + 1..];
            if !name.contains('/') {
                f(name);
            }
        }
    }

    /// Removes one entry (a file, or an empty directory) and bumps its parent.
    pub fn remove_one(&mut self, path: &str, now: SimTime) -> Result<(), FsError> {
        check(path)?;
        if path == "/" {
            return Err(FsError::BadPath);
        }
        if !self.entries.contains_key(path) {
            return Err(FsError::NotFound);
        }
        if self.is_dir(path) && self.has_descendants(path) {
            return Err(FsError::NotEmpty);
        }
        self.entries.remove(path);
        if let Some(p) = parent(path) {
            self.touch(p, now);
        }
        Ok(())
    }

    /// Moves `from` (and its subtree) to `to`, replacing a file or an empty directory.
    pub fn rename(&mut self, from: &str, to: &str, now: SimTime) -> Result<(), FsError> {
        check(from)?;
        let to_parent = self.parent_dir(to)?;
        let from_is_dir = match self.get(from) {
            None => return Err(FsError::NotFound),
            Some(e) => matches!(e.kind, Kind::Dir),
        };
        if from == to {
            return Ok(());
        }
        if to.len() > from.len() && to.starts_with(from) && to.as_bytes()[from.len()] == b'/' {
            return Err(FsError::BadPath);
        }
        if let Some(target) = self.get(to) {
            match (&target.kind, from_is_dir) {
                (Kind::Dir, false) => return Err(FsError::IsDir),
                (Kind::File(_), true) => return Err(FsError::NotDir),
                (Kind::Dir, true) if self.has_descendants(to) => return Err(FsError::NotEmpty),
                _ => {}
            }
            if from_is_dir {
                self.entries.remove(to);
            }
        }
        if from_is_dir {
            let mut moved = vec![from.to_string()];
            moved.extend(self.descendants(from));
            for old in moved {
                if let Some(e) = self.entries.remove(&old) {
                    let new = format!("{to}{}", &old[from.len()..]);
                    self.entries.insert(new, e);
                }
            }
        } else {
            // A file: the entry takes the place of the file at `to`, if any, or moves
            // under `to` in the key it had, so no path is copied.
            let (mut key, entry) = self.entries.remove_entry(from).ok_or(FsError::NotFound)?;
            if let Some(slot) = self.entries.get_mut(to) {
                *slot = entry;
            } else {
                key.clear();
                key.push_str(to);
                self.entries.insert(key, entry);
            }
        }
        if let Some(p) = parent(from) {
            self.touch(p, now);
        }
        self.touch(to_parent, now);
        Ok(())
    }
}
