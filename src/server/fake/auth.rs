//! Access-token authentication: the token comes from an `Authorization: Bearer` header
//! or the `access_token` query parameter; a missing token is 401 `M_MISSING_TOKEN`, an
//! unknown one 401 `M_UNKNOWN_TOKEN`.

use serde_json::Value;
use wiremock::Request;

use super::call::Call;
use super::error::ApiError;
use super::state::{Session, State};

fn missing_token(error: &str) -> ApiError {
    ApiError::new(401, "M_MISSING_TOKEN", error)
}

/// The access token the request carries, if any.
pub fn access_token(request: &Request) -> Result<Option<String>, ApiError> {
    let mut headers = request.headers.get_all("authorization").iter();
    let header = headers.next();
    if headers.next().is_some() {
        return Err(missing_token("Too many Authorization headers."));
    }
    let from_query = request
        .url
        .query_pairs()
        .find(|(key, _)| key == "access_token")
        .map(|(_, value)| value.into_owned());
    match (header, from_query) {
        (Some(_), Some(_)) => Err(ApiError::new(
            400,
            "M_MISSING_TOKEN",
            "Mixing Authorization headers and access_token query parameters.",
        )),
        (Some(value), None) => {
            let text = value
                .to_str()
                .map_err(|_| missing_token("Invalid Authorization header."))?;
            match text.split_once(' ') {
                Some(("Bearer", token)) if !token.is_empty() && !token.contains(' ') => {
                    Ok(Some(token.to_owned()))
                }
                _ => Err(missing_token("Invalid Authorization header.")),
            }
        }
        (None, from_query) => Ok(from_query),
    }
}

/// The session behind the request's access token.
pub fn authenticate(state: &State, call: &Call) -> Result<Session, ApiError> {
    let token =
        access_token(call.request)?.ok_or_else(|| missing_token("Missing access token."))?;
    state.sessions.get(&token).cloned().ok_or_else(|| {
        ApiError::new(401, "M_UNKNOWN_TOKEN", "Invalid access token passed.")
            .field("soft_logout", Value::Bool(false))
    })
}
