//! Model notes without a `String`: [`note!`](crate::note) hashes a note's formatted text
//! as it is written, and builds the text only when someone will read it.
//!
//! A note is part of the trace hash through the xxh3 of its text. `sim.note(node,
//! format!(..))` allocates and fills a `String` for every note, and a campaign's
//! hash-only run drops it right after hashing it. Here the formatted pieces are
//! gathered in a buffer on the stack and hashed with the one-shot `xxh3_64`; a text
//! too long for the buffer goes through xxh3's streaming hasher, which gives the same
//! digest however the bytes are split. Either way the trace hash is the one the
//! `String` would give, with no allocation. The text is still built when the trace
//! keeps its events ([`crate::TraceMode::Full`]: reports, `repro`) or when `tracing`
//! shows notes.

use std::fmt;

use xxhash_rust::xxh3::{xxh3_64, Xxh3Default};

use crate::executor::Sim;
use crate::node::NodeId;
use crate::trace::NoteText;

/// Records a model-level step in the model's own words, formatted as by `format!`:
/// `note!(sim, node, "acquires lock {}", id)`. The same event and trace hash as
/// `sim.note(node, format!(..))`, without building the text in a hash-only run.
#[macro_export]
macro_rules! note {
    ($sim:expr, $node:expr, $($text:tt)+) => {
        $sim.note_args($node, ::std::format_args!($($text)+))
    };
}

impl Sim {
    /// [`Sim::note`] from format arguments: see [`note!`](crate::note), which calls it.
    pub fn note_args(&self, node: NodeId, text: fmt::Arguments<'_>) {
        let (time, task) = (self.now(), self.k().current_task.get());
        // Formatted outside the trace's borrow: a `Display` may call back into the sim.
        let wants_text = self.k().trace.borrow().wants_note_text();
        let text = if wants_text { NoteText::Text(fmt::format(text)) } else { NoteText::Hash(text_hash(text)) };
        self.k().trace.borrow_mut().record_note(time, node, task, text);
    }

    /// [`Sim::note`] of a text the model laid out itself (in a buffer on its stack):
    /// hashed in one go, with no formatting pass, and copied into a `String` only
    /// when someone will read it. The same event and trace hash as `sim.note(node,
    /// text.to_string())`.
    pub fn note_str(&self, node: NodeId, text: &str) {
        let (time, task) = (self.now(), self.k().current_task.get());
        let wants_text = self.k().trace.borrow().wants_note_text();
        let text = if wants_text { NoteText::Text(text.to_string()) } else { NoteText::Hash(xxh3_64(text.as_bytes())) };
        self.k().trace.borrow_mut().record_note(time, node, task, text);
    }
}

/// The xxh3 of `text` formatted: `xxh3_64(format!("{text}").as_bytes())`, without the
/// `String`. Panics, as `format!` does, if a `Display` implementation fails.
pub(crate) fn text_hash(text: fmt::Arguments<'_>) -> u64 {
    if let Some(literal) = text.as_str() {
        // A literal is a static string: its xxh3 is cached by address (`trace.rs`).
        return crate::trace::label_text(literal);
    }
    let mut hasher = TextHasher { short: [0; SHORT], len: 0, long: None };
    fmt::write(&mut hasher, text).expect("a Display implementation returned an error unexpectedly");
    match hasher.long {
        None => xxh3_64(&hasher.short[..hasher.len]),
        Some(long) => long.digest(),
    }
}

/// Most notes are shorter than this: they are gathered on the stack and hashed in one
/// go; a longer one goes through the streaming hasher.
const SHORT: usize = 128;

/// Formatted text, fed to the hasher piece by piece.
struct TextHasher {
    short: [u8; SHORT],
    len: usize,
    long: Option<Box<Xxh3Default>>,
}

