//! POST /_matrix/client/v3/register
//! GET /_matrix/client/v3/register/available
//!
//! Registration goes through user-interactive authentication with the single flow
//! `m.login.dummy`: a request without `auth` gets the 401 challenge and a session id; one that
//! carries the dummy stage registers at once.

use serde_json::{Map, Value, json};

use super::Deviation;
use super::auth;
use super::call::{Call, optional_string};
use super::error::{ApiError, Outcome, Reply};
use super::ids;
use super::state::{Password, State, UiaSession, User};

const MAX_FIELD_LENGTH: usize = 512;

fn invalid_username(error: &str) -> ApiError {
    ApiError::new(400, "M_INVALID_USERNAME", error)
}

/// Checks that `localpart` may be registered: grammar, length, and not taken.
/// `assigned` is a user id a registration session already registered.
fn check_username(state: &State, localpart: &str, assigned: Option<&str>) -> Result<(), ApiError> {
    if !ids::is_valid_localpart_chars(localpart) {
        return Err(invalid_username(
            "User ID can only contain characters a-z, 0-9, or '=_-./+'",
        ));
    }
    if localpart.is_empty() {
        return Err(invalid_username("User ID cannot be empty"));
    }
    if localpart.starts_with('_') {
        return Err(invalid_username("User ID may not begin with _"));
    }
    let user_id = state.user_id(localpart);
    if let Some(assigned) = assigned {
        return if assigned == user_id {
            Ok(())
        } else {
            Err(ApiError::unknown(
                400,
                "A different user ID has already been registered for this session",
            ))
        };
    }
    if user_id.len() > ids::MAX_USER_ID_LENGTH {
        return Err(invalid_username(&format!(
            "User ID may not be longer than {} characters",
            ids::MAX_USER_ID_LENGTH
        )));
    }
    if state.users.contains_key(&user_id) {
        return Err(ApiError::new(
            400,
            "M_USER_IN_USE",
            "User ID already taken.",
        ));
    }
    if localpart.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid_username(
            "Numeric user IDs are reserved for guest users.",
        ));
    }
    Ok(())
}

/// The 401 challenge listing the flows.
fn challenge(session: &str, completed: Option<Vec<String>>) -> ApiError {
    let mut body = json!({
        "session": session,
        "flows": [{ "stages": ["m.login.dummy"] }],
        "params": {},
    });
    if let (Some(completed), Some(object)) = (completed, body.as_object_mut()) {
        object.insert("completed".into(), json!(completed));
    }
    ApiError::with_body(401, body)
}

/// Runs the user-interactive auth step; returns the completed session's id.
fn interactive_auth(
    state: &mut State,
    auth: Option<&Map<String, Value>>,
    params: Map<String, Value>,
    password: Option<Password>,
) -> Result<String, ApiError> {
    let session_id = auth.and_then(|a| a.get("session")).and_then(Value::as_str);
    let session_id = match session_id {
        None => {
            let id = ids::uia_session();
            let session = UiaSession {
                params,
                password,
                registered: None,
            };
            state.uia_sessions.insert(id.clone(), session);
            if state.deviates(Deviation::RegisterNeedsSession) {
                return Err(challenge(&id, None));
            }
            id
        }
        Some(id) => {
            let session = state
                .uia_sessions
                .get_mut(id)
                .ok_or_else(|| ApiError::unknown(400, format!("Unknown session ID: {id}")))?;
            if !params.is_empty() {
                session.params = params;
            }
            if password.is_some() {
                session.password = password;
            }
            id.to_owned()
        }
    };
    match auth.and_then(|a| a.get("type")).and_then(Value::as_str) {
        Some("m.login.dummy") => Ok(session_id),
        Some(_) => Err(challenge(&session_id, Some(Vec::new()))),
        None => Err(challenge(&session_id, None)),
    }
}

/// The `username` field, lower-cased: 400 if it is not a short string.
fn requested_username(body: &Map<String, Value>) -> Result<Option<String>, ApiError> {
    match body.get("username") {
        None => Ok(None),
        Some(Value::String(name)) if name.len() <= MAX_FIELD_LENGTH => {
            Ok(Some(name.to_lowercase()))
        }
        Some(_) => Err(ApiError::unknown(400, "Invalid username")),
    }
}

/// `POST /register`: creates an account once the dummy auth stage is done.
pub fn post_register(state: &mut State, call: &Call) -> Outcome {
    let mut body = call.json_object()?;
    match call.query("kind").as_deref() {
        None | Some("user") => {}
        Some("guest") => {
            return Err(ApiError::new(
                403,
                "M_GUEST_ACCESS_FORBIDDEN",
                "Guest access is disabled",
            ));
        }
        Some(other) => {
            return Err(ApiError::new(
                400,
                "M_UNRECOGNIZED",
                format!("Do not understand membership kind: {other}"),
            ));
        }
    }
    let username = requested_username(&body)?;
    if auth::access_token(call.request)?.is_some() {
        return Err(ApiError::unknown(
            400,
            "An access token should not be provided on requests to /register (except if type is m.login.application_service)",
        ));
    }
    let password = match body.remove("password") {
        None | Some(Value::Null) => None,
        Some(Value::String(p)) if p.len() <= MAX_FIELD_LENGTH => Some(Password::new(&p)),
        Some(_) => return Err(ApiError::unknown(400, "Invalid password")),
    };
    let auth = match body.remove("auth") {
        Some(Value::Object(auth)) => Some(auth),
        _ => None,
    };
    let assigned = auth
        .as_ref()
        .and_then(|a| a.get("session"))
        .and_then(Value::as_str)
        .and_then(|id| state.uia_sessions.get(id))
        .and_then(|session| session.registered.clone());
    if let Some(username) = &username {
        check_username(state, username, assigned.as_deref())?;
    }
    let session_id = interactive_auth(state, auth.as_ref(), body, password)?;
    let session = state
        .uia_sessions
        .get(&session_id)
        .cloned()
        .unwrap_or_default();
    let user_id = match session.registered {
        Some(user_id) => user_id,
        None => create_account(state, &session)?,
    };
    if let Some(stored) = state.uia_sessions.get_mut(&session_id) {
        stored.registered = Some(user_id.clone());
    }
    if session.params.get("inhibit_login") == Some(&Value::Bool(true)) {
        return Ok(Reply::ok(
            json!({ "user_id": user_id, "home_server": state.server_name }),
        ));
    }
    let device_id = optional_string(&session.params, "device_id")?.map(str::to_owned);
    let (access_token, device_id) = state.log_in(&user_id, device_id);
    Ok(Reply::ok(json!({
        "user_id": user_id,
        "home_server": state.server_name,
        "access_token": access_token,
        "device_id": device_id,
    })))
}

