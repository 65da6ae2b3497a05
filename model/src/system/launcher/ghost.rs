//! Ghost state: what the invariants need to know that no actor of the real system
//! records. Which tabs are inside a create right now, which skill installs committed,
//! which installs are writing a sandbox's config files, who holds an install lease,
//! and the moments a protocol rule was broken inside an atomic mutation (a live
//! holder's lock reclaimed, a result published under a lock no longer held), which
//! leave no trace in the tables once the mutation is over.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

/// A create in flight: the tab that holds the create lock, and its placeholder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Creator {
    pub user: u32,
    pub placeholder: u64,
}

#[derive(Default)]
pub struct GhostState {
    /// Tabs between acquiring the create lock and the end of their create, by tab.
    pub creators: BTreeMap<u32, Creator>,
    /// Skills whose install committed its record update, by record id (I7).
    pub committed_skills: BTreeMap<u64, BTreeSet<u32>>,
    /// Rule breaks seen inside mutations, by invariant name; the first one only.
    pub broken: BTreeMap<&'static str, String>,
    /// V0: tabs holding the `installing` mutex, with the skill they install (L6).
    pub installing: BTreeMap<u32, u32>,
    /// Placeholders another tab deleted as stale (I5: their creator may not publish).
    pub reclaimed: BTreeSet<u64>,
    /// The next placeholder nonce (`"pending-<nonce>"`).
    pub next_nonce: u64,
    /// Installs between the start of their config write and the end of their hash
    /// publish, by a ghost id: the sandbox they write (the config-hash-truthful check
    /// waits for them).
    pub config_writers: BTreeMap<u64, u64>,
    next_writer: u64,
    /// `proposed`: install-lease holders inside their critical section, with their tab.
    pub installers: BTreeMap<u64, u32>,
    /// Who last set each record's `configHash`, and whether that launch wrote the
    /// files itself: a violation of I8 names its cause with it.
    pub hash_publishers: BTreeMap<u64, HashPublisher>,
}

/// The launch that last set a record's `configHash`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HashPublisher {
    pub tab: u32,
    /// Whether that launch wrote the config files (a create writes them too).
    pub wrote_files: bool,
}

/// Shared ghost state. Clones share it.
#[derive(Clone, Default)]
pub struct Ghost(Rc<RefCell<GhostState>>);

impl Ghost {
    pub fn borrow(&self) -> std::cell::Ref<'_, GhostState> {
        self.0.borrow()
    }

    pub fn borrow_mut(&self) -> std::cell::RefMut<'_, GhostState> {
        self.0.borrow_mut()
    }

    /// Records that `invariant` was broken, keeping the first explanation.
    pub fn broke(&self, invariant: &'static str, why: String) {
        self.0.borrow_mut().broken.entry(invariant).or_insert(why);
    }

    /// Records, inside the mutation that set it, who set `record`'s `configHash`.
    pub fn published_hash(&self, record: u64, tab: u32, wrote_files: bool) {
        self.0.borrow_mut().hash_publishers.insert(record, HashPublisher { tab, wrote_files });
    }

    pub fn nonce(&self) -> u64 {
        let mut g = self.0.borrow_mut();
        g.next_nonce += 1;
        g.next_nonce
    }

    /// Marks `tab` as creating until the returned guard drops (the create ends or the
    /// tab dies: a dead tab creates nothing, though its sandbox may still boot).
    pub fn creating(&self, tab: u32, creator: Creator) -> CreatorGuard {
        self.0.borrow_mut().creators.insert(tab, creator);
        CreatorGuard { ghost: self.clone(), tab }
    }

    /// The tab that holds `placeholder` and is still creating, if any.
    pub fn creator_of(&self, placeholder: u64) -> Option<u32> {
        self.0.borrow().creators.iter().find(|(_, c)| c.placeholder == placeholder).map(|(t, _)| *t)
    }
}

/// Removes a ghost entry when the activity that made it ends or dies.
pub struct EntryGuard {
    ghost: Ghost,
    entry: Entry,
}

enum Entry {
    ConfigWriter(u64),
    Installer(u64),
}

impl Ghost {
    /// Marks a config write on `sandbox` as in flight until the guard drops: from
    /// before the files are written until the hash publish that follows has answered.
    pub fn writing_config(&self, sandbox: u64) -> EntryGuard {
        let mut g = self.0.borrow_mut();
        g.next_writer += 1;
        let id = g.next_writer;
        g.config_writers.insert(id, sandbox);
        EntryGuard { ghost: self.clone(), entry: Entry::ConfigWriter(id) }
    }

    /// `proposed`: marks install-lease `holder` (of `tab`) as inside its critical
    /// section until the guard drops.
    pub fn installing_under_lease(&self, holder: u64, tab: u32) -> EntryGuard {
        self.0.borrow_mut().installers.insert(holder, tab);
        EntryGuard { ghost: self.clone(), entry: Entry::Installer(holder) }
    }
}

impl Drop for EntryGuard {
    fn drop(&mut self) {
        let mut g = self.ghost.0.borrow_mut();
        match self.entry {
            Entry::ConfigWriter(id) => drop(g.config_writers.remove(&id)),
            Entry::Installer(holder) => drop(g.installers.remove(&holder)),
        }
    }
}

/// Removes a ghost entry of a tab when the activity that made it ends or dies.
pub struct InstallingGuard {
    ghost: Ghost,
    tab: u32,
}

impl Ghost {
    /// V0: marks `tab` as holding the `installing` mutex for `skill`.
    pub fn installing(&self, tab: u32, skill: u32) -> InstallingGuard {
        self.0.borrow_mut().installing.insert(tab, skill);
        InstallingGuard { ghost: self.clone(), tab }
    }
}

impl Drop for InstallingGuard {
    fn drop(&mut self) {
        self.ghost.0.borrow_mut().installing.remove(&self.tab);
    }
}

pub struct CreatorGuard {
    ghost: Ghost,
    tab: u32,
}

impl Drop for CreatorGuard {
    fn drop(&mut self) {
        self.ghost.0.borrow_mut().creators.remove(&self.tab);
    }
}
