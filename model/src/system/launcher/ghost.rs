//! Ghost state: what the invariants need to know that no actor of the real system
//! records. Which tabs are inside a create right now, which skill installs committed,
//! which installs are writing a sandbox's config files, who holds an install lease,
//! and the moments a protocol rule was broken inside an atomic mutation (a live
//! holder's lock reclaimed, a result published under a lock no longer held), which
//! leave no trace in the tables once the mutation is over.

use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

/// A create in flight: the tab that holds the create lock, and its placeholder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Creator {
    pub user: u32,
    pub placeholder: u64,
}

/// One create activity: its tab and what it holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Creating {
    pub tab: u32,
    pub creator: Creator,
}

/// Who acquired a placeholder, and since when its holder can no longer finish.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlaceholderOwner {
    pub tab: u32,
    /// The life (incarnation) of the tab that acquired it.
    pub life: u32,
    /// When the activity that acquired it ended without handing it off (a failed
    /// create or handoff); a crash of the tab is read from the engine instead.
    pub abandoned_at: Option<sim::SimTime>,
}

#[derive(Default)]
pub struct GhostState {
    /// Create activities between acquiring the create lock and the end of their
    /// create, by a ghost id (one tab may run two at once).
    pub creators: BTreeMap<u64, Creating>,
    next_creator: u64,
    /// Every placeholder a tab acquired, by record id (I5, I6, L2).
    pub placeholder_owners: BTreeMap<u64, PlaceholderOwner>,
    /// When the earliest of them still recorded as abandoned was abandoned (the
    /// footprint reads the clocks only once that is older than the liveness bound).
    earliest_abandoned: Option<sim::SimTime>,
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
    /// The last config write begun on each sandbox (I8 names it when it made the
    /// record's hash untrue).
    pub config_writes: BTreeMap<u64, ConfigWrite>,
    next_seq: u64,
}

impl GhostState {
    fn seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
    }
}

/// The launch that last set a record's `configHash`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HashPublisher {
    pub tab: u32,
    /// Whether that launch wrote the config files (a create writes them too).
    pub wrote_files: bool,
    /// The hash it set.
    pub hash: u64,
    /// Orders publishes and config writes (see [`GhostState::config_writes`]).
    pub seq: u64,
}

/// The last config write begun on a sandbox, and what became of its hash publish.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigWrite {
    pub tab: u32,
    pub config: u64,
    pub at: sim::SimTime,
    pub seq: u64,
    /// Why the writer's publish failed, once it has.
    pub publish_failed: Option<String>,
}

/// Shared ghost state. Clones share it.
#[derive(Clone, Default)]
pub struct Ghost(Rc<sim::Tracked<GhostState>>);