impl fmt::Write for TextHasher {
    fn write_str(&mut self, piece: &str) -> fmt::Result {
        let piece = piece.as_bytes();
        if let Some(long) = &mut self.long {
            long.update(piece);
        } else if let Some(room) = self.short.get_mut(self.len..self.len + piece.len()) {
            room.copy_from_slice(piece);
            self.len += piece.len();
        } else {
            let mut long = Box::new(Xxh3Default::new());
            long.update(&self.short[..self.len]);
            long.update(piece);
            self.long = Some(long);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ChoiceSource, EventKind, TraceMode};

    /// Texts around xxh3's size classes (16, 128, 240 bytes) and the streaming
    /// buffer (256 bytes), written in several pieces.
    fn lengths() -> impl Iterator<Item = usize> {
        [0, 1, 3, 16, 17, 100, 128, 129, 239, 240, 241, 255, 256, 257, 300, 511, 512, 1000, 1025].into_iter()
    }

    /// A note argument whose `Display` reads the trace, as a model's describer may.
    struct ReadsTheTrace(Sim);

    impl fmt::Display for ReadsTheTrace {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "after {} events", self.0.k().trace.borrow().len())
        }
    }

    #[test]
    fn a_note_argument_may_read_the_trace_while_it_is_formatted() {
        for mode in [TraceMode::HashOnly, TraceMode::Full] {
            let sim = Sim::new(ChoiceSource::Seed(1), mode);
            crate::note!(sim, NodeId::SYSTEM, "{}", ReadsTheTrace(sim.clone()));
            let expected = Sim::new(ChoiceSource::Seed(1), mode);
            let count = expected.k().trace.borrow().len();
            expected.note(NodeId::SYSTEM, format!("after {count} events"));
            assert_eq!(sim.trace_hash(), expected.trace_hash(), "{mode:?}");
        }
    }

    #[test]
    fn a_streamed_text_hashes_as_the_string_it_formats_to() {
        for n in lengths() {
            let body = "x".repeat(n);
            let string = format!("{} -> {body} ({n})", n % 7);
            assert_eq!(text_hash(format_args!("{} -> {body} ({n})", n % 7)), xxh3_64(string.as_bytes()), "{n}");
        }
        assert_eq!(text_hash(format_args!("a literal")), xxh3_64(b"a literal"));
    }

    /// Each text noted both ways in two runs; `TraceMode::Full` keeps the same text.
    #[test]
    fn note_args_records_the_event_and_hash_note_records() {
        for mode in [TraceMode::HashOnly, TraceMode::Full] {
            let (by_string, by_args) = (Sim::new(ChoiceSource::Seed(1), mode), Sim::new(ChoiceSource::Seed(1), mode));
            for n in lengths() {
                let body = "y".repeat(n);
                by_string.note(NodeId::SYSTEM, format!("{n}: {body}!"));
                note!(by_args, NodeId::SYSTEM, "{n}: {body}!");
                by_string.note(NodeId::SYSTEM, "a literal");
                note!(by_args, NodeId::SYSTEM, "a literal");
                assert_eq!(by_args.trace_hash(), by_string.trace_hash(), "{mode:?}, {n}");
            }
            let (a, b) = (by_string.take_trace(), by_args.take_trace());
            assert_eq!((a.len(), a.model_steps()), (b.len(), b.model_steps()));
            assert_eq!(a.events(), b.events());
            if mode == TraceMode::Full {
                assert!(matches!(&b.events()[2].kind, EventKind::Note { text } if text == "1: y!"));
            }
        }
    }

    /// `note_str` of a laid-out text records what `note` of the same `String` does.
    #[test]
    fn note_str_records_the_event_and_hash_note_records() {
        for mode in [TraceMode::HashOnly, TraceMode::Full] {
            let (by_string, by_str) = (Sim::new(ChoiceSource::Seed(1), mode), Sim::new(ChoiceSource::Seed(1), mode));
            for n in lengths() {
                let text = format!("{n}: {}!", "z".repeat(n));
                by_string.note(NodeId::SYSTEM, text.clone());
                by_str.note_str(NodeId::SYSTEM, &text);
                assert_eq!(by_str.trace_hash(), by_string.trace_hash(), "{mode:?}, {n}");
            }
            let (a, b) = (by_string.take_trace(), by_str.take_trace());
            assert_eq!((a.len(), a.model_steps()), (b.len(), b.model_steps()));
            assert_eq!(a.events(), b.events());
        }
    }
}
