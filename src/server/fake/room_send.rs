//! PUT /_matrix/client/v3/rooms/{roomId}/send/{eventType}/{txnId}
//! PUT /_matrix/client/v3/rooms/{roomId}/state/{eventType}
//! PUT /_matrix/client/v3/rooms/{roomId}/state/{eventType}/{stateKey}
//!
//! Sending events: the sender must be joined and have the power level
//! `m.room.power_levels` requires for the type (`events`, else `state_default` or
//! `events_default`). A transaction id is scoped to the device and the request path:
//! repeating a send answers the first event id and sends nothing. State keys that are
//! user ids must be the sender's own, and a room has one `m.room.create`. An
//! `m.room.member` state event is a membership change under the rules of the membership
//! endpoints (`invite`, `join`, `knock`, `leave`; a ban or a kick is refused), for the
//! user id in the state key, with the rest of the content kept beside `membership`; it
//! answers the id of the member event in force afterwards.

use serde_json::{Map, Value, json};

use super::auth;
use super::call::Call;
use super::error::{ApiError, Outcome, Reply};
use super::event::NewEvent;
use super::ids;
use super::membership::{MembershipChange, change_membership};
use super::state::{State, TransactionKey};

/// The `{event_id}` answer.
fn event_id_reply(event_id: &str) -> Reply {
    Reply::ok(json!({ "event_id": event_id }))
}

/// Checks that `new.sender` may send `new` into `room_id`, sends it, and returns its id.
fn send_checked(state: &mut State, room_id: &str, new: NewEvent) -> Result<String, ApiError> {
    let sender = new.sender.clone();
    let not_in_room = || ApiError::forbidden(format!("User {sender} not in room {room_id}"));
    let room = state.room(room_id).ok_or_else(not_in_room)?;
    if room.membership(&sender) != Some("join") {
        return Err(not_in_room());
    }
    let required = room.required_event_level(&new.kind, new.state_key.is_some());
    let level = room.user_power_level(&sender);
    if level < required {
        return Err(ApiError::forbidden(format!(
            "You don't have permission to post that to the room. user_level ({level}) < send_level ({required})"
        )));
    }
    let index = state.send(room_id, new).ok_or_else(not_in_room)?;
    state
        .room(room_id)
        .map(|room| room.events[index].event_id.clone())
        .ok_or_else(not_in_room)
}

/// `PUT /rooms/{roomId}/send/{eventType}/{txnId}`: sends a message event, once per
/// transaction.
pub fn put_send(state: &mut State, call: &Call) -> Outcome {
    let session = auth::authenticate(state, call)?;
    let key = TransactionKey {
        user_id: session.user_id.clone(),
        device_id: session.device_id,
        room_id: call.param(0).to_owned(),
        kind: call.param(1).to_owned(),
        txn_id: call.param(2).to_owned(),
    };
    if let Some(event_id) = state.transactions.get(&key) {
        return Ok(event_id_reply(event_id));
    }
    let content = Value::Object(call.json_object()?);
    let new = NewEvent {
        kind: key.kind.clone(),
        state_key: None,
        sender: session.user_id,
        content,
    };
    let event_id = send_checked(state, &key.room_id, new)?;
    state.transactions.insert(key, event_id.clone());
    Ok(event_id_reply(&event_id))
}

/// Sends an `m.room.member` state event as a membership change.
fn put_member(
    state: &mut State,
    room_id: &str,
    sender: &str,
    target: &str,
    mut content: Map<String, Value>,
) -> Outcome {
    if ids::parse_user_id(target).is_none() {
        return Err(ApiError::invalid_param(format!(
            "The state key of m.room.member must be a user id, not '{target}'"
        )));
    }
    let membership = match content.remove("membership") {
        Some(Value::String(membership)) => membership,
        _ => return Err(ApiError::bad_json("'membership' must be a string")),
    };
    let change = MembershipChange::new(room_id, sender, target, &membership, content);
    change_membership(state, &change)?;
    state
        .room(room_id)
        .and_then(|room| room.state_event("m.room.member", target))
        .map(|event| event_id_reply(&event.event_id))
        .ok_or_else(|| ApiError::not_found("Unknown room"))
}

