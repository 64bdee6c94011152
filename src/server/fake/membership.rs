//! POST /_matrix/client/v3/rooms/{roomId}/invite
//! POST /_matrix/client/v3/rooms/{roomId}/join
//! POST /_matrix/client/v3/join/{roomIdOrAlias}
//! POST /_matrix/client/v3/rooms/{roomId}/leave
//! GET /_matrix/client/v3/joined_rooms
//!
//! Also the membership rules shared with room creation and knocking: who may invite,
//! join, knock and leave.

use serde_json::{Map, Value, json};

use super::auth;
use super::call::Call;
use super::error::{ApiError, Outcome, Reply};
use super::event::NewEvent;
use super::ids;
use super::knock::check_knock;
use super::profile::Deviation;
use super::room::Room;
use super::state::State;

/// A requested change of one user's membership in a room.
#[derive(Debug, Clone, PartialEq)]
pub struct MembershipChange<'a> {
    /// The room.
    pub room_id: &'a str,
    /// The user making the change.
    pub sender: &'a str,
    /// The user whose membership changes.
    pub target: &'a str,
    /// The new membership: `invite`, `join`, `knock` or `leave`.
    pub membership: &'a str,
    /// Extra content fields, such as `reason` or `is_direct`.
    pub extra: Map<String, Value>,
}

impl<'a> MembershipChange<'a> {
    /// `sender` sets `target`'s membership in `room_id` to `membership`.
    pub fn new(
        room_id: &'a str,
        sender: &'a str,
        target: &'a str,
        membership: &'a str,
        extra: Map<String, Value>,
    ) -> MembershipChange<'a> {
        MembershipChange {
            room_id,
            sender,
            target,
            membership,
            extra,
        }
    }
}

/// Whether `user_id` created the room and the create event is all it holds yet.
fn is_creator_first_join(room: &Room, user_id: &str) -> bool {
    matches!(room.events.as_slice(), [create] if create.kind == "m.room.create" && create.sender == user_id)
}

/// Whether `sender` may send invites in `room`, as far as their own membership goes.
fn may_invite(room: &Room, sender: &str, deviation: Option<Deviation>) -> bool {
    match room.membership(sender) {
        Some("join") => true,
        Some("invite") => deviation == Some(Deviation::InviteeMayInvite),
        _ => deviation == Some(Deviation::StrangerMayInvite),
    }
}

/// Checks the room's membership rules for `change`.
fn authorize(
    room: &Room,
    change: &MembershipChange,
    deviation: Option<Deviation>,
) -> Result<(), ApiError> {
    let MembershipChange {
        room_id,
        sender,
        target,
        ..
    } = *change;
    let current = room.membership(target);
    match change.membership {
        "invite" => {
            if !may_invite(room, sender, deviation) {
                return Err(ApiError::forbidden(format!(
                    "{sender} not in room {room_id}."
                )));
            }
            match current {
                Some("join") if deviation != Some(Deviation::JoinedInviteIgnored) => Err(
                    ApiError::forbidden(format!("{target} is already in the room.")),
                ),
                Some("invite") if deviation == Some(Deviation::RepeatInviteForbidden) => Err(
                    ApiError::forbidden(format!("{target} is already invited to the room.")),
                ),
                Some("ban") => Err(ApiError::forbidden(format!(
                    "{target} is banned from the room"
                ))),
                _ if room.user_power_level(sender) < room.required_power_level("invite", 0) => Err(
                    ApiError::forbidden("You don't have permission to invite users"),
                ),
                _ => Ok(()),
            }
        }
        "join" => match current {
            _ if sender != target => Err(ApiError::forbidden("Cannot force another user to join.")),
            Some("ban") => Err(ApiError::forbidden("You are banned from this room")),
            Some("join" | "invite") => Ok(()),
            Some("leave") if deviation == Some(Deviation::RejoinWithoutInvite) => Ok(()),
            _ if is_creator_first_join(room, target) => Ok(()),
            _ if room.join_rule() == "public" => Ok(()),
            _ => Err(ApiError::forbidden("You are not invited to this room.")),
        },
        "knock" if sender != target => Err(ApiError::forbidden(
            "Cannot knock on behalf of another user.",
        )),
        "knock" => check_knock(room, current),
        "leave" => match current {
            _ if sender != target => {
                Err(ApiError::forbidden("Cannot kick users through this API."))
            }
            Some("join" | "invite" | "knock") => Ok(()),
            _ => Err(ApiError::forbidden(format!(
                "User {target} not in room {room_id} ({})",
                current.unwrap_or("None")
            ))),
        },
        other => Err(ApiError::unknown(
            400,
            format!("Invalid membership key {other}"),
        )),
    }
}