impl Ghost {
    pub fn borrow(&self) -> std::cell::Ref<'_, GhostState> {
        self.0.borrow()
    }

    pub fn borrow_mut(&self) -> std::cell::RefMut<'_, GhostState> {
        self.0.borrow_mut()
    }

    /// The ghost state's write count, for what an invariant reads.
    pub fn writes(&self) -> u64 {
        self.0.writes()
    }

    /// Records that `invariant` was broken, keeping the first explanation.
    pub fn broke(&self, invariant: &'static str, why: String) {
        self.0.borrow_mut().broken.entry(invariant).or_insert(why);
    }

    /// Records, inside the mutation that set it, who set `record`'s `configHash`.
    pub fn published_hash(&self, record: u64, tab: u32, wrote_files: bool, hash: u64) {
        let mut g = self.0.borrow_mut();
        let seq = g.seq();
        g.hash_publishers.insert(record, HashPublisher { tab, wrote_files, hash, seq });
    }

    /// Records that `tab` begins writing `config` into `sandbox`'s files.
    pub fn config_write_started(&self, sandbox: u64, tab: u32, config: u64, at: sim::SimTime) {
        let mut g = self.0.borrow_mut();
        let seq = g.seq();
        g.config_writes.insert(sandbox, ConfigWrite { tab, config, at, seq, publish_failed: None });
    }

    /// Records that `tab`'s hash publish for `sandbox` failed, if its write is the last.
    pub fn publish_failed(&self, sandbox: u64, tab: u32, why: String) {
        if let Some(w) = self.0.borrow_mut().config_writes.get_mut(&sandbox).filter(|w| w.tab == tab) {
            w.publish_failed.get_or_insert(why);
        }
    }

    pub fn nonce(&self) -> u64 {
        let mut g = self.0.borrow_mut();
        g.next_nonce += 1;
        g.next_nonce
    }

    /// Marks `tab` as creating until the returned guard drops (the create ends or the
    /// tab dies: a dead tab creates nothing, though its sandbox may still boot).
    /// When the guard drops, the placeholder is marked abandoned at that moment: it is
    /// deleted by a handoff that follows, or it stays behind a holder that ended.
    pub fn creating(&self, sim: &sim::Sim, tab: u32, creator: Creator) -> CreatorGuard {
        let mut g = self.0.borrow_mut();
        g.next_creator += 1;
        let id = g.next_creator;
        g.creators.insert(id, Creating { tab, creator });
        CreatorGuard { ghost: self.clone(), id, placeholder: creator.placeholder, sim: sim.clone() }
    }

    /// The tab that holds `placeholder` and is still creating, if any.
    pub fn creator_of(&self, placeholder: u64) -> Option<u32> {
        self.0.borrow().creators.values().find(|c| c.creator.placeholder == placeholder).map(|c| c.tab)
    }

    /// Records, inside the mutation that granted it, that `tab` (life `life`) holds
    /// `placeholder`.
    pub fn acquired_placeholder(&self, placeholder: u64, tab: u32, life: u32) {
        let owner = PlaceholderOwner { tab, life, abandoned_at: None };
        let mut g = self.0.borrow_mut();
        if g.placeholder_owners.insert(placeholder, owner).is_some_and(|old| old.abandoned_at.is_some()) {
            g.earliest_abandoned = g.placeholder_owners.values().filter_map(|o| o.abandoned_at).min();
        }
    }

    /// When the earliest recorded abandonment of a placeholder happened, if any.
    pub fn earliest_abandoned(&self) -> Option<sim::SimTime> {
        self.0.borrow().earliest_abandoned
    }

    /// The tab that acquired `placeholder`, if a tab did.
    pub fn placeholder_owner(&self, placeholder: u64) -> Option<u32> {
        self.0.borrow().placeholder_owners.get(&placeholder).map(|o| o.tab)
    }

    /// Marks `placeholder` as abandoned at `now` by the activity that held it.
    pub fn abandoned_placeholder(&self, placeholder: u64, now: sim::SimTime) {
        let mut g = self.0.borrow_mut();
        if let Some(o) = g.placeholder_owners.get_mut(&placeholder).filter(|o| o.abandoned_at.is_none()) {
            o.abandoned_at = Some(now);
            g.earliest_abandoned = Some(g.earliest_abandoned.map_or(now, |t| t.min(now)));
        }
    }

    /// Records I6 if `old`, reclaimed by `reclaimer`, still had a live creator; the
    /// message says whether the tab reclaimed its own lock.
    pub fn check_reclaim(&self, old: u64, reclaimer: u32, lock: &str) {
        self.0.borrow_mut().reclaimed.insert(old);
        let Some(holder) = self.creator_of(old) else { return };
        let why = if holder == reclaimer {
            format!(
                "tab{holder} reclaimed its own {lock} (placeholder {old}) as stale while an earlier launch of the same \
                 tab was still creating under it"
            )
        } else {
            format!("tab{reclaimer} reclaimed the {lock} of tab{holder} (placeholder {old}), still creating, as stale")
        };
        self.broke("no-premature-reclaim", why);
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
    id: u64,
    placeholder: u64,
    sim: sim::Sim,
}

impl Drop for CreatorGuard {
    fn drop(&mut self) {
        self.ghost.0.borrow_mut().creators.remove(&self.id);
        self.ghost.abandoned_placeholder(self.placeholder, self.sim.now());
    }
}
