//! The file tree itself: absolute paths mapped to entries, with the POSIX rules a lock
//! protocol leans on. Pure data and no clock: [`super::FileSystem`] supplies the time
//! of every change.
//!
//! Rules kept here: an entry's parent must be an existing directory; `mkdir` of an
//! existing path fails; adding or removing an entry bumps its parent directory's
//! mtime (writing a file's contents does not); `rename` replaces its target in one
//! step and moves a directory's whole subtree.
//!
//! The paths live in [`Paths`] (a hash index: one lookup hashes the path and compares
//! one string). What a caller can see in an order, a listing or a stepwise removal,
//! is sorted here by path bytes: the order of a sorted map of path strings.

use sim::SimTime;
use thiserror::Error;

use super::paths::{hash, Paths};

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
pub(super) struct Tree {
    paths: Paths<Entry>,
}

/// The parent of an absolute path (`/a/b` → `/a`, `/a` → `/`), or `None` for `/`.
pub fn parent(path: &str) -> Option<&str> {
    if path == "/" {
        return None;
    }
    // A byte scan from the end: `rsplit_once('/')` sets up a searcher that costs more
    // than these short paths take to scan.
    let at = path.bytes().rposition(|c| c == b'/')?;
    Some(if at == 0 { "/" } else { &path[..at] })
}

/// The last component of a path.
pub fn file_name(path: &str) -> &str {
    path.bytes().rposition(|c| c == b'/').map_or(path, |at| &path[at + 1..])
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
    // A `/` preceded by `/` or by `/.` makes the path unclean.
    let b = path.as_bytes();
    match b {
        [b'/'] => return Ok(()),
        [b'/', .., last] if *last != b'/' => {}
        _ => return Err(FsError::BadPath),
    }
    let (mut prev2, mut prev) = (0u8, 0u8);
    for &c in b {
        if c == b'/' && (prev == b'/' || (prev == b'.' && prev2 == b'/')) {
            return Err(FsError::BadPath);
        }
        (prev2, prev) = (prev, c);
    }
    Ok(())
}

/// Whether `path`, whose last `/` is at `at` and whose parent is a clean path, is
/// clean: what [`check`] says of it then, read off the junction alone. The parent
/// is `/` itself only for `at == 0` (`//x` is not clean), the last component must
/// not be empty (`/a/`), and the parent must not end in `/.` (`/a/./b`).
fn clean_below(path: &str, at: usize) -> bool {
    at != 1 && at + 1 < path.len() && !path[..at].ends_with("/.")
}

/// Whether `path` lies strictly below the directory `dir`.
fn is_below(path: &str, dir: &str) -> bool {
    if dir == "/" {
        return path != "/";
    }
    path.len() > dir.len() && path.as_bytes()[dir.len()] == b'/' && path.starts_with(dir)
}

impl Tree {
    pub fn new() -> Tree {
        let mut paths = Paths::new();
        paths.insert("/", hash("/"), Entry { kind: Kind::Dir, mtime: SimTime::ZERO });
        Tree { paths }
    }

    pub fn get(&self, path: &str) -> Option<&Entry> {
        self.paths.find(path).map(|id| self.paths.entry(id))
    }

    /// [`Tree::get`] of `path` whose hash is `hash` (a [`super::PathKey`]'s).
    pub fn get_hashed(&self, path: &str, hash: u64) -> Option<&Entry> {
        self.paths.find_hashed(path, hash).map(|id| self.paths.entry(id))
    }

    pub fn get_mut(&mut self, path: &str) -> Option<&mut Entry> {
        let id = self.paths.find(path)?;
        Some(self.paths.entry_mut(id))
    }

    pub fn is_dir(&self, path: &str) -> bool {
        matches!(self.get(path), Some(Entry { kind: Kind::Dir, .. }))
    }

