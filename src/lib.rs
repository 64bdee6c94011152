//! mxconform: a conformance harness for the Direct Messaging module of the Matrix client-server API.
//!
//! Case files (`cases/**/*.yaml`) are loaded into typed [`case::Case`]s, run as libtest-mimic trials
//! against a target [`server`] (the built-in fake, a managed Synapse or a homeserver by URL), and
//! judged into [`verdict`]s, with response projections compared against insta [`snapshot`]s.

pub mod builtin;
pub mod case;
pub mod cli;
pub mod expectations;
pub mod input;
pub mod matcher;
pub mod mutants;
pub mod pipeline;
pub mod redact;
pub mod report;
pub mod run;
pub mod server;
pub mod snapshot;
pub mod verdict;
