//! POST /_matrix/client/v3/user/{userId}/filter
//! GET /_matrix/client/v3/user/{userId}/filter/{filterId}
//!
//! Also the lookup `/sync` uses for its `filter` parameter (an id or inline JSON).

use serde_json::{Value, json};

use super::auth;
use super::call::Call;
use super::error::{ApiError, Outcome, Reply};
use super::state::State;
use super::sync_filter::SyncFilter;

/// `POST /user/{userId}/filter`: stores a filter; identical filters share an id.
pub fn post_filter(state: &mut State, call: &Call) -> Outcome {
    let session = auth::authenticate(state, call)?;
    if call.param(0) != session.user_id {
        return Err(ApiError::forbidden("Cannot create filters for other users"));
    }
    let definition = Value::Object(call.json_object()?);
    SyncFilter::parse(&definition)?;
    let filters = state.filters.entry(session.user_id).or_default();
    let index = match filters.iter().position(|stored| *stored == definition) {
        Some(index) => index,
        None => {
            filters.push(definition);
            filters.len() - 1
        }
    };
    Ok(Reply::ok(json!({ "filter_id": index.to_string() })))
}

/// `GET /user/{userId}/filter/{filterId}`: a stored filter definition.
pub fn get_filter(state: &mut State, call: &Call) -> Outcome {
    let session = auth::authenticate(state, call)?;
    if call.param(0) != session.user_id {
        return Err(ApiError::forbidden("Cannot get filters for other users"));
    }
    let index: usize = call
        .param(1)
        .parse()
        .map_err(|_| ApiError::unknown(400, "Invalid filter_id"))?;
    state
        .filters
        .get(&session.user_id)
        .and_then(|filters| filters.get(index))
        .map(|definition| Reply::ok(definition.clone()))
        .ok_or_else(|| ApiError::not_found("No such filter"))
}

/// The filter a `/sync` request names: none, inline JSON (starting with `{`), or the
/// id of a filter the user uploaded.
pub fn sync_filter(
    state: &State,
    user_id: &str,
    param: Option<&str>,
) -> Result<SyncFilter, ApiError> {
    let Some(param) = param else {
        return Ok(SyncFilter::default());
    };
    if param.starts_with('{') {
        let definition: Value =
            serde_json::from_str(param).map_err(|_| ApiError::not_json("Invalid filter JSON"))?;
        return SyncFilter::parse(&definition);
    }
    let no_such_filter = || ApiError::invalid_param("No such filter");
    let index: usize = param.parse().map_err(|_| no_such_filter())?;
    let definition = state
        .filters
        .get(user_id)
        .and_then(|filters| filters.get(index))
        .ok_or_else(no_such_filter)?;
    SyncFilter::parse(definition)
}
