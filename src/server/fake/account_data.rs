//! PUT /_matrix/client/v3/user/{userId}/account_data/{type}
//! GET /_matrix/client/v3/user/{userId}/account_data/{type}
//! PUT /_matrix/client/v3/user/{userId}/rooms/{roomId}/account_data/{type}
//! GET /_matrix/client/v3/user/{userId}/rooms/{roomId}/account_data/{type}
//!
//! Errors come in this order: another user's data (403 `M_FORBIDDEN`), a malformed room
//! id (400 `M_INVALID_PARAM`), a server-managed type on PUT (405 `M_BAD_JSON`), a body
//! that is not a JSON object (400 `M_NOT_JSON` / `M_BAD_JSON`), nothing stored on GET
//! (404 `M_NOT_FOUND`). Global and room account data are separate stores.

use serde_json::{Map, Value, json};

use super::auth;
use super::call::Call;
use super::error::{ApiError, Outcome, Reply};
use super::ids;
use super::profile::Deviation;
use super::push_rules::ruleset;
use super::state::State;

/// The key of the account data at `userId`, which must be the requester's (unless the
/// server runs with `unchecked`, when any user's data is reachable).
fn owner(state: &State, call: &Call, verb: &str, unchecked: Deviation) -> Result<String, ApiError> {
    let session = auth::authenticate(state, call)?;
    if call.param(0) == session.user_id {
        Ok(state.account_data_owner(&session))
    } else if state.deviates(unchecked) {
        Ok(call.param(0).to_owned())
    } else {
        Err(ApiError::forbidden(format!(
            "Cannot {verb} account data for other users."
        )))
    }
}

fn check_room_id(state: &State, room_id: &str) -> Result<(), ApiError> {
    if ids::is_valid_room_id(room_id) || state.deviates(Deviation::InvalidRoomIdAccepted) {
        Ok(())
    } else if state.deviates(Deviation::InvalidRoomIdNotFound) {
        Err(ApiError::not_found(format!("Room {room_id} not found")))
    } else {
        Err(ApiError::invalid_param(format!(
            "{room_id} is not a valid room ID"
        )))
    }
}

/// The refusal of a PUT of the server-managed `kind` (in a room when `in_room`), if it
/// is one.
fn server_managed(state: &State, kind: &str, in_room: bool) -> Option<ApiError> {
    let refused = match kind {
        "m.fully_read" => in_room || !state.deviates(Deviation::FullyReadAccepted),
        "m.push_rules" => !(in_room && state.deviates(Deviation::RoomPushRulesAccepted)),
        _ => false,
    };
    let status =
        if kind == "m.fully_read" && in_room && state.deviates(Deviation::FullyReadBadRequest) {
            400
        } else {
            405
        };
    let errcode = if state.deviates(Deviation::ServerManagedForbidden) {
        "M_FORBIDDEN"
    } else {
        "M_BAD_JSON"
    };
    refused.then(|| {
        ApiError::new(
            status,
            errcode,
            format!("Cannot set {kind} through this API."),
        )
    })
}

/// The request body as account data content: a JSON object.
fn content(state: &State, call: &Call) -> Result<Value, ApiError> {
    if state.deviates(Deviation::NonObjectStored) {
        return serde_json::from_slice(&call.request.body)
            .map_err(|_| ApiError::not_json("Content not JSON."));
    }
    if state.deviates(Deviation::ScalarsStored) {
        return match serde_json::from_slice(&call.request.body) {
            Ok(Value::Array(_)) => Err(ApiError::bad_json("Content must be a JSON object.")),
            Ok(value) => Ok(value),
            Err(_) => Err(ApiError::not_json("Content not JSON.")),
        };
    }
    call.json_object().map(Value::Object)
}

/// Stores the body as the content of `kind` (in `room_id`, or globally).
fn put(state: &mut State, call: &Call, owner: &str, room_id: Option<&str>, kind: &str) -> Outcome {
    if let Some(refusal) = server_managed(state, kind, room_id.is_some()) {
        return Err(refusal);
    }
    let mut content = content(state, call)?;
    if state.deviates(Deviation::AccountDataMerged)
        && let Some(Value::Object(stored)) = state
            .account_data_entries(owner, room_id)
            .and_then(|entries| entries.get(kind))
            .map(|entry| &entry.content)
        && let Value::Object(new) = content
    {
        let mut merged: Map<String, Value> = stored.clone();
        merged.extend(new);
        content = Value::Object(merged);
    }
    if kind == "m.direct" && state.deviates(Deviation::DirectPrunedToJoined) {
        content = joined_only(state, owner, content);
    }
    if room_id.is_some() && state.deviates(Deviation::RoomDataIgnoresRoom) {
        for other in state.rooms_with_account_data(owner, kind) {
            state.put_account_data(owner, Some(&other), kind, content.clone());
        }
    }
    state.put_account_data(owner, room_id, kind, content);
    Ok(Reply::empty())
}

