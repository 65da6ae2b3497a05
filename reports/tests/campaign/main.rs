//! The campaign reports, by format, built from real failing runs of the built-in
//! scenarios: JSON round trips, merging shards, JUnit, Markdown, HTML and the files
//! written to a report folder.

mod fixtures;
mod goals;
mod html;
mod json;
mod junit;
mod markdown;
mod merge;
mod tally;
mod write;
