//! Actors: the fresh users a case acts as, registered under a per-run prefix.

use std::sync::atomic::{AtomicU64, Ordering};

use rand::RngExt;

use crate::server::{Account, Homeserver, Registration, TargetError};

/// Mints unique localparts and passwords for one run, so runs never collide on a server.
#[derive(Debug)]
pub struct Minter {
    prefix: String,
    counter: AtomicU64,
}

impl Minter {
    /// A minter with a random per-run prefix such as `mxc-3f9a1c`.
    pub fn new() -> Self {
        let tag: u32 = rand::rng().random();
        Minter {
            prefix: format!("mxc-{:06x}", tag & 0xff_ffff),
            counter: AtomicU64::new(0),
        }
    }

    /// A localpart for actor `name` that no earlier registration of this run used.
    pub fn localpart(&self, name: &str) -> String {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        format!("{}-{n}-{name}", self.prefix)
    }
}

impl Default for Minter {
    fn default() -> Self {
        Self::new()
    }
}

/// A random password; it never leaves this process except in the registration request.
fn password() -> String {
    let bytes: [u8; 18] = rand::rng().random();
    hex::encode(bytes)
}

/// A registered actor: the account of its first login and the password for further logins.
pub struct Actor {
    /// The account the registration logged in.
    pub account: Account,
    password: String,
}

impl Actor {
    /// Logs the actor in once more: a new device with its own access token.
    pub async fn log_in(&self, hs: &Homeserver) -> Result<Account, TargetError> {
        crate::server::provision::log_in(hs, &self.account.user_id, &self.password).await
    }
}

/// Registers one fresh user for actor `name`.
pub async fn provision(
    hs: &Homeserver,
    registration: &Registration,
    minter: &Minter,
    name: &str,
) -> Result<Actor, TargetError> {
    let password = password();
    let account = registration
        .register(hs, &minter.localpart(name), &password)
        .await?;
    Ok(Actor { account, password })
}