/// Applies a membership change: checks the rules and sends the `m.room.member` event.
/// Repeating the current membership with the same content and sender changes nothing,
/// and so does inviting a user who is already invited (once the inviter may invite).
pub fn change_membership(state: &mut State, change: &MembershipChange) -> Result<(), ApiError> {
    let mut content = Map::new();
    content.insert("membership".into(), json!(change.membership));
    content.extend(change.extra.clone());
    if matches!(change.membership, "join" | "invite")
        && !content.contains_key("displayname")
        && let Some(user) = state.users.get(change.target)
    {
        content.insert("displayname".into(), json!(user.displayname));
    }
    let content = Value::Object(content);
    let room = state
        .room(change.room_id)
        .ok_or_else(|| ApiError::not_found("Unknown room"))?;
    let invite = change.membership == "invite";
    if !invite
        && let Some(current) = room.state_event("m.room.member", change.target)
        && current.sender == change.sender
        && current.content == content
    {
        return Ok(());
    }
    authorize(room, change, state.deviation)?;
    if invite && matches!(room.membership(change.target), Some("invite" | "join")) {
        // Already invited (or joined, where the server takes that for invited): the first
        // invite stands, its flag and reason included.
        return Ok(());
    }
    let stripped_state = match change.membership {
        "invite" => room.prejoin_state(Some(change.sender), state.deviation),
        "knock" => room.prejoin_state(None, state.deviation),
        _ => Vec::new(),
    };
    let new = NewEvent::state("m.room.member", change.target, change.sender, content);
    let index = state
        .send(change.room_id, new)
        .ok_or_else(|| ApiError::not_found("Unknown room"))?;
    if let Some(room) = state.room_mut(change.room_id) {
        room.events[index].stripped_state = stripped_state;
    }
    Ok(())
}

/// The `reason` of a membership request body, as extra event content.
pub fn reason_content(body: &Map<String, Value>) -> Map<String, Value> {
    body.get("reason")
        .map(|reason| Map::from_iter([("reason".to_owned(), reason.clone())]))
        .unwrap_or_default()
}

/// Changes the requester's own membership, with the body's `reason`.
fn change_own_membership(
    state: &mut State,
    user_id: &str,
    room_id: &str,
    membership: &str,
    body: &Map<String, Value>,
) -> Result<(), ApiError> {
    let change = MembershipChange::new(room_id, user_id, user_id, membership, reason_content(body));
    change_membership(state, &change)
}

/// `POST /rooms/{roomId}/invite`: invites `user_id` into the room.
pub fn post_invite(state: &mut State, call: &Call) -> Outcome {
    invite(state, call).map_err(|error| {
        if error.status == 403 && state.deviates(Deviation::InviteRefusalWithoutErrcode) {
            ApiError::with_body(403, json!({ "error": error.body["error"] }))
        } else {
            error
        }
    })
}

