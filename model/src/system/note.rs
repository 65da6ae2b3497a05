//! Notes laid out in a reused buffer and hashed in one piece ([`sim::Sim::note_str`]),
//! the note builder the prewarm and lease models share.
//!
//! An eve process of prewarm notes about 16 lines a run (`eve301@host0: mkdir
//! /locks/tpl0.lock: acquired`), a lease client three or four a round, with grants,
//! times and answers in them. Through `format_args!` each piece was a call into the
//! formatting machinery and a write into the note hasher: about 830 instructions a
//! note, 8.5% of a prewarm v0 run and 4% of a lease run. A [`Line`] gathers the bytes
//! first and the hasher reads them once. The text is exactly what the `format!` of the
//! same note makes (the tests compare), so the trace hash is the same.
//!
//! Why one buffer a world ([`NoteBuffer`]), lent to each note and given back: a `Line`
//! of its own would allocate a `String` per note (session 9 measured lease 3.3% slower
//! so), and a stack buffer is zeroed for every note and needs a UTF-8 check to give a
//! `&str`. A lent `String` does neither once it has grown to the longest note.

use std::cell::Cell;

use sim::{NodeId, Sim, SimTime};

/// A note's text under construction, built in place through `&mut`, in a buffer the
/// world lends for every note ([`Line::reusing`], [`NoteBuffer`]): no allocation once
/// it has grown to the longest note, and no check of the bytes (a stack buffer needed
/// one to give a `&str`).
#[derive(Default)]
pub struct Line {
    text: String,
}

impl Line {
    pub fn new() -> Line {
        Line::default()
    }

    /// A line written into `buffer`'s room (its text is dropped).
    #[inline]
    pub fn reusing(mut buffer: String) -> Line {
        buffer.clear();
        Line { text: buffer }
    }

    /// Appends `s`.
    #[inline]
    pub fn str(&mut self, s: &str) -> &mut Line {
        self.text.push_str(s);
        self
    }

    /// Appends `n` as `{n}` writes it.
    #[inline]
    pub fn num(&mut self, n: u64) -> &mut Line {
        self.text.push_str(itoa::Buffer::new().format(n));
        self
    }

    /// Appends `t` as `{t}` writes a [`SimTime`]: seconds, a point, three decimals, `s`.
    pub fn time(&mut self, t: SimTime) -> &mut Line {
        let ms = t.as_ms();
        let frac = ms % 1000;
        self.num(ms / 1000);
        for c in ['.', digit(frac / 100), digit(frac / 10), digit(frac), 's'] {
            self.text.push(c);
        }
        self
    }

    /// The text so far, for [`sim::Sim::note_str`].
    #[inline]
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The buffer, to lend to the next note.
    #[inline]
    pub fn into_buffer(self) -> String {
        self.text
    }
}

/// The buffer a world lends each of its notes: one `String`, allocated once a run
/// with room for the longest note, taken by a [`Line`] and given back once noted.
pub struct NoteBuffer(Cell<String>);

impl NoteBuffer {
    /// A buffer with room for `room` bytes, so that it does not grow in a run.
    pub fn with_room(room: usize) -> NoteBuffer {
        NoteBuffer(Cell::new(String::with_capacity(room)))
    }

    /// An empty line in the buffer; give it back with [`NoteBuffer::done`] once noted
    /// (a line not given back only costs the next note an allocation).
    #[inline]
    pub fn line(&self) -> Line {
        Line::reusing(self.0.take())
    }

    /// Takes back the buffer of a noted line.
    #[inline]
    pub fn done(&self, line: Line) {
        self.0.set(line.into_buffer());
    }

    /// Notes, as `node`, the text `body` lays out in the buffer.
    #[inline]
    pub fn note(&self, sim: &Sim, node: NodeId, body: impl FnOnce(&mut Line)) {
        let mut line = self.line();
        body(&mut line);
        sim.note_str(node, line.as_str());
        self.done(line);
    }
}

/// The last decimal digit of `n`.
fn digit(n: u64) -> char {
    char::from(b'0' + (n % 10) as u8)
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

    /// A reused buffer starts empty, whatever it held.
    #[test]
    fn a_reused_buffer_starts_empty() {
        let mut line = Line::new();
        line.str("kill -9 ").str("eve301@host0");
        let mut again = Line::reusing(line.into_buffer());
        again.str("é").num(7);
        assert_eq!(again.as_str(), "é7");
    }

    /// A line given back lends its room to the next: the buffer does not allocate again.
    #[test]
    fn a_buffer_given_back_is_lent_again() {
        let buffer = NoteBuffer::with_room(16);
        let mut line = buffer.line();
        line.str("grant ").num(12);
        let room = line.as_str().as_ptr();
        buffer.done(line);
        let mut again = buffer.line();
        assert_eq!(again.str("x").as_str(), "x");
        assert_eq!(again.as_str().as_ptr(), room);
    }
}
