//! Fresh users for every case: the spec's open `/register`, or Synapse's shared-secret admin API.
//!
//! `POST /_matrix/client/v3/register` with `m.login.dummy`, and
//! `GET|POST /_synapse/admin/v1/register` (HMAC-SHA1 over nonce, user, password and admin flag).

use std::fmt;

use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha1::Sha1;

use super::homeserver::{Homeserver, Payload, Response, TargetError};

/// How users are created on the target.
#[derive(Clone, Debug)]
pub enum Registration {
    /// The client-server `/register` endpoint with the `m.login.dummy` stage.
    Open,
    /// Synapse's `/_synapse/admin/v1/register`, signed with the registration shared secret.
    SharedSecret(SharedSecret),
}

/// A registration shared secret; it never appears in `Debug` or `Display` output.
#[derive(Clone)]
pub struct SharedSecret(String);

impl SharedSecret {
    /// Wraps a secret read from the environment or a file.
    pub fn new(secret: impl Into<String>) -> Self {
        SharedSecret(secret.into())
    }
}

impl fmt::Debug for SharedSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SharedSecret([redacted])")
    }
}

/// A registered user and the access token to act as it.
#[derive(Clone)]
pub struct Account {
    /// The full user id, e.g. `@mxc-1a2b-alice:example.org`.
    pub user_id: String,
    /// The access token; never printed.
    pub access_token: String,
}

impl fmt::Debug for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Account")
            .field("user_id", &self.user_id)
            .field("access_token", &"[redacted]")
            .finish()
    }
}

impl Registration {
    /// Registers `localpart` with `password` and returns the new account.
    pub async fn register(
        &self,
        hs: &Homeserver,
        localpart: &str,
        password: &str,
    ) -> Result<Account, TargetError> {
        match self {
            Registration::Open => register_open(hs, localpart, password).await,
            Registration::SharedSecret(secret) => {
                register_shared_secret(hs, secret, localpart, password).await
            }
        }
    }
}

fn refused(user: &str, what: &str, response: &Response) -> TargetError {
    TargetError::Provisioning {
        user: user.to_string(),
        reason: format!(
            "{what} answered {} {}",
            response.status,
            error_summary(&response.body)
        ),
    }
}

/// `errcode: error` of a Matrix error body, or a short form of the body.
fn error_summary(body: &Value) -> String {
    match (
        body.get("errcode").and_then(Value::as_str),
        body.get("error").and_then(Value::as_str),
    ) {
        (Some(code), Some(text)) => format!("{code}: {text}"),
        (Some(code), None) => code.to_string(),
        _ => crate::redact::redacted(body)
            .to_string()
            .chars()
            .take(200)
            .collect(),
    }
}

/// Registers with one request carrying the `m.login.dummy` stage; a server that answers 401 (it
/// wants the stage completed inside a session) gets the session flow its challenge offers.
async fn register_open(
    hs: &Homeserver,
    localpart: &str,
    password: &str,
) -> Result<Account, TargetError> {
    const PATH: &str = "/_matrix/client/v3/register";
    let mut body = json!({
        "username": localpart,
        "password": password,
        "initial_device_display_name": "mxconform",
        "inhibit_login": false,
        "auth": {"type": "m.login.dummy"},
    });
    let first = hs
        .request("POST", PATH, None, Some(&Payload::Json(body.clone())))
        .await?;
    let response = match first.status {
        200 => first,
        401 => {
            let dummy_offered = first.body["flows"].as_array().is_some_and(|flows| {
                flows
                    .iter()
                    .any(|f| f["stages"] == json!(["m.login.dummy"]))
            });
            let Some(session) = first.body.get("session").filter(|_| dummy_offered) else {
                return Err(refused(
                    localpart,
                    "POST /register (no m.login.dummy flow offered in a session)",
                    &first,
                ));
            };
            body["auth"]["session"] = session.clone();
            hs.request("POST", PATH, None, Some(&Payload::Json(body)))
                .await?
        }
        _ => return Err(refused(localpart, "POST /register", &first)),
    };
    account_from(localpart, "POST /register", &response)
}