/// `m.direct` content with every room its owner has not joined left out of the lists.
fn joined_only(state: &State, owner: &str, content: Value) -> Value {
    let Value::Object(map) = content else {
        return content;
    };
    let joined = |room: &Value| {
        room.as_str()
            .and_then(|id| state.room(id))
            .is_some_and(|room| room.membership(owner) == Some("join"))
    };
    let pruned = map.into_iter().map(|(user, rooms)| match rooms {
        Value::Array(list) => (
            user,
            Value::Array(list.into_iter().filter(joined).collect()),
        ),
        other => (user, other),
    });
    Value::Object(pruned.collect())
}

/// The stored content of `kind` (in `room_id`, or globally), with the fallbacks a
/// deviating server takes when there is none.
fn stored<'s>(
    state: &'s State,
    owner: &str,
    room_id: Option<&str>,
    kind: &str,
) -> Option<&'s Value> {
    let own = state
        .account_data_entries(owner, room_id)
        .and_then(|entries| entries.get(kind))
        .filter(|entry| {
            !(state.deviates(Deviation::EmptyObjectDeletes) && entry.content == json!({}))
        });
    let fallback = || match room_id {
        Some(_) if state.deviates(Deviation::RoomFallsBackToGlobal) => state
            .account_data_entries(owner, None)
            .and_then(|entries| entries.get(kind)),
        None if state.deviates(Deviation::GlobalFallsBackToRoom) => state
            .account_data
            .get(owner)
            .and_then(|data| data.rooms.values().find_map(|entries| entries.get(kind))),
        _ => None,
    };
    own.or_else(fallback).map(|entry| &entry.content)
}

/// The stored content of `kind` (in `room_id`, or globally).
fn get(state: &State, owner: &str, room_id: Option<&str>, kind: &str) -> Outcome {
    match stored(state, owner, room_id, kind) {
        Some(content) if state.deviates(Deviation::AccountDataWrapped) => {
            Ok(Reply::ok(json!({ "type": kind, "content": content })))
        }
        Some(content) => Ok(Reply::ok(content.clone())),
        None if state.deviates(Deviation::UnsetAnswersEmpty) => Ok(Reply::empty()),
        None if state.deviates(Deviation::UnsetAnswersUnknown) => {
            Err(ApiError::unknown(404, "Account data not found"))
        }
        None if room_id.is_some() => Err(ApiError::not_found("Room account data not found")),
        None => Err(ApiError::not_found("Account data not found")),
    }
}

/// `PUT /user/{userId}/account_data/{type}`.
pub fn put_global(state: &mut State, call: &Call) -> Outcome {
    let owner = owner(state, call, "add", Deviation::OtherUserPutAllowed)?;
    put(state, call, &owner, None, call.param(1))
}

/// `GET /user/{userId}/account_data/{type}`; `m.push_rules` is the user's push rules.
pub fn get_global(state: &mut State, call: &Call) -> Outcome {
    let owner = owner(state, call, "get", Deviation::OtherUserGetAllowed)?;
    let kind = call.param(1);
    if kind == "m.push_rules" && !state.deviates(Deviation::PushRulesNotFound) {
        return Ok(Reply::ok(ruleset(state, call.param(0))));
    }
    get(state, &owner, None, kind)
}

/// `PUT /user/{userId}/rooms/{roomId}/account_data/{type}`.
pub fn put_room(state: &mut State, call: &Call) -> Outcome {
    let owner = owner(state, call, "add", Deviation::OtherUserPutAllowed)?;
    let room_id = call.param(1);
    check_room_id(state, room_id)?;
    put(state, call, &owner, Some(room_id), call.param(2))
}

/// `GET /user/{userId}/rooms/{roomId}/account_data/{type}`; room push rules are `{}`.
pub fn get_room(state: &mut State, call: &Call) -> Outcome {
    let owner = owner(state, call, "get", Deviation::OtherUserGetAllowed)?;
    let room_id = call.param(1);
    check_room_id(state, room_id)?;
    let kind = call.param(2);
    if kind == "m.push_rules" {
        return Ok(Reply::ok(json!({})));
    }
    get(state, &owner, Some(room_id), kind)
}

