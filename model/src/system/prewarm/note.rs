//! The prewarm model's notes, laid out on the stack and hashed in one piece
//! ([`sim::Sim::note_str`]).
//!
//! An eve process notes about 16 lines a run (`eve301@host0: mkdir /locks/tpl0.lock:
//! acquired`). Through `format_args!` each piece was a call into the formatting
//! machinery and a write into the note hasher: about 830 instructions a note, 8.5% of a
//! v0 run. A [`Line`] gathers the bytes first and the hasher reads them once. The text
//! is exactly what the `format!` of the same note makes (the tests compare), so the
//! trace hash is the same.

use sim::SimTime;

/// Room for every note the model writes: a label (under 48 bytes), a path (under 48)
/// and the fixed words. A longer text moves to the heap ([`Line::push`]), so no note
/// is ever cut.
const ROOM: usize = 192;

/// A note's text under construction, built in place through `&mut`.
pub struct Line {
    bytes: [u8; ROOM],
    /// Bytes used in `bytes`; past `ROOM` once the text lives in `spill`.
    len: usize,
    spill: String,
}

impl Default for Line {
    fn default() -> Line {
        Line::new()
    }
}

impl Line {
    #[inline]
    pub fn new() -> Line {
        Line { bytes: [0; ROOM], len: 0, spill: String::new() }
    }

    /// Appends `s`.
    #[inline]
    pub fn str(&mut self, s: &str) -> &mut Line {
        self.push(s);
        self
    }

    /// Appends `n` as `{n}` writes it.
    #[inline]
    pub fn num(&mut self, n: u64) -> &mut Line {
        self.push(itoa::Buffer::new().format(n));
        self
    }

    /// Appends `t` as `{t}` writes a [`SimTime`]: seconds, a point, three decimals, `s`.
    pub fn time(&mut self, t: SimTime) -> &mut Line {
        let ms = t.as_ms();
        let frac = ms % 1000;
        let tail = [b'.', b'0' + (frac / 100) as u8, b'0' + (frac / 10 % 10) as u8, b'0' + (frac % 10) as u8, b's'];
        self.num(ms / 1000);
        self.push(std::str::from_utf8(&tail).expect("ASCII"));
        self
    }

    #[inline]
    fn push(&mut self, piece: &str) {
        let end = self.len + piece.len();
        match self.bytes.get_mut(self.len..end) {
            Some(room) => {
                room.copy_from_slice(piece.as_bytes());
                self.len = end;
            }
            None => self.push_long(piece),
        }
    }

    /// A text longer than the room: it continues in `spill`.
    #[cold]
    #[inline(never)]
    fn push_long(&mut self, piece: &str) {
        if self.len <= ROOM {
            self.spill = self.as_str().to_string();
            self.len = ROOM + 1;
        }
        self.spill.push_str(piece);
    }

    /// The text so far, for [`sim::Sim::note_str`].
    pub fn as_str(&self) -> &str {
        if self.len > ROOM {
            return &self.spill;
        }
        std::str::from_utf8(&self.bytes[..self.len]).expect("only whole strs are pushed")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NUMBERS: [u64; 9] = [0, 1, 9, 10, 999, 1000, 12_345, 4_294_967_295, u64::MAX];

    #[test]
    fn numbers_and_times_read_as_format_writes_them() {
        for n in NUMBERS {
            assert_eq!(Line::new().str("g ").num(n).as_str(), format!("g {n}"));
            let t = SimTime(n);
            assert_eq!(Line::new().str("mtime ").time(t).str(")").as_str(), format!("mtime {t})"));
        }
    }

    /// A text past the room moves to the heap whole, at any split, UTF-8 or not.
    #[test]
    fn a_long_text_is_kept_whole() {
        for n in [ROOM - 2, ROOM - 1, ROOM, ROOM + 1, 3 * ROOM] {
            let body = "é".repeat(n / 2);
            let mut line = Line::new();
            line.str("x").str(&body).num(42).str(&body).str("!");
            assert_eq!(line.as_str(), format!("x{body}42{body}!"), "{n}");
        }
    }
}
