//! `owner.json`: what a holder writes into its lock, how a waiter reads it back, and
//! V0/V1's classification of the holder as dead, alive or unknown.
//!
//! The file is written as JSON text (`{"pid":512,"hostname":"a"}`) through a torn
//! write, so a reader may find it missing, empty or half written; anything that is
//! not a whole record parses as `None` (the text's "missing or unreadable").

use crate::substrate::process::{Kill0, Pid, ProcessTable};

/// The fields of `owner.json`. `ns` and `start` are the proposed design's. The
/// hostname borrows from the text it was parsed from (or the host it was written
/// for): a waiter parses the file on every poll and keeps nothing of it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OwnerRecord<'a> {
    pub pid: i64,
    pub hostname: Option<&'a str>,
    /// Pid namespace id (proposed).
    pub ns: Option<u64>,
    /// Process start token (proposed).
    pub start: Option<u64>,
}

impl<'a> OwnerRecord<'a> {
    /// The record as JSON text, laid out piece by piece (not `format!`: a holder
    /// writes one at every acquire; a test compares with the `format!` text).
    pub fn to_json(&self) -> String {
        let mut num = itoa::Buffer::new();
        let mut s = String::with_capacity(64);
        s.push_str("{\"pid\":");
        s.push_str(num.format(self.pid));
        if let Some(h) = self.hostname {
            s.push_str(",\"hostname\":\"");
            s.push_str(h);
            s.push('"');
        }
        if let Some(ns) = self.ns {
            s.push_str(",\"ns\":");
            s.push_str(num.format(ns));
        }
        if let Some(start) = self.start {
            s.push_str(",\"start\":");
            s.push_str(num.format(start));
        }
        s.push('}');
        s
    }

    /// Parses a whole record; `None` for a missing field, a torn or empty file.
    pub fn parse(text: &'a str) -> Option<OwnerRecord<'a>> {
        let body = text.strip_prefix('{')?.strip_suffix('}')?;
        let mut rec = OwnerRecord::default();
        let mut has_pid = false;
        let mut rest = Some(body);
        while let Some(text) = rest {
            let (field, next) = split_at_byte(text, b',').map_or((text, None), |(f, n)| (f, Some(n)));
            rest = next;
            let (key, value) = split_at_byte(field, b':')?;
            match trim_quotes(key) {
                "pid" => {
                    rec.pid = value.parse().ok()?;
                    has_pid = true;
                }
                "hostname" => rec.hostname = Some(value.strip_prefix('"')?.strip_suffix('"')?),
                "ns" => rec.ns = Some(value.parse().ok()?),
                "start" => rec.start = Some(value.parse().ok()?),
                _ => return None,
            }
        }
        has_pid.then_some(rec)
    }
}

/// What a waiter last parsed of one `owner.json`, by its text. A waiter reads the
/// file at every poll, and its text changes only when another holder writes it:
/// [`OwnerRecord::parse`] is a pure function of the text, so the same text gives the
/// record parsed last time, for one compare of the text instead of a parse (the parse
/// was 8% of a v1 run).
#[derive(Default)]
pub struct ParseMemo {
    text: String,
    /// `None` until the first parse.
    parsed: Option<Option<Fields>>,
}

/// A parsed record without its borrow: the hostname as a byte range of the text.
#[derive(Clone, Copy)]
struct Fields {
    pid: i64,
    hostname: Option<(usize, usize)>,
    ns: Option<u64>,
    start: Option<u64>,
}

impl ParseMemo {
    /// [`OwnerRecord::parse`] of `text`.
    pub fn parse<'a>(&mut self, text: &'a str) -> Option<OwnerRecord<'a>> {
        if let Some(parsed) = self.parsed.filter(|_| self.text == text) {
            return parsed.map(|f| OwnerRecord {
                pid: f.pid,
                hostname: f.hostname.map(|(from, to)| &text[from..to]),
                ns: f.ns,
                start: f.start,
            });
        }
        let record = OwnerRecord::parse(text);
        let at = |h: &str| {
            let from = h.as_ptr() as usize - text.as_ptr() as usize;
            (from, from + h.len())
        };
        self.parsed = Some(record.as_ref().map(|r| Fields {
            pid: r.pid,
            hostname: r.hostname.map(at),
            ns: r.ns,
            start: r.start,
        }));
        self.text.clear();
        self.text.push_str(text);
        record
    }
}

/// `s` split around its first `sep`, an ASCII byte (so both halves are whole UTF-8),
/// by a plain byte scan: a waiter parses the record on every poll, and the standard
/// library's pattern searchers cost more to set up than these few bytes cost to scan.
fn split_at_byte(s: &str, sep: u8) -> Option<(&str, &str)> {
    let i = s.bytes().position(|b| b == sep)?;
    Some((&s[..i], &s[i + 1..]))
}

