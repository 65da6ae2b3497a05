//! Ghost state: what the invariants need to know and the files alone do not say.
//! The model reports each step here (a write and the facts it promises, a lock it
//! waits for or holds, a process ID it picked, a fork's reads of the checkout, the
//! abort), and the ghost keeps the first violation of each kind with the names of
//! the actors involved, so a timeline says who lost whose update.

use std::collections::{BTreeMap, BTreeSet};

use crate::system::tools::docs::Fact;

/// A fact a write promised, and who wrote it.
#[derive(Clone, Debug)]
struct Promise {
    file: String,
    fact: Fact,
    by: String,
}

/// One sibling call as L6 sees it: every resource it will touch, and those it
/// touches in its current phase.
#[derive(Clone, Debug, Default)]
pub struct CallRecord {
    pub label: String,
    /// Resources are named by constants (paths, `task-service`, `processes`), so
    /// the sets hold the names themselves, not copies.
    pub resources: BTreeSet<&'static str>,
    pub phase: String,
    pub phase_resources: BTreeSet<&'static str>,
}

/// Everything the invariants read that is not in the files.
#[derive(Debug, Default)]
pub struct Ghost {
    promises: Vec<Promise>,
    /// I7: the first lost update.
    pub lost_update: Option<String>,
    /// I1: who is between the read and the write of a read-modify-write, per file.
    rmw: BTreeMap<String, Vec<String>>,
    pub rmw_overlap: Option<String>,
    /// I9: the checkout after each write to it (index = epoch), and the first torn fork.
    checkout: Vec<Vec<String>>,
    pub torn_snapshot: Option<String>,
    /// I10: processes between ID choice and registration, and registered ones.
    in_flight: Vec<(String, String)>,
    registered: BTreeMap<String, String>,
    pub id_clash: Option<String>,
    /// I13: the calls that had begun their side effects when the abort fired.
    aborted: bool,
    begun: BTreeSet<String>,
    begun_at_abort: BTreeSet<String>,
    pub late_side_effect: Option<String>,
    /// L6: sibling calls, lock waits and lock holders (by lock name).
    pub calls: BTreeMap<String, CallRecord>,
    pub waits: Vec<(String, String)>,
    pub holders: Vec<(String, String)>,
    /// What an actor outside the stream is doing now (`ui (syncGatewayLifecycle)`).
    pub roles: BTreeMap<String, String>,
    /// Calls that have returned.
    pub finished: BTreeSet<String>,
}

/// [`Ghost::describe`] without the copy, from the two maps it reads (so that a
/// caller may hold it while it changes the ghost's other fields).
fn name_of<'a>(
    calls: &'a BTreeMap<String, CallRecord>,
    roles: &'a BTreeMap<String, String>,
    owner: &'a str,
) -> &'a str {
    match (calls.get(owner), roles.get(owner)) {
        (Some(c), _) => &c.label,
        (None, Some(role)) => role,
        (None, None) => owner,
    }
}

impl Ghost {
    // ---- I7 and I1 -------------------------------------------------------------

    /// How messages name `owner`: a call by its tool, another actor by its role.
    pub fn describe(&self, owner: &str) -> String {
        name_of(&self.calls, &self.roles, owner).to_string()
    }

    /// `by` wrote `text` to `file`, promising `facts`. Facts of others that no longer
    /// hold were lost by this write.
    pub fn wrote(&mut self, file: &str, by: &str, text: &str, facts: Vec<Fact>) {
        let by = name_of(&self.calls, &self.roles, by);
        // A removal replaces the facts about its key (an add it undoes).
        let replaced = |k: &str| facts.iter().any(|f| f.key() == Some(k));
        self.promises.retain(|p| p.file != file || p.fact.key().is_none_or(|k| !replaced(k)));
        // Promises that no longer hold are reported once (the first, in promise
        // order); keep only the live ones. Each fact is judged once.
        let lost_update = &mut self.lost_update;
        self.promises.retain(|p| {
            let live = p.file != file || p.fact.holds(text);
            if !live && lost_update.is_none() {
                *lost_update = Some(format!(
                    "{file}: {} (written by {}) is lost: {by} rewrote the file from a read that did not include it",
                    p.fact, p.by
                ));
            }
            live
        });
        for fact in facts {
            self.promises.push(Promise { file: file.to_string(), fact, by: by.to_string() });
        }
    }

    pub fn rmw_begin(&mut self, file: &str, by: &str) {
        let who = self.describe(by);
        let inside = self.rmw.entry(file.to_string()).or_default();
        if let Some(other) = inside.first() {
            if self.rmw_overlap.is_none() {
                self.rmw_overlap =
                    Some(format!("{who} reads {file} for a read-modify-write while {other} is inside one"));
            }
        }
        inside.push(who);
    }

    /// How many writers are inside a read-modify-write of `file` now.
    pub fn rmw_inside(&self, file: &str) -> usize {
        self.rmw.get(file).map_or(0, Vec::len)
    }

    pub fn rmw_end(&mut self, file: &str, by: &str) {
        let who = name_of(&self.calls, &self.roles, by);
        if let Some(inside) = self.rmw.get_mut(file) {
            if let Some(i) = inside.iter().position(|x| x == who) {
                inside.remove(i);
            }
        }
    }

