//! GET /_matrix/client/v3/rooms/{roomId}/state
//! GET /_matrix/client/v3/rooms/{roomId}/state/{eventType}
//! GET /_matrix/client/v3/rooms/{roomId}/state/{eventType}/{stateKey}
//!
//! Members read the current state; users who left read the state as it stood when they
//! left; anyone else, invitees included, gets 403.

use serde_json::Value;

use super::auth;
use super::call::Call;
use super::error::{ApiError, Outcome, Reply};
use super::event::now_ms;
use super::profile::Deviation;
use super::room::Room;
use super::state::State;

/// The room and the indices of the state events `user_id` may read in it.
pub fn readable_state<'a>(
    state: &'a State,
    room_id: &str,
    user_id: &str,
) -> Result<(&'a Room, Vec<usize>), ApiError> {
    let not_in_room = || ApiError::forbidden(format!("User {user_id} not in room {room_id}"));
    let room = state.room(room_id).ok_or_else(not_in_room)?;
    let Some(member_index) = room.state_index("m.room.member", user_id) else {
        return if state.deviates(Deviation::StrangerReadsState) {
            Ok((room, room.current_state()))
        } else {
            Err(not_in_room())
        };
    };
    match room.events[member_index].membership() {
        Some("join") => Ok((room, room.current_state())),
        Some("invite") if state.deviates(Deviation::InviteeReadsState) => {
            Ok((room, room.current_state()))
        }
        Some("leave" | "ban") => Ok((room, room.state_at(member_index + 1))),
        _ => Err(not_in_room()),
    }
}

/// `GET /rooms/{roomId}/state`: every readable state event, in full.
pub fn get_state(state: &mut State, call: &Call) -> Outcome {
    let session = auth::authenticate(state, call)?;
    let (room, indices) = readable_state(state, call.param(0), &session.user_id)?;
    let events = room.state_events(indices, now_ms(), state.deviation);
    Ok(Reply::ok(Value::Array(events)))
}

/// `GET /rooms/{roomId}/state/{eventType}[/{stateKey}]`: one state event's content
/// (or the whole event with `format=event`).
pub fn get_state_event(state: &mut State, call: &Call) -> Outcome {
    let session = auth::authenticate(state, call)?;
    let whole_event = match call.query("format").as_deref() {
        None | Some("content") => false,
        Some("event") => true,
        Some(_) => {
            return Err(ApiError::invalid_param(
                "Query parameter \"format\" must be one of [\"content\", \"event\"]",
            ));
        }
    };
    let (kind, state_key) = (call.param(1), call.param(2));
    let (room, indices) = readable_state(state, call.param(0), &session.user_id)?;
    let index = indices
        .into_iter()
        .find(|&index| room.events[index].is_state(kind, state_key))
        .ok_or_else(|| ApiError::not_found("Event not found."))?;
    if whole_event {
        let event = room.client_event(index, now_ms(), true, None, state.deviation);
        Ok(Reply::ok(event))
    } else {
        Ok(Reply::ok(room.events[index].content.clone()))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::testing::{Client, assert_error, encode};

    #[tokio::test]
    async fn only_members_and_former_members_read_state() {
        let (client, alice, bob) = Client::start_with_pair().await;
        let carol = client.register("carol").await;
        let room_id = client
            .create_room(&alice, json!({ "invite": [bob.user_id], "name": "Before" }))
            .await;
        let room = encode(&room_id);
        let name_path = format!("rooms/{room}/state/m.room.name");

        let (status, reply) = client.get(&name_path, &bob.token).await;
        assert_error(status, &reply, 403, "M_FORBIDDEN");
        let (status, _) = client
            .get(&format!("rooms/{room}/state"), &carol.token)
            .await;
        assert_eq!(status, 403);
        let (status, reply) = client
            .get(&format!("rooms/{room}/state/m.room.avatar"), &alice.token)
            .await;
        assert_error(status, &reply, 404, "M_NOT_FOUND");

        client
            .post(&format!("rooms/{room}/join"), &bob.token, json!({}))
            .await;
        let (status, reply) = client.get(&name_path, &bob.token).await;
        assert_eq!((status, reply), (200, json!({ "name": "Before" })));

        client
            .post(&format!("rooms/{room}/leave"), &bob.token, json!({}))
            .await;
        let (status, members) = client.get(&format!("rooms/{room}/state"), &bob.token).await;
        assert_eq!(status, 200);
        assert!(members.as_array().is_some_and(|events| events.len() > 5));
    }
}
