//! The lease client's notes, each laid out on the stack and hashed in one piece
//! ([`sim::Sim::note_str`]).
//!
//! A client notes three or four lines per round, with grants, times and answers in
//! them; through `format_args!` each piece is one call into the formatting machinery
//! and one write into the hasher, and each number a pass through the integer
//! formatter: about 800 instructions a note, 4% of a lease run. A [`Line`] gathers
//! the bytes first and the hasher reads them once. The text is exactly what the
//! `format!` of the same note makes (the tests compare), so the trace hash is the same.

use sim::{NetError, SimTime};

use crate::substrate::storage::WriteOutcome;

/// Room for the longest note: its fixed words (under 64 bytes) and two numbers of at
/// most 22 bytes each.
const ROOM: usize = 128;

/// A note's text under construction, handed to [`sim::Sim::note_str`] whole. Built
/// in place through `&mut`: the buffer is never moved (a by-value builder copied it
/// at every piece).
pub(super) struct Line {
    bytes: [u8; ROOM],
    len: usize,
}

impl Line {
    pub(super) fn new() -> Line {
        Line { bytes: [0; ROOM], len: 0 }
    }

    /// Appends `s` (ASCII or not: whole `str`s keep the text UTF-8).
    pub(super) fn str(&mut self, s: &str) -> &mut Line {
        self.push(s.as_bytes());
        self
    }

    /// Appends `n` as `{n}` writes it.
    pub(super) fn num(&mut self, n: u64) -> &mut Line {
        self.push(itoa::Buffer::new().format(n).as_bytes());
        self
    }

    /// Appends `t` as `{t}` writes a [`SimTime`]: seconds, a point, three decimals, `s`.
    pub(super) fn time(&mut self, t: SimTime) -> &mut Line {
        let ms = t.as_ms();
        let frac = ms % 1000;
        let tail = [b'.', b'0' + (frac / 100) as u8, b'0' + (frac / 10 % 10) as u8, b'0' + (frac % 10) as u8, b's'];
        self.num(ms / 1000);
        self.push(&tail);
        self
    }

    /// Appends a storage answer as `{answer:?}` writes it.
    pub(super) fn answer(&mut self, answer: Result<WriteOutcome, NetError>) -> &mut Line {
        match answer {
            Ok(WriteOutcome::Accepted) => self.str("Ok(Accepted)"),
            Ok(WriteOutcome::Rejected { highest }) => self.str("Ok(Rejected { highest: ").num(highest).str(" })"),
            Err(NetError::Timeout) => self.str("Err(Timeout)"),
        }
    }

    fn push(&mut self, piece: &[u8]) {
        let end = self.len + piece.len();
        self.bytes[self.len..end].copy_from_slice(piece);
        self.len = end;
    }
}

impl Line {
    /// The text so far, for [`sim::Sim::note_str`].
    pub(super) fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..self.len]).expect("whole strs and ASCII digits")
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
            assert_eq!(Line::new().str("until ").time(t).str(" by").as_str(), format!("until {t} by"));
        }
    }

    #[test]
    fn answers_read_as_debug_writes_them() {
        let answers = [
            Ok(WriteOutcome::Accepted),
            Ok(WriteOutcome::Rejected { highest: 0 }),
            Ok(WriteOutcome::Rejected { highest: u64::MAX }),
            Err(NetError::Timeout),
        ];
        for a in answers {
            assert_eq!(Line::new().str("write: ").answer(a).as_str(), format!("write: {a:?}"));
        }
    }

    /// The longest note the client writes fits.
    #[test]
    fn the_longest_note_fits() {
        let (g, t) = (u64::MAX, SimTime(u64::MAX));
        let mut line = Line::new();
        line.str("holds the lease under grant ").num(g).str(" until ").time(t).str(" by its clock");
        assert_eq!(line.as_str(), format!("holds the lease under grant {g} until {t} by its clock"));
        let answer = Ok(WriteOutcome::Rejected { highest: g });
        let mut line = Line::new();
        line.str("write under grant ").num(g).str(": ").answer(answer);
        assert_eq!(line.as_str(), format!("write under grant {g}: {answer:?}"));
    }
}
