//! The documents the tools and the config writers read and rewrite, and the facts a
//! completed write promises about them (what I7, no lost update, checks).
//!
//! Every document is a list of lines. The config files (`config.json`,
//! `providers.jsonc`, `secrets.json`) hold `key=value` lines, and `routePriority` is
//! one line whose value is a comma-separated list of routes. A plain file (the
//! `file_edit_insert` target) holds one line per insert. Each operation of the model
//! writes keys, routes or lines no other operation writes, so "every completed
//! mutation persists" is a question of whether its fact still holds in the file.

/// The key of the route list in `config.json`.
pub const ROUTE_PRIORITY: &str = "routePriority";

/// A config document: its `key=value` lines, in key order, each key once. A sorted
/// vector rather than a map: a document holds a handful of keys and is parsed,
/// edited and rendered at every config write, and the map's nodes cost more to build
/// and drop than a binary search over so few keys.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Doc {
    entries: Vec<(String, String)>,
}

impl Doc {
    /// Parses a document; a missing or unparsable file reads as empty (the config
    /// loaders fall back to defaults). A key's last line wins, as in a map built
    /// line by line.
    pub fn parse(text: &str) -> Doc {
        let mut lines: Vec<(&str, &str)> = text.lines().filter_map(|l| l.split_once('=')).collect();
        // Stable: of the lines of one key, the last stays last.
        lines.sort_by(|a, b| a.0.cmp(b.0));
        let mut entries: Vec<(String, String)> = Vec::with_capacity(lines.len());
        for (k, v) in lines {
            match entries.last_mut() {
                Some(last) if last.0 == k => {
                    last.1.clear();
                    last.1.push_str(v);
                }
                _ => entries.push((k.to_string(), v.to_string())),
            }
        }
        Doc { entries }
    }

    fn find(&self, key: &str) -> Result<usize, usize> {
        self.entries.binary_search_by(|(k, _)| k.as_str().cmp(key))
    }

    pub fn render(&self) -> String {
        let mut text = String::with_capacity(self.entries.iter().map(|(k, v)| k.len() + v.len() + 2).sum());
        for (k, v) in &self.entries {
            text.push_str(k);
            text.push('=');
            text.push_str(v);
            text.push('\n');
        }
        text
    }

    pub fn set(&mut self, key: &str, value: &str) {
        match self.find(key) {
            Ok(i) => {
                let v = &mut self.entries[i].1;
                v.clear();
                v.push_str(value);
            }
            Err(i) => self.entries.insert(i, (key.to_string(), value.to_string())),
        }
    }

    pub fn remove(&mut self, key: &str) {
        if let Ok(i) = self.find(key) {
            self.entries.remove(i);
        }
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.find(key).ok().map(|i| self.entries[i].1.as_str())
    }

    /// The `routePriority` list.
    pub fn routes(&self) -> Vec<String> {
        split_routes(self.get(ROUTE_PRIORITY))
    }

    /// What `Doc::parse(text).get(key)` gives, read off the text without building the
    /// document (for a reader of one key).
    pub fn value_in<'t>(text: &'t str, key: &str) -> Option<&'t str> {
        value_of(text, key)
    }

    /// What `Doc::parse(text).routes()` gives, without building the document.
    pub fn routes_in(text: &str) -> Vec<String> {
        split_routes(value_of(text, ROUTE_PRIORITY))
    }

    pub fn set_routes(&mut self, routes: &[String]) {
        self.set(ROUTE_PRIORITY, &routes.join(","));
    }
}

fn split_routes(value: Option<&str>) -> Vec<String> {
    value.map(|v| v.split(',').filter(|r| !r.is_empty()).map(str::to_string).collect()).unwrap_or_default()
}

/// `routes` with `route` inserted at the end, if it is not there yet.
pub fn with_route(routes: &[String], route: &str) -> Vec<String> {
    let mut next = routes.to_vec();
    if !next.iter().any(|r| r == route) {
        next.push(route.to_string());
    }
    next
}

/// What a completed write promises about its file from then on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fact {
    /// `key=value` is a line of the config document.
    Key(String, String),
    /// No line sets `key` (a removal).
    Absent(String),
    /// `routePriority` lists this route.
    Route(String),
    /// The plain file has this line.
    Line(String),
}

impl Fact {
    /// The key whose earlier facts this one replaces (a removal after an add).
    pub fn key(&self) -> Option<&str> {
        match self {
            Fact::Key(k, _) | Fact::Absent(k) => Some(k),
            Fact::Route(_) | Fact::Line(_) => None,
        }
    }

