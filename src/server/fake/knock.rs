//! POST /_matrix/client/v3/knock/{roomIdOrAlias}
//!
//! Also the knocking rules: the join rule must be `knock` (room version 7 and later) or
//! `knock_restricted` (room version 10 and later), and users already joined, invited or
//! banned cannot knock. A knock stores the room's stripped state, which `/sync` shows in
//! `rooms.knock.<id>.knock_state` and the knock event in `unsigned.knock_room_state`.

use serde_json::{Value, json};

use super::auth;
use super::call::Call;
use super::error::{ApiError, Outcome, Reply};
use super::ids;
use super::membership::{MembershipChange, change_membership, reason_content};
use super::room::Room;
use super::state::State;

/// The room version of `room` as a number (`1` when unset or not numeric).
fn room_version(room: &Room) -> u32 {
    room.state_event("m.room.create", "")
        .and_then(|create| create.content.get("room_version"))
        .and_then(Value::as_str)
        .and_then(|version| version.parse().ok())
        .unwrap_or(1)
}

/// Checks that a user whose current membership is `current` may knock on `room`.
pub fn check_knock(room: &Room, current: Option<&str>) -> Result<(), ApiError> {
    match current {
        Some("join") => return Err(ApiError::forbidden("You are already in the room.")),
        Some("invite") => {
            return Err(ApiError::forbidden("You are already invited to this room."));
        }
        Some("ban") => return Err(ApiError::forbidden("You are banned from this room")),
        _ => {}
    }
    let minimum_version = match room.join_rule() {
        "knock" => 7,
        "knock_restricted" => 10,
        _ => {
            return Err(ApiError::forbidden(
                "You are not allowed to knock on this room.",
            ));
        }
    };
    if room_version(room) < minimum_version {
        return Err(ApiError::forbidden(
            "This room version does not support knocking.",
        ));
    }
    Ok(())
}

/// `POST /knock/{roomIdOrAlias}`: asks to join a room whose join rule allows knocking.
pub fn post_knock(state: &mut State, call: &Call) -> Outcome {
    let session = auth::authenticate(state, call)?;
    let body = call.json_object_or_empty()?;
    let target = call.param(0);
    let room_id = if target.starts_with('#') {
        state
            .aliases
            .get(target)
            .cloned()
            .ok_or_else(|| ApiError::not_found(format!("Room alias {target} not found")))?
    } else if ids::is_valid_room_id(target) {
        target.to_owned()
    } else {
        return Err(ApiError::invalid_param(format!(
            "{target} was not legal room ID or room alias"
        )));
    };
    let known = state
        .room(&room_id)
        .is_some_and(|room| !room.members("join").is_empty());
    if !known {
        return Err(ApiError::not_found("That room does not appear to exist."));
    }
    let user_id = session.user_id.as_str();
    let change = MembershipChange::new(&room_id, user_id, user_id, "knock", reason_content(&body));
    change_membership(state, &change)?;
    Ok(Reply::ok(json!({ "room_id": room_id })))
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::super::testing::{Client, assert_error, encode};

    /// A room alice created with the given join rule and room version.
    fn knockable(join_rule: &str, version: &str) -> Value {
        json!({
            "room_version": version,
            "name": "Door",
            "initial_state": [{ "type": "m.room.join_rules", "content": { "join_rule": join_rule } }],
        })
    }

    #[tokio::test]
    async fn knocks_show_stripped_state_with_the_create_event() {
        let (client, alice, bob) = Client::start_with_pair().await;
        let room_id = client.create_room(&alice, knockable("knock", "11")).await;
        let room = encode(&room_id);
        let (status, reply) = client
            .post(
                &format!("knock/{room}"),
                &bob.token,
                json!({ "reason": "let me in" }),
            )
            .await;
        assert_eq!((status, reply), (200, json!({ "room_id": room_id })));

        let sync = client.sync(&bob, "").await;
        let events = sync["rooms"]["knock"][&room_id]["knock_state"]["events"]
            .as_array()
            .expect("knock_state events")
            .clone();
        assert!(events.iter().any(|e| e["type"] == "m.room.create"));
        assert!(events.iter().any(|e| e["type"] == "m.room.name"));
        let own = events.last().expect("the knock itself");
        assert_eq!(own["state_key"], json!(bob.user_id));
        assert_eq!(own["content"]["membership"], "knock");
        assert_eq!(own["content"]["reason"], "let me in");

        let path = format!(
            "rooms/{room}/state/m.room.member/{}?format=event",
            encode(&bob.user_id)
        );
        let (status, event) = client.get(&path, &alice.token).await;
        assert_eq!(status, 200);
        let knock_room_state = event["unsigned"]["knock_room_state"]
            .as_array()
            .expect("knock_room_state");
        assert!(
            knock_room_state
                .iter()
                .any(|e| e["type"] == "m.room.create")
        );

        let (status, reply) = client
            .post(&format!("knock/{room}"), &alice.token, json!({}))
            .await;
        assert_error(status, &reply, 403, "M_FORBIDDEN");
        let invite = json!({ "user_id": bob.user_id });
        let (status, _) = client
            .post(&format!("rooms/{room}/invite"), &alice.token, invite)
            .await;
        assert_eq!(status, 200);
        let (status, _) = client
            .post(&format!("rooms/{room}/join"), &bob.token, json!({}))
            .await;
        assert_eq!(status, 200);
    }

    #[tokio::test]
    async fn knocking_needs_a_knock_join_rule_and_a_known_room() {
        let (client, alice, bob) = Client::start_with_pair().await;
        let private = client.create_room(&alice, json!({})).await;
        let (status, reply) = client
            .post(
                &format!("knock/{}", encode(&private)),
                &bob.token,
                json!({}),
            )
            .await;
        assert_error(status, &reply, 403, "M_FORBIDDEN");
        let old = client.create_room(&alice, knockable("knock", "6")).await;
        let (status, _) = client
            .post(&format!("knock/{}", encode(&old)), &bob.token, json!({}))
            .await;
        assert_eq!(status, 403);
        let (status, reply) = client
            .post("knock/%21nowhere%3Aexample.org", &bob.token, json!({}))
            .await;
        assert_error(status, &reply, 404, "M_NOT_FOUND");
        let (status, reply) = client.post("knock/nonsense", &bob.token, json!({})).await;
        assert_error(status, &reply, 400, "M_INVALID_PARAM");

        let restricted = client
            .create_room(&alice, knockable("knock_restricted", "10"))
            .await;
        let room = encode(&restricted);
        let (status, _) = client
            .post(&format!("knock/{room}"), &bob.token, json!({}))
            .await;
        assert_eq!(status, 200);
        let since = client.sync(&bob, "").await["next_batch"]
            .as_str()
            .expect("token")
            .to_owned();
        let (status, _) = client
            .post(&format!("rooms/{room}/leave"), &bob.token, json!({}))
            .await;
        assert_eq!(status, 200);
        let sync = client.sync(&bob, &format!("since={since}")).await;
        assert!(sync["rooms"]["leave"].get(&restricted).is_some());
        assert!(sync["rooms"].get("knock").is_none());
    }
}
