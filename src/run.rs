//! Running cases: actors, variables, steps, `/sync` waits and the libtest-mimic trials.

pub mod actor;
pub mod bounds;
pub mod case;
pub mod expect;
pub mod ledger;
pub mod session;
pub mod step;
pub mod suite;
pub mod sync;
pub mod vars;

pub use case::{Run, run_case};
pub use session::Session;
