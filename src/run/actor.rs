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

/// The fixed start of every generated password, so a test can search any text for a leaked one.
pub const PASSWORD_MARKER: &str = "mxconform-pw-";

/// A random password after [`PASSWORD_MARKER`]; it leaves this process only in registration and login requests.
fn password() -> String {
    let bytes: [u8; 18] = rand::rng().random();
    format!("{PASSWORD_MARKER}{}", hex::encode(bytes))
}

/// The start every minted localpart shares.
const MINTED: &str = "mxc-";

/// `text` with every minted localpart prefix (`mxc-<hex tag>-<n>-`) taken out, so a message reads
/// the same in every run: `@mxc-1df67d-25-bob:hs` becomes `@bob:hs`.
pub fn unminted(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(MINTED) {
        out.push_str(&rest[..at]);
        let from = &rest[at..];
        match minted_len(from) {
            Some(len) => rest = &from[len..],
            None => {
                out.push_str(MINTED);
                rest = &from[MINTED.len()..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The length of the minted prefix `text` starts with, if it starts with one.
fn minted_len(text: &str) -> Option<usize> {
    let tail = text.strip_prefix(MINTED)?;
    let tag = leading(tail, |c| c.is_ascii_hexdigit());
    let counted = tail[tag..].strip_prefix('-').filter(|_| tag > 0)?;
    let n = leading(counted, |c| c.is_ascii_digit());
    counted[n..].strip_prefix('-').filter(|_| n > 0)?;
    Some(MINTED.len() + tag + 1 + n + 1)
}

/// How many bytes of ASCII characters satisfying `keep` `text` starts with.
fn leading(text: &str, keep: impl Fn(char) -> bool) -> usize {
    text.find(|c: char| !keep(c)).unwrap_or(text.len())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minted_prefixes_are_taken_out_and_other_text_is_kept() {
        assert_eq!(unminted("mxc-1df67d-25-bob"), "bob");
        assert_eq!(
            unminted("@mxc-1df67d-25-bob:hs and @mxc-00ab12-3-alice-2:hs"),
            "@bob:hs and @alice-2:hs"
        );
        for kept in [
            "mxc://hs/media",
            "mxc-1-bob",
            "mxc-zz-1-bob",
            "mxc-1df67d--bob",
            "mxc-",
        ] {
            assert_eq!(unminted(kept), kept);
        }
    }

    #[test]
    fn minted_names_unmint_and_passwords_carry_the_marker() {
        let minter = Minter::new();
        assert_eq!(unminted(&minter.localpart("carol")), "carol");
        assert_eq!(unminted(&minter.localpart("carol")), "carol");
        let password = password();
        assert!(password.starts_with(PASSWORD_MARKER), "{password}");
        assert_eq!(password.len(), PASSWORD_MARKER.len() + 36);
    }
}
