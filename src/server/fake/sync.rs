//! GET /_matrix/client/v3/sync
//!
//! `next_batch` is `s<position>` for the server's global stream position. Without
//! `since` the answer is a full snapshot; with it, only what changed after that
//! position. An incremental sync with nothing new answers after `timeout` (capped at one
//! second) with the same token, standing in for a long poll. Account data is gathered
//! in `sync_account_data`, rooms in `sync_rooms`.

use std::time::Duration;

use serde_json::{Map, Value, json};

use super::auth;
use super::call::Call;
use super::error::{ApiError, Outcome, Reply};
use super::event::now_ms;
use super::filter::sync_filter;
use super::profile::Deviation;
use super::state::State;
use super::sync_account_data::global_account_data;
use super::sync_rooms::{SyncRequest, rooms_section};

/// The longest an empty incremental sync waits.
const MAX_LONG_POLL: Duration = Duration::from_secs(1);

/// The token for stream position `position`.
pub fn stream_token(position: u64) -> String {
    format!("s{position}")
}

/// The stream position of a token; 400 `M_UNKNOWN` when it is not one.
pub fn parse_stream_token(token: &str) -> Result<u64, ApiError> {
    token
        .strip_prefix('s')
        .and_then(|digits| digits.parse().ok())
        .ok_or_else(|| ApiError::unknown(400, format!("Invalid stream token '{token}'")))
}

fn boolean_query(call: &Call, name: &str) -> Result<bool, ApiError> {
    match call.query(name).as_deref() {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(_) => Err(ApiError::invalid_param(format!(
            "Boolean query parameter '{name}' must be one of ['true', 'false']"
        ))),
    }
}

fn timeout_query(call: &Call) -> Result<u64, ApiError> {
    call.query("timeout").map_or(Ok(0), |text| {
        text.parse().map_err(|_| {
            ApiError::invalid_param("Query parameter 'timeout' must be a non-negative integer")
        })
    })
}

/// The response skeleton every sync answer carries.
fn response(next_batch: &str) -> Map<String, Value> {
    let mut body = Map::new();
    body.insert("next_batch".into(), json!(next_batch));
    body.insert(
        "device_one_time_keys_count".into(),
        json!({ "signed_curve25519": 0 }),
    );
    body.insert("device_unused_fallback_key_types".into(), json!([]));
    body
}