/// Invites the `user_id` of the body into the room.
fn invite(state: &mut State, call: &Call) -> Outcome {
    let session = auth::authenticate(state, call)?;
    let body = call.json_object_or_empty()?;
    let invitee = match body.get("user_id") {
        None => return Err(ApiError::missing_param("user_id")),
        Some(Value::String(user_id)) if ids::parse_user_id(user_id).is_some() => user_id,
        Some(_) => return Err(ApiError::invalid_param("Invalid user_id")),
    };
    let room_id = call.param(0);
    if state.room(room_id).is_none() {
        return Err(ApiError::forbidden(format!(
            "{} not in room {room_id}.",
            session.user_id
        )));
    }
    let mut extra = if state.deviates(Deviation::InviteReasonDropped) {
        Map::new()
    } else {
        reason_content(&body)
    };
    if state.deviates(Deviation::InviteFlagsOneToOne)
        && state
            .room(room_id)
            .is_some_and(|room| room.members("join") == [session.user_id.as_str()])
    {
        extra.insert("is_direct".into(), Value::Bool(true));
    }
    let change = MembershipChange::new(room_id, &session.user_id, invitee, "invite", extra);
    change_membership(state, &change)?;
    Ok(Reply::empty())
}

/// Joins the requester to `room_id`; 404 when no one on the server is in the room.
fn join(state: &mut State, call: &Call, room_id: &str) -> Outcome {
    let session = auth::authenticate(state, call)?;
    let body = call.json_object_or_empty()?;
    if !ids::is_valid_room_id(room_id) {
        return Err(ApiError::invalid_param(format!(
            "{room_id} is not a valid room ID"
        )));
    }
    let known = state
        .room(room_id)
        .is_some_and(|room| !room.members("join").is_empty());
    if !known {
        return Err(ApiError::unknown(404, "No known servers"));
    }
    change_own_membership(state, &session.user_id, room_id, "join", &body)?;
    Ok(Reply::ok(json!({ "room_id": room_id })))
}

/// `POST /rooms/{roomId}/join`.
pub fn post_join(state: &mut State, call: &Call) -> Outcome {
    join(state, call, call.param(0))
}

/// `POST /join/{roomIdOrAlias}`: joins by room id or by alias.
pub fn post_join_by_id_or_alias(state: &mut State, call: &Call) -> Outcome {
    let target = call.param(0);
    if target.starts_with('#') {
        auth::authenticate(state, call)?;
        let room_id = state
            .aliases
            .get(target)
            .cloned()
            .ok_or_else(|| ApiError::not_found(format!("Room alias {target} not found")))?;
        return join(state, call, &room_id);
    }
    if !target.starts_with('!') {
        auth::authenticate(state, call)?;
        return Err(ApiError::unknown(
            400,
            format!("{target} was not legal room ID or room alias"),
        ));
    }
    join(state, call, target)
}

/// `POST /rooms/{roomId}/leave`: leaves the room, or rejects a pending invite.
pub fn post_leave(state: &mut State, call: &Call) -> Outcome {
    let session = auth::authenticate(state, call)?;
    let body = call.json_object_or_empty()?;
    let room_id = call.param(0);
    let reachable = state.room(room_id).is_some_and(|room| {
        !room.members("join").is_empty()
            || matches!(room.membership(&session.user_id), Some("invite" | "leave"))
    });
    if !reachable {
        return Err(ApiError::unknown(404, "Not a known room"));
    }
    let rejecting = state
        .room(room_id)
        .is_some_and(|room| room.membership(&session.user_id) == Some("invite"));
    if rejecting && state.deviates(Deviation::RejectKeepsInvite) {
        return Ok(Reply::empty());
    }
    change_own_membership(state, &session.user_id, room_id, "leave", &body)?;
    Ok(Reply::empty())
}

/// Whether `/joined_rooms` lists `room` for `user_id`.
fn listed_as_joined(state: &State, room: &Room, user_id: &str) -> bool {
    match room.membership(user_id) {
        Some("join") if state.deviates(Deviation::JoinedRoomsOnlyCreated) => room
            .state_event("m.room.create", "")
            .is_some_and(|create| create.sender == user_id),
        Some("join") => true,
        Some("invite") => state.deviates(Deviation::JoinedRoomsListsInvites),
        _ => false,
    }
}

