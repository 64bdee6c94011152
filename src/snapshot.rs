//! Snapshots: projecting a response, replacing volatile values with placeholders, comparing with insta.

pub mod assert;
pub mod normalise;
pub mod project;

pub use assert::{SnapshotContext, SnapshotMismatch, check, quiet_mismatch_panics};
pub use normalise::Normaliser;
pub use project::{arranged, project};
