//! Parallel sibling tool calls and the config writers (SYSTEMS.md S004, mux PR #3576):
//! a stream whose sibling tool calls run concurrently under the locks of each
//! version, with an abort signal, beside the UI's provider actions and other config
//! writers.
//!
//! The versions are data ([`version`]); [`backend`] holds the shared world (files,
//! locks, processes, abort signal) and its helpers; [`stream`] runs the calls through
//! the version's stream wrapper; the tools are [`task_tool`], [`bash_tool`],
//! [`file_tools`] and [`config_tool`]; [`config`] and [`provider_service`] are the
//! writers outside the tools; [`docs`] is the file format and the facts a write
//! promises; [`ghost`] and [`invariants`] judge a run; [`world`] builds one.

pub mod backend;
pub mod bash_tool;
pub mod config;
pub mod config_tool;
pub mod docs;
pub mod file_tools;
pub mod ghost;
pub mod invariants;
pub mod provider_service;
pub mod reads;
pub mod stream;
pub mod task_tool;
pub mod version;
pub mod workload;
pub mod world;
