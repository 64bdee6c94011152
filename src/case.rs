//! Case files: the typed model, the loader and its errors.

pub mod error;
pub mod load;
pub mod model;
mod raw;
pub mod template;

pub use error::{LoadError, Position};
pub use load::{Catalogue, Source, load, read_dir};
pub use model::{
    Action, ArrayMatch, Body, Call, Case, Claim, Expect, Level, SnapshotSpec, Step, SyncUntil,
};
