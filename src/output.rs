//! Standard output and error that never panic. `std`'s `println!` panics when stdout
//! is a closed pipe (`lockstep list | head -1`) or a full disk (`> /dev/full`), and a
//! panic in `run` would lose the reports and case files still to be written. The
//! crate's `println!`, `print!`, `eprintln!` and `eprint!` (defined here, shadowing
//! `std`'s in every module) write through [`print`] instead: a closed pipe makes
//! stdout quiet, as in other Unix tools, and any other error is printed once on
//! stderr and remembered, so `main` can exit non-zero; the command itself carries on.

use std::fmt::Arguments;
use std::io::{ErrorKind, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

/// Set once stdout cannot take more output; nothing more is written to it.
static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);

/// The first stdout error that was not a closed pipe.
static STDOUT_ERROR: Mutex<Option<String>> = Mutex::new(None);

/// Writes to stdout, flushed at once so an error shows at the write that caused it.
pub fn print(args: Arguments) {
    if STDOUT_CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let mut out = std::io::stdout().lock();
    let Err(e) = out.write_fmt(args).and_then(|()| out.flush()) else { return };
    STDOUT_CLOSED.store(true, Ordering::Relaxed);
    if e.kind() != ErrorKind::BrokenPipe {
        eprint(format_args!("error: cannot write to standard output: {e}\n"));
        if let Ok(mut first) = STDOUT_ERROR.lock() {
            first.get_or_insert_with(|| e.to_string());
        }
    }
}

/// Writes to stderr; errors are dropped (there is nowhere left to report them).
pub fn eprint(args: Arguments) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_fmt(args).and_then(|()| err.flush());
}

/// The first error writing stdout, other than a closed pipe.
pub fn stdout_error() -> Option<String> {
    STDOUT_ERROR.lock().ok().and_then(|e| e.clone())
}

macro_rules! print {
    ($($arg:tt)*) => { $crate::output::print(format_args!($($arg)*)) };
}

macro_rules! println {
    () => { $crate::output::print(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::output::print(format_args!("{}\n", format_args!($($arg)*))) };
}

#[allow(unused_macros)] // Defined so that no `std` `eprint!` can slip in.
macro_rules! eprint {
    ($($arg:tt)*) => { $crate::output::eprint(format_args!($($arg)*)) };
}

macro_rules! eprintln {
    () => { $crate::output::eprint(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::output::eprint(format_args!("{}\n", format_args!($($arg)*))) };
}