/// `s` without the `"`s at either end (`str::trim_matches('"')`).
fn trim_quotes(s: &str) -> &str {
    let b = s.as_bytes();
    let start = b.iter().position(|&c| c != b'"').unwrap_or(b.len());
    let end = b.iter().rposition(|&c| c != b'"').map_or(start, |i| i + 1);
    &s[start..end]
}

/// The waiter's verdict on a holder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Dead,
    Alive,
    Unknown,
}

impl Verdict {
    /// The verdict's name, as `{verdict:?}` writes it (a test compares).
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Dead => "Dead",
            Verdict::Alive => "Alive",
            Verdict::Unknown => "Unknown",
        }
    }
}

/// V1's `classify`, or v0.5's when `host_gate` is off: read the record, gate on the
/// hostname, probe `kill(pid, 0)` in the waiter's own pid namespace.
pub fn classify(record: Option<&OwnerRecord>, host_gate: bool, procs: &ProcessTable, user: &str) -> Verdict {
    let Some(o) = record else { return Verdict::Unknown };
    if host_gate && o.hostname != Some(procs.hostname()) {
        return Verdict::Unknown;
    }
    if o.pid <= 0 || o.pid > i64::from(u32::MAX) {
        return Verdict::Unknown;
    }
    match procs.kill0(Pid(o.pid as u32), user) {
        Kill0::Alive | Kill0::Eperm => Verdict::Alive,
        Kill0::Esrch => Verdict::Dead,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_reads_as_format_writes_it() {
        let format = |r: &OwnerRecord| {
            let mut s = format!("{{\"pid\":{}", r.pid);
            if let Some(h) = &r.hostname {
                s.push_str(&format!(",\"hostname\":\"{h}\""));
            }
            if let Some(ns) = r.ns {
                s.push_str(&format!(",\"ns\":{ns}"));
            }
            if let Some(start) = r.start {
                s.push_str(&format!(",\"start\":{start}"));
            }
            s.push('}');
            s
        };
        for pid in [i64::MIN, -1, 0, 7, 32_767, i64::MAX] {
            for hostname in [None, Some(""), Some("eve-host")] {
                for ns in [None, Some(0), Some(u64::MAX)] {
                    for start in [None, Some(1), Some(u64::MAX)] {
                        let r = OwnerRecord { pid, hostname, ns, start };
                        assert_eq!(r.to_json(), format(&r));
                    }
                }
            }
        }
    }

    /// The memo answers what a parse answers, for every text a waiter may read (each
    /// cut of each record) in any order, repeated or not.
    #[test]
    fn the_memo_parses_as_parse_does() {
        let records = [
            OwnerRecord { pid: 512, hostname: Some("host0"), ns: None, start: None },
            OwnerRecord { pid: 513, hostname: Some("eve-host"), ns: Some(3), start: Some(9) },
            OwnerRecord { pid: 7, ..OwnerRecord::default() },
        ];
        let texts: Vec<String> = records
            .iter()
            .flat_map(|r| {
                let json = r.to_json();
                (0..=json.len()).map(move |cut| json[..cut].to_string())
            })
            .collect();
        let mut memo = ParseMemo::default();
        for (i, text) in texts.iter().enumerate() {
            for t in [text, text, &texts[(i * 7) % texts.len()]] {
                assert_eq!(memo.parse(t), OwnerRecord::parse(t), "{t}");
            }
        }
    }

    #[test]
    fn a_verdict_reads_as_debug_writes_it() {
        for v in [Verdict::Dead, Verdict::Alive, Verdict::Unknown] {
            assert_eq!(v.name(), format!("{v:?}"));
        }
    }

    #[test]
    fn a_record_round_trips_and_torn_text_does_not_parse() {
        let r = OwnerRecord { pid: 512, hostname: Some("a"), ns: Some(3), start: Some(9) };
        let json = r.to_json();
        assert_eq!(OwnerRecord::parse(&json), Some(r));
        for cut in 0..json.len() {
            assert_eq!(OwnerRecord::parse(&json[..cut]), None, "{}", &json[..cut]);
        }
        assert_eq!(OwnerRecord::parse("{\"pid\":7}").map(|r| r.hostname), Some(None));
        let parsed = |t: &'static str| OwnerRecord::parse(t);
        assert_eq!(parsed("{\"pid\":7,}"), None, "an empty field has no colon");
        assert_eq!(parsed("{\"pid\":7,\"x\":1}"), None, "an unknown key");
        assert_eq!(parsed("{\"\"pid\"\":-7}").map(|r| r.pid), Some(-7), "quotes trimmed as trim_matches does");
        assert_eq!(parsed("{pid:+7,\"hostname\":\"h:1\"}").map(|r| (r.pid, r.hostname)), Some((7, Some("h:1"))));
        assert_eq!(parsed("{\"hostname\":\"h\"}"), None, "no pid");
        assert_eq!(parsed("{\"pid\":7,\"hostname\":\"}"), None, "a lone quote is no string");
        assert_eq!(parsed("{\"\":7}"), None);
    }
}
