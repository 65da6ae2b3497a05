//! What lockstep tells people and CI about a run. Today: the plain-text timeline that
//! `run` and `repro` print. Case files, JSON, JUnit, Markdown and HTML reports join it
//! as their issues land.

pub mod timeline;
