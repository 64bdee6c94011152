//! Homeservers the cases run against: HTTP access, user provisioning and the built-in fake.

pub mod cpu;
pub mod fake;
pub mod homeserver;
pub mod limits;
pub mod provision;
pub mod spec;
pub mod synapse;
pub mod transcript;

pub use homeserver::{Homeserver, Payload, Response, TargetError};
pub use limits::Limits;
pub use provision::{Account, Registration, SharedSecret};
pub use spec::{Connected, ConnectedPeer, PeerSpec, TargetSpec};
pub use transcript::{Exchange, Recorder};