    /// Whether the fact holds of a file's contents: the answer
    /// `Doc::parse(text)` would give, read off the text without building the document.
    pub fn holds(&self, text: &str) -> bool {
        match self {
            Fact::Key(k, v) => value_of(text, k) == Some(v.as_str()),
            Fact::Absent(k) => value_of(text, k).is_none(),
            Fact::Route(r) => {
                value_of(text, ROUTE_PRIORITY).is_some_and(|v| v.split(',').any(|x| !x.is_empty() && x == r))
            }
            Fact::Line(l) => text.lines().any(|x| x == l),
        }
    }
}

/// The value [`Doc::parse`] gives `key` in `text`: that of its last `key=` line
/// (a later line replaces an earlier one in the parsed map), found from the end.
fn value_of<'t>(text: &'t str, key: &str) -> Option<&'t str> {
    text.lines().filter_map(|l| l.split_once('=')).filter(|(k, _)| *k == key).map(|(_, v)| v).next_back()
}

impl std::fmt::Display for Fact {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Fact::Key(k, v) => write!(f, "{k}={v}"),
            Fact::Absent(k) => write!(f, "the removal of {k}"),
            Fact::Route(r) => write!(f, "route {r} in routePriority"),
            Fact::Line(l) => write!(f, "line '{l}'"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facts_read_documents() {
        let mut d = Doc::default();
        d.set("a", "1");
        d.set_routes(&with_route(&with_route(&[], "direct"), "gw"));
        let text = d.render();
        assert!(Fact::Key("a".into(), "1".into()).holds(&text));
        assert!(Fact::Route("gw".into()).holds(&text));
        assert!(!Fact::Route("g".into()).holds(&text));
        assert!(Fact::Absent("b".into()).holds(&text));
        assert!(Fact::Line("x".into()).holds("y\nx\n"));
    }

    /// The document as the map it replaced would hold it.
    fn as_map(text: &str) -> std::collections::BTreeMap<String, String> {
        text.lines().filter_map(|l| l.split_once('=')).map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn a_document_parses_and_edits_as_a_map_would() {
        let text = "b=1\na=2\nroutePriority=x\nb=3\n=e\nc==\njunk\na=4\n";
        let mut doc = Doc::parse(text);
        let mut map = as_map(text);
        let render = |m: &std::collections::BTreeMap<String, String>| {
            m.iter().map(|(k, v)| format!("{k}={v}\n")).collect::<String>()
        };
        assert_eq!(doc.render(), render(&map));
        for (k, v) in [("a", "9"), ("aa", "1"), ("", "z"), ("d", "4"), ("b", "")] {
            doc.set(k, v);
            map.insert(k.to_string(), v.to_string());
            assert_eq!(doc.render(), render(&map));
        }
        for k in ["b", "nope", "", "d"] {
            doc.remove(k);
            map.remove(k);
            assert_eq!(doc.render(), render(&map));
            assert_eq!(doc.get(k), None);
        }
        assert_eq!(doc.get("a"), Some("9"));
        assert_eq!(Doc::parse(&doc.render()), doc);
    }

    #[test]
    fn facts_read_the_last_line_of_a_key_as_parse_does() {
        let text = "a=1\nroutePriority=gw,,direct\njunk\na=2\nb==x\nroutePriority=,direct\n";
        assert_eq!(Doc::parse(text).render(), "a=2\nb==x\nroutePriority=,direct\n");
        assert!(Fact::Key("a".into(), "2".into()).holds(text));
        assert!(!Fact::Key("a".into(), "1".into()).holds(text));
        assert!(Fact::Key("b".into(), "=x".into()).holds(text));
        assert!(Fact::Absent("junk".into()).holds(text));
        assert!(!Fact::Absent("b".into()).holds(text));
        assert!(Fact::Route("direct".into()).holds(text));
        let parsed = Doc::parse(text);
        for key in ["a", "b", "junk", "routePriority", "c"] {
            assert_eq!(Doc::value_in(text, key), parsed.get(key), "{key}");
        }
        assert_eq!(Doc::routes_in(text), parsed.routes());
        assert_eq!(Doc::routes_in(""), Doc::parse("").routes());
        assert!(!Fact::Route("gw".into()).holds(text));
        assert!(!Fact::Route(String::new()).holds(text));
    }
}