/// `GET /joined_rooms`: rooms where the requester's membership is `join`.
pub fn get_joined_rooms(state: &mut State, call: &Call) -> Outcome {
    let session = auth::authenticate(state, call)?;
    let joined: Vec<&str> = state
        .rooms()
        .iter()
        .filter(|room| listed_as_joined(state, room, &session.user_id))
        .map(|room| room.room_id.as_str())
        .collect();
    let mut body = json!({ "joined_rooms": joined });
    if state.deviates(Deviation::ResponseExtraFields) {
        body["org.example.count"] = json!(joined.len());
    }
    Ok(Reply::ok(body))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::testing::{Client, assert_error, encode};

    #[tokio::test]
    async fn joining_after_an_invite_keeps_the_invite_as_prev_content() {
        let (client, alice, bob) = Client::start_with_pair().await;
        let room_id = client
            .create_room(
                &alice,
                json!({ "invite": [bob.user_id], "is_direct": true }),
            )
            .await;
        let (status, reply) = client
            .post(
                &format!("rooms/{}/join", encode(&room_id)),
                &bob.token,
                json!({}),
            )
            .await;
        assert_eq!((status, reply), (200, json!({ "room_id": room_id })));

        let path = format!(
            "rooms/{}/state/m.room.member/{}?format=event",
            encode(&room_id),
            encode(&bob.user_id)
        );
        let (status, event) = client.get(&path, &bob.token).await;
        assert_eq!(status, 200, "{event}");
        assert_eq!(event["content"]["membership"], "join");
        assert!(event["content"].get("is_direct").is_none());
        assert_eq!(event["unsigned"]["prev_content"]["membership"], "invite");
        assert_eq!(event["unsigned"]["prev_content"]["is_direct"], true);
        assert_eq!(event["unsigned"]["prev_sender"], json!(alice.user_id));

        let (_, joined) = client.get("joined_rooms", &bob.token).await;
        assert_eq!(joined, json!({ "joined_rooms": [room_id] }));
        let (status, _) = client
            .post(
                &format!("rooms/{}/leave", encode(&room_id)),
                &bob.token,
                json!({}),
            )
            .await;
        assert_eq!(status, 200);
        let (_, joined) = client.get("joined_rooms", &bob.token).await;
        assert_eq!(joined, json!({ "joined_rooms": [] }));
    }

    #[tokio::test]
    async fn invite_events_carry_invite_room_state_with_the_create_event() {
        let (client, alice, bob) = Client::start_with_pair().await;
        let room_id = client
            .create_room(&alice, json!({ "invite": [bob.user_id], "name": "Chat" }))
            .await;
        let path = format!(
            "rooms/{}/state/m.room.member/{}?format=event",
            encode(&room_id),
            encode(&bob.user_id)
        );
        let (status, event) = client.get(&path, &alice.token).await;
        assert_eq!(status, 200, "{event}");
        let stripped = event["unsigned"]["invite_room_state"]
            .as_array()
            .expect("invite_room_state");
        let types: Vec<&str> = stripped.iter().filter_map(|e| e["type"].as_str()).collect();
        assert_eq!(
            types,
            [
                "m.room.create",
                "m.room.join_rules",
                "m.room.name",
                "m.room.member"
            ]
        );
        assert!(stripped.iter().all(|e| e.get("event_id").is_none()));
    }

    #[tokio::test]
    async fn membership_rules_are_enforced() {
        let (client, alice, bob) = Client::start_with_pair().await;
        let carol = client.register("carol").await;
        let room_id = client.create_room(&alice, json!({})).await;
        let room = encode(&room_id);

        let (status, reply) = client
            .post(&format!("rooms/{room}/join"), &bob.token, json!({}))
            .await;
        assert_error(status, &reply, 403, "M_FORBIDDEN");
        let invite_carol = json!({ "user_id": carol.user_id });
        let (status, _) = client
            .post(&format!("rooms/{room}/invite"), &bob.token, invite_carol)
            .await;
        assert_eq!(status, 403);
        let invite_alice = json!({ "user_id": alice.user_id });
        let (status, _) = client
            .post(&format!("rooms/{room}/invite"), &alice.token, invite_alice)
            .await;
        assert_eq!(status, 403);

        let invite_bob = json!({ "user_id": bob.user_id });
        let (status, reply) = client
            .post(&format!("rooms/{room}/invite"), &alice.token, invite_bob)
            .await;
        assert_eq!((status, reply), (200, json!({})));
        let path = format!("rooms/{room}/state/m.room.member/{}", encode(&bob.user_id));
        let (_, content) = client.get(&path, &alice.token).await;
        assert_eq!(content["membership"], "invite");
        assert!(content.get("is_direct").is_none());
        let (status, _) = client
            .post(&format!("join/{room}"), &bob.token, json!({}))
            .await;
        assert_eq!(status, 200);

        let (status, reply) = client
            .post("rooms/!nowhere:elsewhere/join", &bob.token, json!({}))
            .await;
        assert_eq!(status, 404, "{reply}");
        let (status, _) = client
            .post(&format!("rooms/{room}/invite"), &alice.token, json!({}))
            .await;
        assert_eq!(status, 400);
    }

    #[tokio::test]
    async fn a_repeated_invite_keeps_the_first_and_a_joined_member_is_not_invited() {
        let (client, alice, bob) = Client::start_with_pair().await;
        let carol = client.register("carol").await;
        let body = json!({ "is_direct": true, "invite": [bob.user_id, carol.user_id] });
        let room_id = client.create_room(&alice, body).await;
        let room = encode(&room_id);
        let event_path = |user_id: &str| {
            format!(
                "rooms/{room}/state/m.room.member/{}?format=event",
                encode(user_id)
            )
        };
        let (_, first) = client.get(&event_path(&bob.user_id), &alice.token).await;

        let invite = format!("rooms/{room}/invite");
        let again = json!({ "user_id": bob.user_id, "reason": "again" });
        let (status, reply) = client.post(&invite, &alice.token, again).await;
        assert_eq!((status, reply), (200, json!({})));
        let (_, now) = client.get(&event_path(&bob.user_id), &alice.token).await;
        assert_eq!(now["event_id"], first["event_id"]);
        assert_eq!(now["content"]["is_direct"], true);
        assert!(now["content"].get("reason").is_none());

        client
            .post(&format!("rooms/{room}/join"), &carol.token, json!({}))
            .await;
        let (status, reply) = client
            .post(&invite, &alice.token, json!({ "user_id": carol.user_id }))
            .await;
        assert_error(status, &reply, 403, "M_FORBIDDEN");
        let (_, member) = client.get(&event_path(&carol.user_id), &alice.token).await;
        assert_eq!(member["content"]["membership"], "join");
    }

    #[tokio::test]
    async fn public_rooms_are_joinable_by_alias() {
        let (client, alice, bob) = Client::start_with_pair().await;
        let room_id = client
            .create_room(
                &alice,
                json!({ "preset": "public_chat", "room_alias_name": "lobby" }),
            )
            .await;
        let alias = format!("#lobby:{}", client.server.server_name());
        let (status, reply) = client
            .post(&format!("join/{}", encode(&alias)), &bob.token, json!({}))
            .await;
        assert_eq!((status, reply), (200, json!({ "room_id": room_id })));
        let (status, _) = client
            .post("join/%23missing%3Ahere", &bob.token, json!({}))
            .await;
        assert_eq!(status, 404);
    }
}
