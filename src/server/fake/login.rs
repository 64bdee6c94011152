//! GET /_matrix/client/v3/login
//! POST /_matrix/client/v3/login
//! GET /_matrix/client/v3/account/whoami

use serde_json::{Map, Value, json};

use super::auth;
use super::call::{Call, optional_string};
use super::error::{ApiError, Outcome, Reply};
use super::state::State;

/// `GET /login`: the supported login types.
pub fn get_login(_state: &mut State, _call: &Call) -> Outcome {
    Ok(Reply::ok(json!({
        "flows": [
            { "type": "m.login.password" },
            { "type": "m.login.application_service" },
        ]
    })))
}

fn invalid_credentials() -> ApiError {
    ApiError::forbidden("Invalid username or password")
}

/// The user named by the login submission (`identifier`, or the legacy `user` field),
/// as given: a localpart or a full user id.
fn login_user(body: &Map<String, Value>) -> Result<String, ApiError> {
    let identifier = match (body.get("identifier"), body.get("user")) {
        (_, Some(Value::String(user))) if !user.is_empty() => {
            return Ok(user.clone());
        }
        (Some(Value::Object(identifier)), _) => identifier,
        _ if body.contains_key("medium") && body.contains_key("address") => {
            return Err(invalid_credentials());
        }
        _ => return Err(ApiError::invalid_param("Invalid login submission")),
    };
    match identifier.get("type").and_then(Value::as_str) {
        None => Err(ApiError::new(
            400,
            "M_MISSING_PARAM",
            "'identifier' dict has no key 'type'",
        )),
        Some("m.id.user") => match identifier.get("user") {
            Some(Value::String(user)) => Ok(user.clone()),
            _ => Err(ApiError::unknown(
                400,
                "User identifier is missing 'user' key",
            )),
        },
        Some("m.id.thirdparty" | "m.id.phone") => Err(invalid_credentials()),
        Some(_) => Err(ApiError::unknown(400, "Unknown login identifier type")),
    }
}

/// `POST /login`: password login; returns a new access token and device.
pub fn post_login(state: &mut State, call: &Call) -> Outcome {
    let body = call.json_object()?;
    let login_type = match body.get("type") {
        Some(Value::String(kind)) => kind.as_str(),
        _ => return Err(ApiError::invalid_param("Bad parameter: type")),
    };
    if login_type != "m.login.password" {
        return Err(ApiError::unknown(
            400,
            format!("Unknown login type {login_type}"),
        ));
    }
    let password = match body.get("password") {
        Some(Value::String(password)) => password,
        _ => return Err(ApiError::invalid_param("Bad parameter: password")),
    };
    let user = login_user(&body)?;
    let wanted = if user.starts_with('@') {
        user
    } else {
        state.user_id(&user)
    }
    .to_lowercase();
    let user_id = state
        .users
        .iter()
        .find(|(id, account)| id.to_lowercase() == wanted && account.password.matches(password))
        .map(|(id, _)| id.clone())
        .ok_or_else(invalid_credentials)?;
    let device_id = optional_string(&body, "device_id")?.map(str::to_owned);
    let (access_token, device_id) = state.log_in(&user_id, device_id);
    Ok(Reply::ok(json!({
        "user_id": user_id,
        "access_token": access_token,
        "home_server": state.server_name,
        "device_id": device_id,
    })))
}

/// `GET /account/whoami`: the owner of the access token.
pub fn get_whoami(state: &mut State, call: &Call) -> Outcome {
    let session = auth::authenticate(state, call)?;
    Ok(Reply::ok(json!({
        "user_id": session.user_id,
        "is_guest": false,
        "device_id": session.device_id,
    })))
}

#[cfg(test)]
mod tests {
    use reqwest::Method;
    use serde_json::json;

    use super::super::testing::{Client, assert_error};

    #[tokio::test]
    async fn password_login_accepts_localparts_full_ids_and_the_legacy_field() {
        let client = Client::start().await;
        let alice = client.register("alice").await;
        let (status, flows) = client.call(Method::GET, "login", None, None).await;
        assert_eq!(status, 200);
        assert_eq!(flows["flows"][0], json!({ "type": "m.login.password" }));

        for body in [
            json!({ "type": "m.login.password", "identifier": { "type": "m.id.user", "user": "alice" }, "password": "secret" }),
            json!({ "type": "m.login.password", "identifier": { "type": "m.id.user", "user": alice.user_id }, "password": "secret" }),
            json!({ "type": "m.login.password", "user": "alice", "password": "secret", "device_id": "PHONE" }),
        ] {
            let (status, reply) = client.call(Method::POST, "login", None, Some(body)).await;
            assert_eq!(status, 200, "{reply}");
            assert_eq!(reply["user_id"], json!(alice.user_id));
            let token = reply["access_token"].as_str().expect("token");
            let (status, whoami) = client.get("account/whoami", token).await;
            assert_eq!((status, &whoami["device_id"]), (200, &reply["device_id"]));
        }

        let wrong = json!({ "type": "m.login.password", "user": "alice", "password": "nope" });
        let (status, reply) = client.call(Method::POST, "login", None, Some(wrong)).await;
        assert_error(status, &reply, 403, "M_FORBIDDEN");
    }

    #[tokio::test]
    async fn missing_and_unknown_tokens_are_refused() {
        let client = Client::start().await;
        let (status, reply) = client.call(Method::GET, "account/whoami", None, None).await;
        assert_error(status, &reply, 401, "M_MISSING_TOKEN");
        let (status, reply) = client.get("account/whoami", "bogus").await;
        assert_error(status, &reply, 401, "M_UNKNOWN_TOKEN");

        let alice = client.register("alice").await;
        let (status, _) = client
            .call(
                Method::GET,
                &format!("account/whoami?access_token={}", alice.token),
                None,
                None,
            )
            .await;
        assert_eq!(status, 200);
    }
}