    /// Every entry, in no particular order: for what treats each alike (a crash).
    pub fn entries_mut(&mut self) -> impl Iterator<Item = &mut Entry> + '_ {
        self.paths.entries_mut()
    }

    /// The parent directory of `path`, which must exist and be a directory.
    pub fn parent_dir<'p>(&self, path: &'p str) -> Result<&'p str, FsError> {
        self.parent_id(path).map(|(parent, _)| parent)
    }

    /// [`Tree::parent_dir`] and the parent's slot.
    fn parent_id<'p>(&self, path: &'p str) -> Result<(&'p str, u32), FsError> {
        if path == "/" {
            return Err(FsError::Exists);
        }
        let found = path.bytes().rposition(|c| c == b'/').and_then(|at| {
            let parent = if at == 0 { "/" } else { &path[..at] };
            self.paths.find(parent).map(|id| (at, parent, id))
        });
        // The index holds only clean paths: below a parent found there, `path` is clean
        // exactly when its last component joins cleanly ([`clean_below`]); otherwise
        // the whole path is checked, so that a bad path is `BadPath`, not `NotFound`.
        let Some((at, parent, id)) = found else {
            check(path)?;
            return Err(FsError::NotFound);
        };
        if !clean_below(path, at) {
            return Err(FsError::BadPath);
        }
        match self.paths.entry(id).kind {
            Kind::File(_) => Err(FsError::NotDir),
            Kind::Dir => Ok((parent, id)),
        }
    }

    pub fn touch(&mut self, path: &str, now: SimTime) {
        if let Some(e) = self.get_mut(path) {
            e.mtime = now;
        }
    }

    /// Adds a new entry and bumps its parent's mtime.
    pub fn insert_new(&mut self, path: &str, kind: Kind, now: SimTime) -> Result<(), FsError> {
        let (_, parent) = self.parent_id(path)?;
        let h = hash(path);
        if self.paths.find_hashed(path, h).is_some() {
            return Err(FsError::Exists);
        }
        self.paths.insert(path, h, Entry { kind, mtime: now });
        self.paths.entry_mut(parent).mtime = now;
        Ok(())
    }

    /// `mkdir -p path`: creates every missing directory, from the top down, each
    /// bumping its parent's mtime; fine if it exists as a directory.
    pub fn mkdir_p(&mut self, path: &str, now: SimTime) -> Result<(), FsError> {
        check(path)?;
        self.ensure_dir(path, now).map(|_| ())
    }

    /// The slot of the directory `path` (a clean path), made with its missing
    /// ancestors if need be: each level is looked up once and created under the slot
    /// of its parent, with no second lookup.
    fn ensure_dir(&mut self, path: &str, now: SimTime) -> Result<u32, FsError> {
        let h = hash(path);
        if let Some(id) = self.paths.find_hashed(path, h) {
            return match self.paths.entry(id).kind {
                Kind::Dir => Ok(id),
                Kind::File(_) => Err(FsError::NotDir),
            };
        }
        let up = self.ensure_dir(parent(path).expect("`/` always exists"), now)?;
        let id = self.paths.insert(path, h, Entry { kind: Kind::Dir, mtime: now });
        self.paths.entry_mut(up).mtime = now;
        Ok(id)
    }

    /// The paths strictly below `dir`, in path order.
    pub fn descendants(&self, dir: &str) -> Vec<String> {
        let mut below: Vec<String> =
            self.paths.live().filter(|(_, p, _)| is_below(p, dir)).map(|(_, p, _)| p.to_string()).collect();
        below.sort_unstable();
        below
    }

    /// The slots strictly below `dir`, in no particular order.
    fn ids_below(&self, dir: &str) -> Vec<u32> {
        self.paths.live().filter(|(_, p, _)| is_below(p, dir)).map(|(id, _, _)| id).collect()
    }

    /// Whether the directory `dir` has any entry below it.
    pub fn has_descendants(&self, dir: &str) -> bool {
        self.paths.live().any(|(_, p, _)| is_below(p, dir))
    }

    /// Calls `f` with the name of each of `dir`'s direct children, in sorted order.
    pub fn for_each_child(&self, dir: &str, f: impl FnMut(&str)) {
        let skip = if dir == "/" { 1 } else { dir.len() + 1 };
        let mut names: Vec<&str> = self
            .paths
            .live()
            .filter(|(_, p, _)| is_below(p, dir))
            .map(|(_, p, _)| &p[skip..])
            .filter(|name| !name.contains('/'))
            .collect();
        names.sort_unstable();
        names.into_iter().for_each(f);
    }

    /// Removes `path` and everything below it in one step (no mtime changes);
    /// returns whether `path` was there.
    pub fn remove_subtree(&mut self, path: &str) -> bool {
        let Some(id) = self.paths.find(path) else { return false };
        for below in self.ids_below(path) {
            self.paths.remove(below);
        }
        self.paths.remove(id);
        true
    }

    /// Removes one entry (a file, or an empty directory) and bumps its parent.
    pub fn remove_one(&mut self, path: &str, now: SimTime) -> Result<(), FsError> {
        if path == "/" {
            return Err(FsError::BadPath);
        }
        // A path found in the index is clean; only a missing one needs the check.
        let Some(id) = self.paths.find(path) else {
            check(path)?;
            return Err(FsError::NotFound);
        };
        if matches!(self.paths.entry(id).kind, Kind::Dir) && self.has_descendants(path) {
            return Err(FsError::NotEmpty);
        }
        self.paths.remove(id);
        if let Some(p) = parent(path) {
            self.touch(p, now);
        }
        Ok(())
    }

    /// Moves `from` (and its subtree) to `to`, replacing a file or an empty directory.
    pub fn rename(&mut self, from: &str, to: &str, now: SimTime) -> Result<(), FsError> {
        // A path found in the index is clean; errors keep their order: a bad `from`,
        // then what is wrong with `to`, then a missing `from`.
        let from_id = self.paths.find(from);
        if from_id.is_none() {
            check(from)?;
        }
        let (_, to_parent) = self.parent_id(to)?;
        let Some(from_id) = from_id else { return Err(FsError::NotFound) };
        let from_is_dir = matches!(self.paths.entry(from_id).kind, Kind::Dir);
        if from == to {
            return Ok(());
        }
        if from == "/" || is_below(to, from) {
            return Err(FsError::BadPath);
        }
        let target = self.paths.find(to);
        if let Some(t) = target {
            match (&self.paths.entry(t).kind, from_is_dir) {
                (Kind::Dir, false) => return Err(FsError::IsDir),
                (Kind::File(_), true) => return Err(FsError::NotDir),
                (Kind::Dir, true) if self.has_descendants(to) => return Err(FsError::NotEmpty),
                _ => {}
            }
        }
        match (target, from_is_dir) {
            // A file onto a file: the entry takes the target's place.
            (Some(t), false) => {
                let entry = self.paths.remove(from_id);
                *self.paths.entry_mut(t) = entry;
            }
            (target, true) => {
                if let Some(t) = target {
                    self.paths.remove(t);
                }
                let mut moved = String::new();
                for id in self.ids_below(from) {
                    moved.clear();
                    moved.push_str(to);
                    moved.push_str(&self.paths.path(id)[from.len()..]);
                    self.paths.rename(id, &moved);
                }
                self.paths.rename(from_id, to);
            }
            (None, false) => self.paths.rename(from_id, to),
        }
        if let Some(p) = parent(from) {
            self.touch(p, now);
        }
        self.paths.entry_mut(to_parent).mtime = now;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every string up to `len` bytes over an alphabet of path characters.
    fn strings(len: usize) -> Vec<String> {
        let mut all = vec![String::new()];
        let mut last = vec![String::new()];
        for _ in 0..len {
            last = last.iter().flat_map(|s| ["/", ".", "a", "b", "f"].map(|c| format!("{s}{c}"))).collect();
            all.extend(last.iter().cloned());
        }
        all
    }

    /// `insert_new`, `remove_one` and `rename` judge a path by its parent's slot and
    /// its last component ([`clean_below`]) instead of checking it whole: the same
    /// error, in the same order, as checking it first, for every short path.
    #[test]
    fn the_junction_check_agrees_with_the_whole_path_check() {
        let mut t = Tree::new();
        for dir in ["/a", "/a/.", "/a/b", "/b", "/a/b/."] {
            t.insert_new(dir, Kind::Dir, SimTime::ZERO).unwrap();
        }
        t.insert_new("/f", Kind::File(FileData { contents: String::new(), durable: None }), SimTime::ZERO).unwrap();
        let checked_first = |t: &Tree, path: &str| -> Result<(), FsError> {
            check(path)?;
            let parent = parent(path).ok_or(FsError::Exists)?;
            match t.get(parent) {
                None => Err(FsError::NotFound),
                Some(Entry { kind: Kind::File(_), .. }) => Err(FsError::NotDir),
                Some(_) if t.get(path).is_some() => Err(FsError::Exists),
                Some(_) => Ok(()),
            }
        };
        for path in strings(6) {
            let expected = checked_first(&t, &path);
            assert_eq!(t.insert_new(&path, Kind::Dir, SimTime::ZERO), expected, "insert_new({path:?})");
            if expected.is_ok() {
                t.remove_one(&path, SimTime::ZERO).unwrap();
            }
            if t.get(&path).is_none() {
                let expected =
                    check(&path).and(if path == "/" { Err(FsError::BadPath) } else { Err(FsError::NotFound) });
                assert_eq!(t.remove_one(&path, SimTime::ZERO), expected, "remove_one({path:?})");
                let expected = check(&path).and(Err(FsError::NotFound));
                assert_eq!(t.rename(&path, "/z", SimTime::ZERO), expected, "rename({path:?}, /z)");
            }
        }
    }
}