/// Registers the account a completed session asked for; returns its user id.
fn create_account(state: &mut State, session: &UiaSession) -> Result<String, ApiError> {
    let password = session
        .password
        .clone()
        .ok_or_else(|| ApiError::missing_param("password"))?;
    let localpart = match requested_username(&session.params)? {
        Some(localpart) => {
            check_username(state, &localpart, None)?;
            localpart
        }
        None => state.generate_localpart(),
    };
    let user_id = state.user_id(&localpart);
    state.users.insert(
        user_id.clone(),
        User {
            password,
            displayname: localpart,
        },
    );
    Ok(user_id)
}

/// `GET /register/available?username=`: whether a localpart is free.
pub fn get_available(state: &mut State, call: &Call) -> Outcome {
    let username = call.query("username").ok_or_else(|| {
        ApiError::new(
            400,
            "M_MISSING_PARAM",
            "Missing string query parameter 'username'",
        )
    })?;
    check_username(state, &username, None)?;
    Ok(Reply::ok(json!({ "available": true })))
}

#[cfg(test)]
mod tests {
    use reqwest::Method;
    use serde_json::json;

    use super::super::testing::{Client, assert_error};

    #[tokio::test]
    async fn registration_challenges_then_completes_the_dummy_stage() {
        let client = Client::start().await;
        let body = json!({ "username": "alice", "password": "secret" });
        let (status, challenge) = client
            .call(Method::POST, "register", None, Some(body))
            .await;
        assert_eq!(status, 401);
        assert_eq!(challenge["flows"], json!([{ "stages": ["m.login.dummy"] }]));
        assert_eq!(challenge["params"], json!({}));
        let session = challenge["session"].as_str().expect("session id");

        let body = json!({ "auth": { "type": "m.login.dummy", "session": session } });
        let (status, reply) = client
            .call(Method::POST, "register", None, Some(body))
            .await;
        assert_eq!(status, 200, "{reply}");
        let user_id = format!("@alice:{}", client.server.server_name());
        assert_eq!(reply["user_id"], json!(user_id));
        let token = reply["access_token"].as_str().expect("access token");
        assert!(reply["device_id"].is_string());

        let (status, whoami) = client.get("account/whoami", token).await;
        assert_eq!(status, 200);
        assert_eq!(whoami["user_id"], json!(user_id));
        assert_eq!(whoami["device_id"], reply["device_id"]);
    }

    #[tokio::test]
    async fn usernames_are_checked() {
        let client = Client::start().await;
        client.register("bob").await;
        let attempt = |username: &str| json!({ "username": username, "password": "pw", "auth": { "type": "m.login.dummy" } });
        for (username, errcode) in [
            ("bob", "M_USER_IN_USE"),
            ("BOB", "M_USER_IN_USE"),
            ("b o b", "M_INVALID_USERNAME"),
            ("bob!", "M_INVALID_USERNAME"),
            ("_bob", "M_INVALID_USERNAME"),
            ("12345", "M_INVALID_USERNAME"),
        ] {
            let (status, reply) = client
                .call(Method::POST, "register", None, Some(attempt(username)))
                .await;
            assert_eq!(
                (status, reply["errcode"].as_str()),
                (400, Some(errcode)),
                "{username}"
            );
        }
        let (status, reply) = client
            .call(Method::GET, "register/available?username=bob", None, None)
            .await;
        assert_error(status, &reply, 400, "M_USER_IN_USE");
        let (status, reply) = client
            .call(Method::GET, "register/available?username=carol", None, None)
            .await;
        assert_eq!((status, reply), (200, json!({ "available": true })));
    }

    #[tokio::test]
    async fn a_missing_username_is_generated_and_a_missing_password_refused() {
        let client = Client::start().await;
        let body = json!({ "password": "pw", "auth": { "type": "m.login.dummy" } });
        let (status, reply) = client
            .call(Method::POST, "register", None, Some(body))
            .await;
        assert_eq!(status, 200, "{reply}");
        assert!(
            reply["user_id"]
                .as_str()
                .is_some_and(|id| id.starts_with('@'))
        );

        let body = json!({ "username": "dave", "auth": { "type": "m.login.dummy" } });
        let (status, reply) = client
            .call(Method::POST, "register", None, Some(body))
            .await;
        assert_error(status, &reply, 400, "M_MISSING_PARAM");

        let body = json!({ "auth": { "type": "m.login.dummy", "session": "nope" } });
        let (status, _) = client
            .call(Method::POST, "register", None, Some(body))
            .await;
        assert_eq!(status, 400);

        let (status, reply) = client
            .raw(Method::POST, "register", None, b"{oops".to_vec())
            .await;
        assert_error(status, &reply, 400, "M_NOT_JSON");
    }
}
