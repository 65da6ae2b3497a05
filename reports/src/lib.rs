//! What lockstep tells people and CI: the plain-text timeline that `run` and `repro`
//! print, and campaign reports: JSON (the record `merge` combines across shards),
//! JUnit XML, a Markdown summary and a self-contained HTML page with an SVG sequence
//! diagram of every counterexample.
//!
//! Every format renders one [`campaign::CampaignReport`], whose content depends only
//! on the seeds run, never on the number of jobs or on timing (those sit apart in
//! [`campaign::Timing`]).

pub mod builder;
pub mod campaign;
pub mod html;
pub mod junit;
pub mod markdown;
pub mod merge;
pub mod sequence;
pub mod svg;
pub mod timeline;
pub mod write;