    // ---- I9 --------------------------------------------------------------------

    /// The checkout's files after a write; returns the new epoch.
    pub fn checkout_changed(&mut self, files: Vec<String>) -> usize {
        self.checkout.push(files);
        self.checkout.len() - 1
    }

    pub fn checkout_epoch(&self) -> usize {
        self.checkout.len().saturating_sub(1)
    }

    /// A fork read `reads[i]` = (contents, epoch at the read) of the checkout's file i.
    /// It is atomic if some state of the checkout between its first and last read
    /// equals what it read.
    pub fn fork_snapshot(&mut self, by: &str, reads: &[(String, usize)]) {
        let (Some(first), Some(last)) = (reads.iter().map(|r| r.1).min(), reads.iter().map(|r| r.1).max()) else {
            return;
        };
        let seen: Vec<&String> = reads.iter().map(|r| &r.0).collect();
        let atomic = (first..=last).any(|e| self.checkout[e].iter().zip(&seen).all(|(a, b)| a == *b));
        if !atomic && self.torn_snapshot.is_none() {
            let seen: Vec<&str> = seen.iter().map(|s| s.as_str()).collect();
            self.torn_snapshot = Some(format!(
                "{by}'s fork copied [{}], which the checkout never held at one instant (it changed {} times during the copy)",
                seen.join(", "),
                last - first
            ));
        }
    }

    // ---- I10 -------------------------------------------------------------------

    /// `by` picked process ID `id` for a process not yet registered.
    pub fn process_id_chosen(&mut self, by: &str, id: &str) {
        let clash = self.in_flight.iter().find(|(o, i)| i == id && o != by).map(|(o, _)| o.clone());
        let clash = clash.or_else(|| self.registered.get(id).filter(|o| *o != by).cloned());
        if let Some(other) = clash {
            if self.id_clash.is_none() {
                self.id_clash =
                    Some(format!("{by} chose process ID {id} (and its output directory) while {other} has it"));
            }
        }
        self.in_flight.push((by.to_string(), id.to_string()));
    }

    /// `processes.set(id)` by `by`: an overwrite of another's live entry is a clash.
    pub fn process_registered(&mut self, by: &str, id: &str) {
        self.process_abandoned(by, id);
        if let Some(other) = self.registered.insert(id.to_string(), by.to_string()) {
            if other != by && self.id_clash.is_none() {
                self.id_clash = Some(format!("processes.set({id}) by {by} overwrote {other}'s live process"));
            }
        }
    }

    /// The spawn or migration of `id` failed: it never registers.
    pub fn process_abandoned(&mut self, by: &str, id: &str) {
        if let Some(i) = self.in_flight.iter().position(|(o, x)| o == by && x == id) {
            self.in_flight.remove(i);
        }
    }

    // ---- I13 -------------------------------------------------------------------

    pub fn abort(&mut self) {
        self.aborted = true;
        self.begun_at_abort = self.begun.clone();
    }

    pub fn is_aborted(&self) -> bool {
        self.aborted
    }

    /// Call `by` begins its side effects (its locks are held).
    pub fn begin(&mut self, by: &str) {
        self.begun.insert(by.to_string());
    }

    pub fn has_begun(&self, by: &str) -> bool {
        self.begun.contains(by)
    }

    /// Sibling call `by` performs a side effect.
    pub fn side_effect(&mut self, by: &str, what: impl std::fmt::Display) {
        if self.aborted && !self.begun_at_abort.contains(by) && self.late_side_effect.is_none() {
            self.late_side_effect =
                Some(format!("{by} {what} after the stream was aborted, though it had not begun before the abort"));
        }
    }

    // ---- L6 --------------------------------------------------------------------

    pub fn call(&mut self, owner: &str, record: CallRecord) {
        self.calls.insert(owner.to_string(), record);
    }

    pub fn phase(&mut self, owner: &str, phase: &str, resources: &[&'static str]) {
        if let Some(c) = self.calls.get_mut(owner) {
            c.phase.clear();
            c.phase.push_str(phase);
            c.phase_resources.clear();
            c.phase_resources.extend(resources.iter().copied());
        }
    }

    pub fn waiting(&mut self, owner: &str, lock: &str) {
        self.waits.push((owner.to_string(), lock.to_string()));
    }

    pub fn acquired(&mut self, owner: &str, lock: &str) {
        // The wait's own names move to the holder (they are the same names).
        let held = match self.waits.iter().position(|(o, l)| o == owner && l == lock) {
            Some(i) => {
                let (o, l) = self.waits.remove(i);
                (l, o)
            }
            None => (lock.to_string(), owner.to_string()),
        };
        self.holders.push(held);
    }

    /// A wait that ended without the lock (its task was dropped).
    pub fn gave_up(&mut self, owner: &str, lock: &str) {
        if let Some(i) = self.waits.iter().position(|(o, l)| o == owner && l == lock) {
            self.waits.remove(i);
        }
    }

    pub fn released(&mut self, owner: &str, lock: &str) {
        if let Some(i) = self.holders.iter().position(|(l, o)| o == owner && l == lock) {
            self.holders.remove(i);
        }
    }
}
