//! The ghost: what an all-seeing observer knows and no process can read. Which
//! process is alive, which lock instance currently stands for a template and who
//! created it, who is inside a prewarm, who waits since when. The invariants judge
//! the run against it; the protocol code only reports its steps to it.

use std::collections::BTreeMap;

use sim::SimTime;

/// A process as the observer knows it (one per launch: a relaunch is a new one).
#[derive(Clone, Debug)]
pub struct ProcRec {
    pub label: String,
    pub host: usize,
    /// The pid namespace incarnation of its host when it started.
    pub ns: u32,
    pub pid: u32,
    pub alive: bool,
    pub died_at: Option<SimTime>,
}

/// One lock instance: a lock directory (or a generation) from creation to removal.
#[derive(Clone, Debug)]
pub struct Instance {
    pub template: usize,
    pub owner: usize,
    pub created_at: SimTime,
    /// Its owner record names the owner's pid (the waiter could check it).
    pub names_pid: bool,
    /// Created by a pre-upgrade process while the world runs a newer version.
    pub legacy: bool,
    pub gone_at: Option<SimTime>,
}

/// A process waiting for a template's lock.
#[derive(Clone, Debug)]
pub struct Wait {
    pub template: usize,
    pub since: SimTime,
}

/// The instance that currently holds each template's lock, by template: a map kept
/// as a vector by template number (templates are `0..n`, a handful), in the order of
/// a sorted map. A waiter looks its template up at every poll.
#[derive(Debug, Default)]
pub struct Current(Vec<Option<usize>>);

impl Current {
    pub fn get(&self, template: &usize) -> Option<&usize> {
        self.0.get(*template)?.as_ref()
    }

    pub fn contains_key(&self, template: &usize) -> bool {
        self.get(template).is_some()
    }

    /// Makes `inst` the holder of `template`; returns the one it replaces.
    pub fn insert(&mut self, template: usize, inst: usize) -> Option<usize> {
        if self.0.len() <= template {
            self.0.resize(template + 1, None);
        }
        self.0[template].replace(inst)
    }

    pub fn remove(&mut self, template: &usize) -> Option<usize> {
        self.0.get_mut(*template)?.take()
    }

    /// Each template that has a holder, and its instance, by template.
    pub fn iter(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.0.iter().enumerate().filter_map(|(t, inst)| inst.map(|i| (t, i)))
    }
}

#[derive(Debug, Default)]
pub struct Ghost {
    pub procs: Vec<ProcRec>,
    pub instances: Vec<Instance>,
    /// The instance that currently holds each template's lock.
    pub current: Current,
    /// Who is running a prewarm of each template: changed only by `enter_cs` and
    /// `leave_cs`, which count the change in `cs_changes`.
    in_cs: BTreeMap<usize, Vec<usize>>,
    /// How many times `in_cs` was changed (the footprint's part for I1).
    cs_changes: u64,
    /// Prewarms of each template that started and have not finished.
    pub writers: BTreeMap<usize, u32>,
    pub waiting: BTreeMap<usize, Wait>,
    /// Event-time violations (I5, I6, I14, L5, P2), first one of each kept: only
    /// ever added to (`break_`), so its length moves whenever one is.
    broken: BTreeMap<&'static str, String>,
}

impl Ghost {
    /// An empty ghost with room for the processes and lock instances of a typical run
    /// (a handful of each, relaunches included), so pushing them reallocates nothing.
    pub fn with_room() -> Ghost {
        Ghost { procs: Vec::with_capacity(8), instances: Vec::with_capacity(8), ..Ghost::default() }
    }

    pub fn alive(&self, proc: usize) -> bool {
        self.procs[proc].alive
    }

    pub fn break_(&mut self, invariant: &'static str, why: String) {
        self.broken.entry(invariant).or_insert(why);
    }

    /// Why `invariant` was broken, if it was (the first time).
    pub fn broken(&self, invariant: &str) -> Option<&String> {
        // Nearly always nothing is broken: no lookup by name then.
        if self.broken.is_empty() {
            return None;
        }
        self.broken.get(invariant)
    }

    /// How many invariants were broken: it grows whenever one more is.
    pub fn broken_count(&self) -> usize {
        self.broken.len()
    }

