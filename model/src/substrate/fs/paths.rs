//! Where the tree keeps its paths: an arena of slots (path, its hash, what lives
//! there) found through an open-addressing hash index.
//!
//! Why not a `BTreeMap<String, _>`: a model's paths share long prefixes
//! (`/home/.mux/config.json`, `/home/.mux/.config.json.tmp-3`), and a sorted map
//! compares a looked-up path with several neighbours, each a `memcmp` over that
//! prefix; every file system call looks up two or three paths. Here a lookup hashes
//! the path once and compares it with one slot's path. A freed slot keeps its path's
//! buffer for the next path, so a lock directory created and removed at every step
//! allocates nothing.
//!
//! Nothing here has an order a run can see: the slots' order depends on which slot
//! was free, and the tree sorts whatever it lists (see `tree.rs`).

/// One path: its text, its hash, and its entry (`None` once freed).
pub(super) struct Slot<E> {
    pub path: String,
    pub hash: u64,
    pub entry: Option<E>,
}

/// The paths of a tree and their entries. Invariant: a slot is in the index exactly
/// when its entry is `Some`.
pub(super) struct Paths<E> {
    pub slots: Vec<Slot<E>>,
    /// Slot ids by hash, `EMPTY` where none; the length is a power of two, at most
    /// half full.
    table: Vec<u32>,
    /// 64 minus log2 of the table's length: a hash's top bits are its home.
    shift: u32,
    live: usize,
    free: Vec<u32>,
}

const EMPTY: u32 = u32::MAX;

/// A path's hash: eight bytes at a time, multiply-rotate (FxHash's round); the index
/// reads its top bits, where the multiplications leave the most mixing. Fixed, so no
/// process-wide random state is involved; it only places slots in the index.
pub(super) fn hash(path: &str) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let round = |h: u64, w: u64| (h.rotate_left(5) ^ w).wrapping_mul(K);
    let b = path.as_bytes();
    let mut h = b.len() as u64;
    let (words, rest) = b.as_chunks::<8>();
    for w in words {
        h = round(h, u64::from_le_bytes(*w));
    }
    if !rest.is_empty() {
        h = round(h, tail_word(rest));
    }
    h
}

/// The 1 to 7 bytes `rest` as a little-endian word padded with zeros, read in two
/// overlapping loads rather than a byte at a time (every lookup hashes its path;
/// a test compares with the bytewise fold).
#[inline]
fn tail_word(rest: &[u8]) -> u64 {
    let n = rest.len();
    if n >= 4 {
        let lo = u64::from(u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]));
        let hi = u64::from(u32::from_le_bytes([rest[n - 4], rest[n - 3], rest[n - 2], rest[n - 1]]));
        // The overlapping bytes are the same in both: or-ing them changes nothing.
        lo | (hi << (8 * (n - 4)))
    } else {
        u64::from(rest[0]) | (u64::from(rest[n / 2]) << (8 * (n / 2))) | (u64::from(rest[n - 1]) << (8 * (n - 1)))
    }
}

impl<E> Paths<E> {
    pub fn new() -> Paths<E> {
        // Room for as many paths as the index takes before it grows: a model's first
        // paths (its directories, a lock, a file or two) are not reallocated one by one.
        Paths { slots: Vec::with_capacity(8), table: vec![EMPTY; 16], shift: 60, live: 0, free: Vec::new() }
    }

    fn home(&self, hash: u64) -> usize {
        (hash >> self.shift) as usize
    }

    /// The slot of `path` (whose hash is `hash`), if it has an entry.
    #[inline]
    pub fn find_hashed(&self, path: &str, hash: u64) -> Option<u32> {
        let mask = self.table.len() - 1;
        let mut i = self.home(hash);
        loop {
            let id = self.table[i];
            if id == EMPTY {
                return None;
            }
            let s = &self.slots[id as usize];
            if s.hash == hash && s.path == path {
                return Some(id);
            }
            i = (i + 1) & mask;
        }
    }

    #[inline]
    pub fn find(&self, path: &str) -> Option<u32> {
        self.find_hashed(path, hash(path))
    }

    pub fn entry(&self, id: u32) -> &E {
        self.slots[id as usize].entry.as_ref().expect("a live slot")
    }

    pub fn entry_mut(&mut self, id: u32) -> &mut E {
        self.slots[id as usize].entry.as_mut().expect("a live slot")
    }

    pub fn path(&self, id: u32) -> &str {
        &self.slots[id as usize].path
    }

    /// Adds `path` (not present; its hash is `hash`) with `entry`.
    pub fn insert(&mut self, path: &str, hash: u64, entry: E) -> u32 {
        let id = match self.free.pop() {
            Some(id) => {
                let s = &mut self.slots[id as usize];
                s.path.clear();
                s.path.push_str(path);
                s.hash = hash;
                s.entry = Some(entry);
                id
            }
            None => {
                self.slots.push(Slot { path: path.to_string(), hash, entry: Some(entry) });
                (self.slots.len() - 1) as u32
            }
        };
        self.index(id);
        id
    }

    /// Removes slot `id`'s path; returns its entry.
    pub fn remove(&mut self, id: u32) -> E {
        self.unindex(id);
        self.free.push(id);
        self.slots[id as usize].entry.take().expect("a live slot")
    }

    /// Gives slot `id` (live) the path `to` (not present), keeping its entry.
    pub fn rename(&mut self, id: u32, to: &str) {
        self.unindex(id);
        let s = &mut self.slots[id as usize];
        s.path.clear();
        s.path.push_str(to);
        s.hash = hash(to);
        self.index(id);
    }

