//! Labels and paths built piece by piece, without `format!`: a model that names a
//! goroutine, a lock or a temp file at every step paid more for the formatting
//! machinery (an argument table, a `Display` call per piece) than for the rest of
//! the step. The text is exactly what `format!` would make; the tests compare.

/// A `String` under construction: `Text::new().str("ws").num(3).done()` is `"ws3"`.
#[derive(Default)]
pub struct Text(String);

impl Text {
    #[inline]
    pub fn new() -> Text {
        Text(String::with_capacity(32))
    }

    /// Appends `s`.
    #[inline]
    pub fn str(mut self, s: &str) -> Text {
        self.0.push_str(s);
        self
    }

    /// Appends `n` in decimal, as `{n}` formats it.
    #[inline]
    pub fn num(mut self, n: impl Into<u64>) -> Text {
        push_decimal(&mut self.0, n.into());
        self
    }

    #[inline]
    pub fn done(self) -> String {
        self.0
    }
}

/// Appends `n` in decimal to `s`: the text of `format!("{n}")`.
pub fn push_decimal(s: &mut String, n: u64) {
    s.push_str(itoa::Buffer::new().format(n));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_format_writes_them() {
        for n in [0, 1, 9, 10, 99, 100, 12_345, u64::from(u32::MAX), u64::MAX - 1, u64::MAX] {
            let mut s = String::from("x");
            push_decimal(&mut s, n);
            assert_eq!(s, format!("x{n}"));
        }
        assert_eq!(Text::new().str("ws").num(7u32).str("/a#").num(12u64).done(), "ws7/a#12");
    }
}