    /// Who is running a prewarm of each template.
    pub fn in_cs(&self) -> &BTreeMap<usize, Vec<usize>> {
        &self.in_cs
    }

    /// How many times [`Ghost::in_cs`] changed: unchanged means unchanged.
    pub fn cs_changes(&self) -> u64 {
        self.cs_changes
    }

    /// A new lock instance of `template` created by `owner`.
    pub fn created(&mut self, template: usize, owner: usize, now: SimTime) -> usize {
        let id = self.instances.len();
        self.instances.push(Instance {
            template,
            owner,
            created_at: now,
            names_pid: false,
            legacy: false,
            gone_at: None,
        });
        self.current.insert(template, id);
        id
    }

    /// The current instance of `template` is gone, ended by `by`: its own release
    /// (`release`), or a reclaim.
    pub fn ended(&mut self, template: usize, by: usize, release: bool, now: SimTime) {
        let Some(id) = self.current.remove(&template) else { return };
        self.instances[id].gone_at = Some(now);
        let owner = self.instances[id].owner;
        // The labels are copied only for a break (nearly every end breaks nothing);
        // `broken` is written as `break_` does, beside the borrowed labels.
        let (who, whose) = (&self.procs[by].label, &self.procs[owner].label);
        if release && owner != by {
            let why = format!("{who}'s release removed {whose}'s lock of template {template}");
            self.broken.entry("owner-only-release").or_insert(why);
        }
        if !release && self.procs[owner].alive {
            let why = format!("{who} reclaimed template {template}'s lock from {whose}, which is alive");
            self.broken.entry("no-premature-reclaim").or_insert(why);
        }
    }

    pub fn enter_cs(&mut self, template: usize, proc: usize) {
        self.cs_changes += 1;
        self.in_cs.entry(template).or_default().push(proc);
        *self.writers.entry(template).or_default() += 1;
    }

    pub fn leave_cs(&mut self, template: usize, proc: usize) {
        self.cs_changes += 1;
        if let Some(v) = self.in_cs.get_mut(&template) {
            v.retain(|p| *p != proc);
        }
        if let Some(w) = self.writers.get_mut(&template) {
            *w = w.saturating_sub(1);
        }
    }

    /// Why `proc` using template `template` (having seen it ready) breaks I14, if it
    /// does: someone is prewarming it. A read: the caller breaks the rule, so a use
    /// that breaks nothing writes nothing (and the footprint need not be computed).
    pub fn use_breaks(&self, template: usize, proc: usize) -> Option<String> {
        let writers = self.in_cs.get(&template).filter(|v| !v.is_empty())?;
        let writers: Vec<&str> = writers.iter().map(|p| self.procs[*p].label.as_str()).collect();
        let who = &self.procs[proc].label;
        Some(format!("{who} uses template {template} while {} is prewarming it", writers.join(", ")))
    }

    /// The process died: it leaves every prewarm and wait.
    pub fn died(&mut self, proc: usize, now: SimTime) {
        let p = &mut self.procs[proc];
        if !p.alive {
            return;
        }
        p.alive = false;
        p.died_at = Some(now);
        let templates: Vec<usize> = self.in_cs.iter().filter(|(_, v)| v.contains(&proc)).map(|(t, _)| *t).collect();
        for t in templates {
            self.leave_cs(t, proc);
        }
        self.waiting.remove(&proc);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `Current` answers as the sorted map it stands for, through any sequence.
    #[test]
    fn current_answers_as_a_sorted_map() {
        let (mut current, mut map) = (Current::default(), BTreeMap::new());
        for (k, step) in [3usize, 0, 3, 1, 0, 5, 1, 3, 2, 5, 0].iter().enumerate() {
            if k % 3 == 2 {
                assert_eq!(current.remove(step), map.remove(step));
            } else {
                assert_eq!(current.insert(*step, k), map.insert(*step, k));
            }
            for t in 0..7 {
                assert_eq!(current.get(&t), map.get(&t));
                assert_eq!(current.contains_key(&t), map.contains_key(&t));
            }
            assert_eq!(current.iter().collect::<Vec<_>>(), map.iter().map(|(t, i)| (*t, *i)).collect::<Vec<_>>());
        }
    }
}