    /// The live slots, in no particular order.
    pub fn live(&self) -> impl Iterator<Item = (u32, &str, &E)> + '_ {
        self.slots.iter().enumerate().filter_map(|(i, s)| s.entry.as_ref().map(|e| (i as u32, s.path.as_str(), e)))
    }

    pub fn entries_mut(&mut self) -> impl Iterator<Item = &mut E> + '_ {
        self.slots.iter_mut().filter_map(|s| s.entry.as_mut())
    }

    fn index(&mut self, id: u32) {
        if 2 * (self.live + 1) > self.table.len() {
            self.grow();
        }
        let mask = self.table.len() - 1;
        let mut i = self.home(self.slots[id as usize].hash);
        while self.table[i] != EMPTY {
            i = (i + 1) & mask;
        }
        self.table[i] = id;
        self.live += 1;
    }

    /// Takes `id` out of the index and shifts back the entries after it that had
    /// probed past its place (linear probing's deletion, no tombstones).
    fn unindex(&mut self, id: u32) {
        let mask = self.table.len() - 1;
        let mut hole = self.home(self.slots[id as usize].hash);
        while self.table[hole] != id {
            hole = (hole + 1) & mask;
        }
        let mut j = hole;
        loop {
            j = (j + 1) & mask;
            let moved = self.table[j];
            if moved == EMPTY {
                break;
            }
            let home = self.home(self.slots[moved as usize].hash);
            // `moved` may fill the hole unless its home lies cyclically in (hole, j].
            if (j.wrapping_sub(home) & mask) >= (j.wrapping_sub(hole) & mask) {
                self.table[hole] = moved;
                hole = j;
            }
        }
        self.table[hole] = EMPTY;
        self.live -= 1;
    }

    /// Doubles the table and places again the ids it held (not the live slots: the
    /// slot being indexed may be live already).
    fn grow(&mut self) {
        let len = 2 * self.table.len();
        let old = std::mem::replace(&mut self.table, vec![EMPTY; len]);
        self.shift -= 1;
        self.live = 0;
        for id in old.into_iter().filter(|&id| id != EMPTY) {
            self.index(id);
        }
    }

    /// The index holds each live slot once and nothing else (for tests).
    #[cfg(test)]
    fn check_index(&self) {
        let mut ids: Vec<u32> = self.table.iter().copied().filter(|&id| id != EMPTY).collect();
        ids.sort_unstable();
        let live: Vec<u32> = self.live().map(|(id, _, _)| id).collect();
        assert_eq!(ids, live);
        assert_eq!(self.live, live.len());
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    /// Inserts, removes and renames paths at random (a fixed generator) and checks
    /// every path against a `BTreeMap` after each change: growth, slot reuse and the
    /// backward shift of deletion all keep the index exact.
    #[test]
    fn the_index_finds_exactly_the_live_paths() {
        let mut paths: Paths<u32> = Paths::new();
        let mut model: BTreeMap<String, u32> = BTreeMap::new();
        let universe: Vec<String> = (0..200).map(|i| format!("/d{}/f{}", i % 7, i)).collect();
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |n: usize| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % n as u64) as usize
        };
        for step in 0..20_000u32 {
            let p = &universe[next(universe.len())];
            match (paths.find(p), next(3)) {
                (None, _) => {
                    paths.insert(p, hash(p), step);
                    model.insert(p.clone(), step);
                }
                (Some(id), 0) => {
                    assert_eq!(paths.remove(id), model.remove(p).unwrap());
                }
                (Some(id), _) => {
                    let to = &universe[next(universe.len())];
                    if paths.find(to).is_none() {
                        paths.rename(id, to);
                        let v = model.remove(p).unwrap();
                        model.insert(to.clone(), v);
                    }
                }
            }
            paths.check_index();
            if step % 97 == 0 {
                for q in &universe {
                    assert_eq!(paths.find(q).map(|id| *paths.entry(id)), model.get(q).copied(), "{q} at {step}");
                }
                assert_eq!(paths.live().count(), model.len());
            }
        }
    }

    /// The word-at-a-time hash is the bytewise one it replaced, for every length.
    #[test]
    fn the_hash_reads_paths_as_the_bytewise_fold_does() {
        let bytewise = |path: &str| {
            const K: u64 = 0x517c_c1b7_2722_0a95;
            let round = |h: u64, w: u64| (h.rotate_left(5) ^ w).wrapping_mul(K);
            let b = path.as_bytes();
            let mut h = b.len() as u64;
            let mut chunks = b.chunks_exact(8);
            for c in &mut chunks {
                h = round(h, c.iter().rev().fold(0u64, |w, &x| (w << 8) | u64::from(x)));
            }
            let rest = chunks.remainder();
            if !rest.is_empty() {
                h = round(h, rest.iter().rev().fold(0u64, |w, &x| (w << 8) | u64::from(x)));
            }
            h
        };
        let text = "/locks/tpl0.lock/owner.json/\u{e9}\u{ff}x/templates/tpl12/ready";
        for end in (0..=text.len()).filter(|&i| text.is_char_boundary(i)) {
            assert_eq!(hash(&text[..end]), bytewise(&text[..end]), "{}", &text[..end]);
        }
    }

    #[test]
    fn hashes_of_short_and_long_paths_differ() {
        let all = ["/", "/a", "/b", "/ab", "/a/b", "/home/.mux/config.json", "/home/.mux/config.jsoN"];
        let mut hashes: Vec<u64> = all.iter().map(|p| hash(p)).collect();
        hashes.sort_unstable();
        hashes.dedup();
        assert_eq!(hashes.len(), all.len());
    }
}
