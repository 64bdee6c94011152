//! mxconform: a conformance harness for the Direct Messaging module of the Matrix client-server API.

pub mod case;
pub mod target;