/// `PUT /rooms/{roomId}/state/{eventType}[/{stateKey}]`: sends a state event.
pub fn put_state(state: &mut State, call: &Call) -> Outcome {
    let session = auth::authenticate(state, call)?;
    let content = call.json_object()?;
    let (room_id, kind, state_key) = (call.param(0), call.param(1), call.param(2));
    if kind == "m.room.member" {
        return put_member(state, room_id, &session.user_id, state_key, content);
    }
    if kind == "m.room.create" {
        return Err(ApiError::forbidden(
            "A room has only one m.room.create event",
        ));
    }
    if state_key.starts_with('@') && state_key != session.user_id {
        return Err(ApiError::forbidden(
            "You are not allowed to set others state",
        ));
    }
    let new = NewEvent::state(kind, state_key, &session.user_id, Value::Object(content));
    let event_id = send_checked(state, room_id, new)?;
    Ok(event_id_reply(&event_id))
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::super::testing::{Account, Client, assert_error, assert_same_event, each, encode};

    /// `PUT /rooms/{room}/{tail}`, e.g. `send/m.room.message/t1` or `state/m.room.topic`.
    async fn put(
        client: &Client,
        account: &Account,
        room_id: &str,
        tail: &str,
        content: Value,
    ) -> (u16, Value) {
        let path = format!("rooms/{}/{tail}", encode(room_id));
        client.put(&path, &account.token, content).await
    }

    /// Sends an `m.room.message` with transaction id `txn`.
    async fn send(
        client: &Client,
        account: &Account,
        room_id: &str,
        txn: &str,
        content: Value,
    ) -> (u16, Value) {
        let tail = format!("send/m.room.message/{txn}");
        put(client, account, room_id, &tail, content).await
    }

    /// Sends a state event to `state/{kind_and_key}`.
    async fn put_state(
        client: &Client,
        account: &Account,
        room_id: &str,
        kind_and_key: &str,
        content: Value,
    ) -> (u16, Value) {
        put(
            client,
            account,
            room_id,
            &format!("state/{kind_and_key}"),
            content,
        )
        .await
    }

    #[tokio::test]
    async fn sent_messages_reach_every_read_as_one_event() {
        // A message appears once in /sync, /messages, /context and /event, identically.
        let client = Client::start().await;
        let alice = client.register("alice").await;
        let room_id = client.create_room(&alice, json!({})).await;
        let first = client.sync(&alice, "").await;
        let since = first["next_batch"].as_str().expect("next_batch");
        let body = json!({ "msgtype": "m.text", "body": "hello" });
        let (status, reply) = send(&client, &alice, &room_id, "t1", body.clone()).await;
        assert_eq!(status, 200, "{reply}");
        let room = encode(&room_id);
        let id = encode(reply["event_id"].as_str().expect("event_id"));

        let sync = client.sync(&alice, &format!("since={since}")).await;
        let timeline = &sync["rooms"]["join"][&room_id]["timeline"]["events"];
        assert_eq!(each(timeline, "event_id"), [reply["event_id"].clone()]);
        let events = client.room_events(&alice, &room_id).await;
        let (_, context) = client
            .get(&format!("rooms/{room}/context/{id}"), &alice.token)
            .await;
        let (_, single) = client
            .get(&format!("rooms/{room}/event/{id}"), &alice.token)
            .await;
        for read in [events.last().expect("message"), &context["event"], &single] {
            assert_same_event(read, &timeline[0]);
            assert!(read.get("state_key").is_none());
        }
        assert_eq!(single["content"], body);
    }

    #[tokio::test]
    async fn a_repeated_transaction_sends_nothing_new() {
        // The same txnId from the same device answers the same event id and sends once;
        // another txnId sends another event.
        let client = Client::start().await;
        let alice = client.register("alice").await;
        let room_id = client.create_room(&alice, json!({})).await;
        let body = json!({ "msgtype": "m.text", "body": "once" });
        let (_, first) = send(&client, &alice, &room_id, "t1", body.clone()).await;
        let (_, again) = send(&client, &alice, &room_id, "t1", body.clone()).await;
        let (_, other) = send(&client, &alice, &room_id, "t2", body).await;
        assert_eq!(first, again);
        assert_ne!(first, other);
        let events = each(
            &client.room_events(&alice, &room_id).await.into(),
            "event_id",
        );
        let newest = &events[events.len() - 3..];
        assert_ne!(newest[0], first["event_id"]);
        assert_eq!(
            newest[1..],
            [first["event_id"].clone(), other["event_id"].clone()]
        );
    }

    #[tokio::test]
    async fn non_members_and_bad_bodies_are_refused() {
        // A stranger, an invitee and an unknown room get 403; a non-object body 400.
        let (client, alice, bob, room_id) = Client::start_with_direct_chat(None).await;
        let carol = client.register("carol").await;
        for (account, room) in [
            (&bob, room_id.as_str()),
            (&carol, &room_id),
            (&alice, "!nowhere:x"),
        ] {
            let (status, reply) = send(&client, account, room, "t", json!({})).await;
            assert_error(status, &reply, 403, "M_FORBIDDEN");
            let topic = json!({ "topic": "x" });
            let (status, reply) = put_state(&client, account, room, "m.room.topic", topic).await;
            assert_error(status, &reply, 403, "M_FORBIDDEN");
        }
        let (status, reply) = send(&client, &alice, &room_id, "t", json!([1])).await;
        assert_error(status, &reply, 400, "M_BAD_JSON");
    }

    #[tokio::test]
    async fn state_events_replace_state_and_follow_power_levels() {
        // PUT state with and without a state key updates what /state reads; a user below
        // state_default is refused; another user's id as state key is refused.
        let (client, alice, bob) = Client::start_with_pair().await;
        let room_id = client
            .create_room(&alice, json!({ "preset": "public_chat", "name": "Old" }))
            .await;
        client.room_action(&bob, &room_id, "join").await;
        let name = json!({ "name": "New" });
        let (status, reply) = put_state(&client, &alice, &room_id, "m.room.name", name).await;
        assert_eq!(status, 200, "{reply}");
        assert!(
            reply["event_id"]
                .as_str()
                .is_some_and(|id| id.starts_with('$'))
        );
        let read = format!("rooms/{}/state/m.room.name/", encode(&room_id));
        assert_eq!(
            client.get(&read, &alice.token).await,
            (200, json!({ "name": "New" }))
        );

        let note = |user_id: &str| format!("org.example.note/{}", encode(user_id));
        let own = note(&alice.user_id);
        let (status, _) = put_state(&client, &alice, &room_id, &own, json!({ "n": 1 })).await;
        assert_eq!(status, 200);
        let other = note(&bob.user_id);
        let (status, reply) = put_state(&client, &alice, &room_id, &other, json!({})).await;
        assert_error(status, &reply, 403, "M_FORBIDDEN");
        let topic = json!({ "topic": "t" });
        let (status, reply) = put_state(&client, &bob, &room_id, "m.room.topic", topic).await;
        assert_error(status, &reply, 403, "M_FORBIDDEN");
    }

    #[tokio::test]
    async fn member_state_events_are_membership_changes() {
        // An invite through PUT state keeps is_direct and reads back as the member event
        // whose id it answered; a ban, a body without membership and a state key that is
        // no user id are refused.
        let (client, alice, bob) = Client::start_with_pair().await;
        let room_id = client.create_room(&alice, json!({})).await;
        let member = format!("m.room.member/{}", encode(&bob.user_id));
        let body = json!({ "membership": "invite", "is_direct": true });
        let (status, reply) = put_state(&client, &alice, &room_id, &member, body).await;
        assert_eq!(status, 200, "{reply}");
        let read = format!("rooms/{}/state/{member}?format=event", encode(&room_id));
        let (_, event) = client.get(&read, &alice.token).await;
        assert_eq!(event["event_id"], reply["event_id"]);
        assert_eq!(event["content"]["membership"], "invite");
        assert_eq!(event["content"]["is_direct"], true);
        let ban = json!({ "membership": "ban" });
        let (status, _) = put_state(&client, &alice, &room_id, &member, ban).await;
        assert_eq!(status, 400);
        let (status, reply) = put_state(&client, &alice, &room_id, &member, json!({})).await;
        assert_error(status, &reply, 400, "M_BAD_JSON");
        let invite = json!({ "membership": "invite" });
        let not_a_user = "m.room.member/bob";
        let (status, reply) = put_state(&client, &alice, &room_id, not_a_user, invite).await;
        assert_error(status, &reply, 400, "M_INVALID_PARAM");
    }
}
