//! The lease client's notes: the model's one note builder ([`crate::system::note`]),
//! in a buffer the world lends each note, and the one piece only lease writes, a
//! storage answer.
//!
//! A client notes three or four lines per round, with grants, times and answers in
//! them; through `format_args!` each piece is one call into the formatting machinery
//! and one write into the hasher: about 800 instructions a note, 4% of a lease run.
//! The text is exactly what the `format!` of the same note makes (the tests compare),
//! so the trace hash is the same.

use sim::NetError;

use crate::substrate::storage::WriteOutcome;
use crate::system::note::Line;

/// Room for the longest note, so the world's note buffer does not grow in a run: its
/// fixed words (under 64 bytes) and two numbers of at most 22 bytes each.
pub(super) const ROOM: usize = 128;

/// A storage answer in a note.
pub(super) trait Answer {
    /// Appends a storage answer as `{answer:?}` writes it.
    fn answer(&mut self, answer: Result<WriteOutcome, NetError>) -> &mut Self;
}

impl Answer for Line {
    fn answer(&mut self, answer: Result<WriteOutcome, NetError>) -> &mut Line {
        match answer {
            Ok(WriteOutcome::Accepted) => self.str("Ok(Accepted)"),
            Ok(WriteOutcome::Rejected { highest }) => self.str("Ok(Rejected { highest: ").num(highest).str(" })"),
            Err(NetError::Timeout) => self.str("Err(Timeout)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use sim::SimTime;

    use super::*;

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

    /// The longest notes the client writes read as `format!` writes them and fit the
    /// buffer's room.
    #[test]
    fn the_longest_note_fits() {
        let (g, t) = (u64::MAX, SimTime(u64::MAX));
        let mut line = Line::new();
        line.str("holds the lease under grant ").num(g).str(" until ").time(t).str(" by its clock");
        assert_eq!(line.as_str(), format!("holds the lease under grant {g} until {t} by its clock"));
        assert!(line.as_str().len() <= ROOM);
        let answer = Ok(WriteOutcome::Rejected { highest: g });
        let mut line = Line::new();
        line.str("write under grant ").num(g).str(": ").answer(answer);
        assert_eq!(line.as_str(), format!("write under grant {g}: {answer:?}"));
        assert!(line.as_str().len() <= ROOM);
    }
}
