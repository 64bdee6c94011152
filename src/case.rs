//! Case files: the claims registry, the typed model, the loader and its errors.

pub mod claims;
pub mod error;
pub mod load;
pub mod model;
mod raw;
pub mod reads;
pub mod spec_version;
pub mod template;
pub mod yaml;

pub use claims::{Claim, Registry, Subject};
pub use error::{LoadError, Position};
pub use load::{Catalogue, Source, load, load_dir, read_claims, read_dir};
pub use model::{
    Action, ActorDecl, ArrayMatch, Body, Call, Case, Expect, Focus, Home, Level, SnapshotSpec,
    Step, SyncUntil,
};
pub use spec_version::SpecVersion;
