//! Homeservers the cases run against: HTTP access, user provisioning and the built-in fake.

pub mod homeserver;
pub mod provision;

pub use homeserver::{Homeserver, Payload, Response, TargetError};
pub use provision::{Account, Registration, SharedSecret};