#[cfg(test)]
mod tests {
    use reqwest::Method;
    use serde_json::json;

    use super::super::testing::{Client, assert_error, encode};

    #[tokio::test]
    async fn global_account_data_round_trips_and_is_replaced_whole() {
        let client = Client::start().await;
        let alice = client.register("alice").await;
        let path = format!("user/{}/account_data/m.direct", encode(&alice.user_id));

        let (status, reply) = client.get(&path, &alice.token).await;
        assert_error(status, &reply, 404, "M_NOT_FOUND");
        let first = json!({ "@bob:example.org": ["!a:example.org"], "@carol:example.org": ["!b:example.org"] });
        let (status, reply) = client.put(&path, &alice.token, first.clone()).await;
        assert_eq!((status, reply), (200, json!({})));
        assert_eq!(client.get(&path, &alice.token).await, (200, first));
        let second = json!({ "@bob:example.org": ["!c:example.org"] });
        client.put(&path, &alice.token, second.clone()).await;
        assert_eq!(client.get(&path, &alice.token).await, (200, second));

        let room_path = format!(
            "user/{}/rooms/%21a%3Aexample.org/account_data/m.direct",
            encode(&alice.user_id)
        );
        let (status, _) = client.get(&room_path, &alice.token).await;
        assert_eq!(status, 404);
    }

    #[tokio::test]
    async fn room_account_data_is_separate_from_global() {
        let client = Client::start().await;
        let alice = client.register("alice").await;
        let user = encode(&alice.user_id);
        let room_path =
            format!("user/{user}/rooms/%21r%3Aexample.org/account_data/org.example.tag");
        let (status, _) = client
            .put(&room_path, &alice.token, json!({ "colour": "red" }))
            .await;
        assert_eq!(status, 200);
        assert_eq!(
            client.get(&room_path, &alice.token).await,
            (200, json!({ "colour": "red" }))
        );
        let global_path = format!("user/{user}/account_data/org.example.tag");
        assert_eq!(client.get(&global_path, &alice.token).await.0, 404);
    }

    #[tokio::test]
    async fn errors_follow_the_documented_precedence() {
        let (client, alice, bob) = Client::start_with_pair().await;
        let user = encode(&alice.user_id);
        let global = |kind: &str| format!("user/{user}/account_data/{kind}");
        let room = |room: &str, kind: &str| format!("user/{user}/rooms/{room}/account_data/{kind}");

        let (status, reply) = client.put(&global("m.direct"), &bob.token, json!({})).await;
        assert_error(status, &reply, 403, "M_FORBIDDEN");
        let (status, _) = client.get(&global("m.direct"), &bob.token).await;
        assert_eq!(status, 403);
        let (status, reply) = client
            .put(&room("%40notaroom%3Ax", "m.tag"), &bob.token, json!({}))
            .await;
        assert_error(status, &reply, 403, "M_FORBIDDEN");
        let (status, reply) = client
            .put(&room("%40notaroom%3Ax", "m.tag"), &alice.token, json!({}))
            .await;
        assert_error(status, &reply, 400, "M_INVALID_PARAM");
        let (status, reply) = client.get(&room("nonsense", "m.tag"), &alice.token).await;
        assert_error(status, &reply, 400, "M_INVALID_PARAM");

        for path in [
            global("m.fully_read"),
            global("m.push_rules"),
            room("%21r%3Ax", "m.fully_read"),
            room("%21r%3Ax", "m.push_rules"),
        ] {
            let (status, reply) = client.put(&path, &alice.token, json!({})).await;
            assert_error(status, &reply, 405, "M_BAD_JSON");
        }
        for (body, errcode) in [(&b"{nope"[..], "M_NOT_JSON"), (&b"[1]"[..], "M_BAD_JSON")] {
            let path = global("m.direct");
            let (status, reply) = client
                .raw(Method::PUT, &path, Some(&alice.token), body.to_vec())
                .await;
            assert_error(status, &reply, 400, errcode);
        }

        let (status, rules) = client.get(&global("m.push_rules"), &alice.token).await;
        assert_eq!(status, 200);
        for kind in ["override", "content", "room", "sender", "underride"] {
            assert!(rules["global"][kind].is_array(), "{kind}");
        }
    }
}