async fn register_shared_secret(
    hs: &Homeserver,
    secret: &SharedSecret,
    localpart: &str,
    password: &str,
) -> Result<Account, TargetError> {
    const PATH: &str = "/_synapse/admin/v1/register";
    let nonce_response = hs.request("GET", PATH, None, None).await?;
    let Some(nonce) = nonce_response.body.get("nonce").and_then(Value::as_str) else {
        return Err(refused(
            localpart,
            "GET /_synapse/admin/v1/register",
            &nonce_response,
        ));
    };
    let body = json!({
        "nonce": nonce,
        "username": localpart,
        "password": password,
        "admin": false,
        "mac": registration_mac(secret, nonce, localpart, password, false),
    });
    let response = hs
        .request("POST", PATH, None, Some(&Payload::Json(body)))
        .await?;
    account_from(localpart, "POST /_synapse/admin/v1/register", &response)
}

fn account_from(localpart: &str, what: &str, response: &Response) -> Result<Account, TargetError> {
    let field = |name: &str| {
        response
            .body
            .get(name)
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    match (response.status, field("user_id"), field("access_token")) {
        (200, Some(user_id), Some(access_token)) => Ok(Account {
            user_id,
            access_token,
        }),
        _ => Err(refused(localpart, what, response)),
    }
}

/// Logs `user_id` in with its password through `POST /login`: a new device and access token.
pub async fn log_in(
    hs: &Homeserver,
    user_id: &str,
    password: &str,
) -> Result<Account, TargetError> {
    let body = json!({
        "type": "m.login.password",
        "identifier": {"type": "m.id.user", "user": user_id},
        "password": password,
        "initial_device_display_name": "mxconform",
    });
    let response = hs
        .request(
            "POST",
            "/_matrix/client/v3/login",
            None,
            Some(&Payload::Json(body)),
        )
        .await?;
    account_from(user_id, "POST /login", &response)
}

/// Synapse's registration MAC: hex HMAC-SHA1 of `nonce\0user\0password\0admin|notadmin`.
pub fn registration_mac(
    secret: &SharedSecret,
    nonce: &str,
    user: &str,
    password: &str,
    admin: bool,
) -> String {
    let mut mac = <Hmac<Sha1> as KeyInit>::new_from_slice(secret.0.as_bytes())
        .expect("HMAC accepts keys of any length");
    for (i, part) in [
        nonce,
        user,
        password,
        if admin { "admin" } else { "notadmin" },
    ]
    .iter()
    .enumerate()
    {
        if i > 0 {
            mac.update(b"\0");
        }
        mac.update(part.as_bytes());
    }
    hex::encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    // One request registers a user where the server takes the dummy stage at once; a server that
    // insists on a session gets the session flow, in two.
    #[tokio::test]
    async fn open_registration_takes_one_request_and_falls_back_to_the_session_flow() {
        use crate::server::fake::{Deviation, FakeHomeserver};
        use crate::server::homeserver::client;
        for (deviation, requests) in [(None, 1), (Some(Deviation::RegisterNeedsSession), 2)] {
            let fake = FakeHomeserver::start_with(deviation).await;
            let hs = Homeserver::new(&fake.uri(), client());
            let account = Registration::Open
                .register(&hs, "carol", "pw")
                .await
                .expect("registered");
            assert!(account.user_id.starts_with("@carol:"), "{account:?}");
            assert_eq!(hs.requests_sent(), requests, "{deviation:?}");
        }
    }

    #[test]
    fn mac_matches_an_independent_computation() {
        // Computed with Python: hmac.new(b"s3cret", b"abc\0bob\0pw\0notadmin", hashlib.sha1).hexdigest()
        let mac = registration_mac(&SharedSecret::new("s3cret"), "abc", "bob", "pw", false);
        assert_eq!(mac, "27b9c25e8f8aa1fdbc41f56e76df9c6d5f6b541f");
    }

    #[test]
    fn secrets_and_tokens_stay_out_of_debug_output() {
        let account = Account {
            user_id: "@a:hs".into(),
            access_token: "syt_secret".into(),
        };
        assert!(!format!("{account:?}").contains("syt_secret"));
        assert!(!format!("{:?}", SharedSecret::new("hunter2")).contains("hunter2"));
    }
}