/// `GET /sync`.
pub fn get_sync(state: &mut State, call: &Call) -> Outcome {
    let session = auth::authenticate(state, call)?;
    let timeout = timeout_query(call)?;
    let since_token = call.query("since");
    if let Some(presence) = call.query("set_presence")
        && !matches!(presence.as_str(), "offline" | "online" | "unavailable")
    {
        return Err(ApiError::invalid_param(
            "Query parameter 'set_presence' must be one of ['offline', 'online', 'unavailable']",
        ));
    }
    let full_state = boolean_query(call, "full_state")?;
    let filter = sync_filter(state, &session.user_id, call.query("filter").as_deref())?;
    let since = since_token.as_deref().map(parse_stream_token).transpose()?;
    let until = match since {
        Some(since) if state.deviates(Deviation::SyncBatchesSplit) => {
            state.position().min(since + 1)
        }
        _ => state.position(),
    };
    let account_data_owner = state.account_data_owner(&session);
    let request = SyncRequest {
        user_id: &session.user_id,
        account_data_owner: &account_data_owner,
        since,
        until,
        full_state,
        filter: &filter,
        now_ms: now_ms(),
    };
    let account_data = global_account_data(state, &request);
    let rooms = rooms_section(state, &request);

    if let Some(token) = since_token
        && !full_state
        && until == state.position()
        && account_data.is_empty()
        && rooms.is_empty()
    {
        let delay = if state.deviates(Deviation::LongPollReturnsEarly) {
            Duration::ZERO
        } else {
            Duration::from_millis(timeout).min(MAX_LONG_POLL)
        };
        return Ok(Reply {
            body: Value::Object(response(&token)),
            delay,
        });
    }
    let mut body = response(&stream_token(until));
    if state.deviates(Deviation::ResponseExtraFields) {
        body.insert("org.example.server_time".into(), json!(request.now_ms));
    }
    if !account_data.is_empty() {
        body.insert("account_data".into(), json!({ "events": account_data }));
    }
    if !rooms.is_empty() {
        body.insert("rooms".into(), rooms.into_value());
    }
    Ok(Reply::ok(Value::Object(body)))
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use serde_json::{Value, json};

    use super::super::testing::{Client, assert_error, encode};

    fn event_types(events: &Value) -> Vec<String> {
        events
            .as_array()
            .map(|events| {
                events
                    .iter()
                    .filter_map(|e| e["type"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    #[tokio::test]
    async fn invitees_see_stripped_invite_state() {
        let (client, alice, bob) = Client::start_with_pair().await;
        let room_id = client
            .create_room(
                &alice,
                json!({ "invite": [bob.user_id], "is_direct": true, "name": "Chat" }),
            )
            .await;

        let sync = client.sync(&bob, "").await;
        let events = sync["rooms"]["invite"][&room_id]["invite_state"]["events"]
            .as_array()
            .expect("invite_state events")
            .clone();
        for event in &events {
            let mut keys: Vec<&str> = event
                .as_object()
                .expect("object")
                .keys()
                .map(String::as_str)
                .collect();
            keys.sort_unstable();
            assert_eq!(keys, ["content", "sender", "state_key", "type"]);
        }
        let types = event_types(&Value::Array(events.clone()));
        for kind in ["m.room.create", "m.room.join_rules", "m.room.name"] {
            assert!(types.iter().any(|t| t == kind), "{kind}");
        }
        let own = events
            .iter()
            .find(|e| e["type"] == "m.room.member" && e["state_key"] == json!(bob.user_id))
            .expect("the invite itself");
        assert_eq!(own["content"]["membership"], "invite");
        assert_eq!(own["content"]["is_direct"], true);
        assert!(
            events
                .iter()
                .any(|e| e["type"] == "m.room.member" && e["state_key"] == json!(alice.user_id))
        );
        assert!(sync["rooms"].get("join").is_none());
    }

    #[tokio::test]
    async fn joined_rooms_carry_state_timeline_and_room_account_data() {
        let client = Client::start().await;
        let alice = client.register("alice").await;
        let room_id = client.create_room(&alice, json!({ "name": "Notes" })).await;
        let path = format!(
            "user/{}/rooms/{}/account_data/m.tag",
            encode(&alice.user_id),
            encode(&room_id)
        );
        client
            .put(&path, &alice.token, json!({ "tags": { "u.work": {} } }))
            .await;

        let sync = client.sync(&alice, "").await;
        let room = &sync["rooms"]["join"][&room_id];
        let mut types = event_types(&room["state"]["events"]);
        types.extend(event_types(&room["timeline"]["events"]));
        for kind in [
            "m.room.create",
            "m.room.member",
            "m.room.power_levels",
            "m.room.name",
        ] {
            assert!(types.iter().any(|t| t == kind), "{kind}");
        }
        assert_eq!(
            room["account_data"]["events"],
            json!([{ "type": "m.tag", "content": { "tags": { "u.work": {} } } }])
        );
        assert!(room["timeline"]["limited"].is_boolean());
        let push_rules = sync["account_data"]["events"]
            .as_array()
            .expect("account data");
        assert!(push_rules.iter().any(|e| e["type"] == "m.push_rules"));

        let limited = client
            .sync(
                &alice,
                "filter=%7B%22room%22%3A%7B%22timeline%22%3A%7B%22limit%22%3A2%7D%7D%7D",
            )
            .await;
        let room = &limited["rooms"]["join"][&room_id];
        assert_eq!(room["timeline"]["events"].as_array().map(Vec::len), Some(2));
        assert_eq!(room["timeline"]["limited"], true);
        assert!(
            event_types(&room["state"]["events"])
                .iter()
                .any(|t| t == "m.room.create")
        );
    }

    #[tokio::test]
    async fn incremental_sync_delivers_only_later_account_data() {
        let client = Client::start().await;
        let alice = client.register("alice").await;
        let user = encode(&alice.user_id);
        client
            .put(
                &format!("user/{user}/account_data/org.example.old"),
                &alice.token,
                json!({ "v": 1 }),
            )
            .await;
        let first = client.sync(&alice, "").await;
        let since = first["next_batch"].as_str().expect("next_batch").to_owned();

        client
            .put(
                &format!("user/{user}/account_data/m.direct"),
                &alice.token,
                json!({ "@b:x": ["!r:x"] }),
            )
            .await;
        let next = client
            .sync(&alice, &format!("since={since}&timeout=0"))
            .await;
        assert_eq!(
            next["account_data"]["events"],
            json!([{ "type": "m.direct", "content": { "@b:x": ["!r:x"] } }])
        );
        assert_ne!(next["next_batch"], json!(since));
        assert!(next.get("rooms").is_none());

        let token = next["next_batch"].as_str().expect("next_batch");
        let started = Instant::now();
        let idle = client
            .sync(&alice, &format!("since={token}&timeout=300"))
            .await;
        assert!(started.elapsed() >= Duration::from_millis(250));
        assert_eq!(idle["next_batch"], json!(token));
        assert!(idle.get("account_data").is_none());
    }

    #[tokio::test]
    async fn incremental_sync_reports_new_invites_and_room_account_data_under_join_only() {
        let (client, alice, bob) = Client::start_with_pair().await;
        let since = client.sync(&bob, "").await["next_batch"]
            .as_str()
            .expect("token")
            .to_owned();
        let room_id = client
            .create_room(
                &alice,
                json!({ "invite": [bob.user_id], "is_direct": true }),
            )
            .await;
        let room_path = format!(
            "user/{}/rooms/{}/account_data/m.tag",
            encode(&bob.user_id),
            encode(&room_id)
        );
        client
            .put(&room_path, &bob.token, json!({ "tags": {} }))
            .await;

        let invited = client.sync(&bob, &format!("since={since}")).await;
        assert!(invited["rooms"]["invite"].get(&room_id).is_some());
        assert!(
            invited["rooms"]["invite"][&room_id]
                .get("account_data")
                .is_none()
        );
        assert!(invited["rooms"].get("join").is_none());

        let since = invited["next_batch"].as_str().expect("token").to_owned();
        client
            .put(
                &room_path,
                &bob.token,
                json!({ "tags": { "m.favourite": {} } }),
            )
            .await;
        client
            .post(
                &format!("rooms/{}/join", encode(&room_id)),
                &bob.token,
                json!({}),
            )
            .await;
        let joined = client.sync(&bob, &format!("since={since}")).await;
        let room = &joined["rooms"]["join"][&room_id];
        let timeline = room["timeline"]["events"].as_array().expect("timeline");
        let join = timeline
            .iter()
            .rev()
            .find(|e| e["type"] == "m.room.member")
            .expect("join event");
        assert_eq!(join["content"]["membership"], "join");
        assert_eq!(join["unsigned"]["prev_content"]["is_direct"], true);
        assert_eq!(
            room["account_data"]["events"],
            json!([{ "type": "m.tag", "content": { "tags": { "m.favourite": {} } } }])
        );
        assert!(joined["rooms"].get("invite").is_none());
    }

    #[tokio::test]
    async fn filters_are_stored_and_applied() {
        let (client, alice, bob) = Client::start_with_pair().await;
        let user = encode(&alice.user_id);
        client
            .put(
                &format!("user/{user}/account_data/m.direct"),
                &alice.token,
                json!({}),
            )
            .await;
        client
            .put(
                &format!("user/{user}/account_data/org.example.x"),
                &alice.token,
                json!({}),
            )
            .await;

        let definition = json!({ "account_data": { "types": ["m.direct"] } });
        let (status, reply) = client
            .post(
                &format!("user/{user}/filter"),
                &alice.token,
                definition.clone(),
            )
            .await;
        assert_eq!(status, 200);
        let filter_id = reply["filter_id"].as_str().expect("filter_id").to_owned();
        assert_eq!(
            client
                .get(&format!("user/{user}/filter/{filter_id}"), &alice.token)
                .await,
            (200, definition)
        );
        assert_eq!(
            client
                .get(&format!("user/{user}/filter/{filter_id}"), &bob.token)
                .await
                .0,
            403
        );
        assert_eq!(
            client
                .get(&format!("user/{user}/filter/42"), &alice.token)
                .await
                .0,
            404
        );

        let sync = client.sync(&alice, &format!("filter={filter_id}")).await;
        assert_eq!(event_types(&sync["account_data"]["events"]), ["m.direct"]);
        let (status, reply) = client.get("sync?filter=99", &alice.token).await;
        assert_error(status, &reply, 400, "M_INVALID_PARAM");
        let (status, reply) = client.get("sync?since=garbage", &alice.token).await;
        assert_eq!(status, 400, "{reply}");
    }
}
