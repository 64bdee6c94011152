//! GET /_matrix/client/v3/rooms/{roomId}/event/{eventId}
//!
//! One event of the history the requester may read, in its timeline form. Anything
//! else, the events of rooms the user may not read included, is 404 `M_NOT_FOUND`.

use super::auth;
use super::call::Call;
use super::error::{ApiError, Outcome, Reply};
use super::history::History;
use super::state::State;

/// `GET /rooms/{roomId}/event/{eventId}`: the event.
pub fn get_event(state: &mut State, call: &Call) -> Outcome {
    let session = auth::authenticate(state, call)?;
    let not_found = || ApiError::not_found("Event not found.");
    let history = History::of(state, call.param(0), &session.user_id).map_err(|_| not_found())?;
    let index = history.find(call.param(1)).ok_or_else(not_found)?;
    Ok(Reply::ok(history.event(index)))
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::super::profile::Deviation;
    use super::super::testing::{Account, Client, assert_error, assert_same_event, encode};

    /// `GET /rooms/{room}/event/{event}` as `account`.
    async fn event(
        client: &Client,
        account: &Account,
        room_id: &str,
        event_id: &str,
    ) -> (u16, Value) {
        let path = format!("rooms/{}/event/{}", encode(room_id), encode(event_id));
        client.get(&path, &account.token).await
    }

    /// A direct chat's invite, as `/messages` serves it to its creator, with the client,
    /// the creator and the room.
    async fn direct_invite(deviation: Option<Deviation>) -> (Client, Account, String, Value) {
        let (client, alice, _, room_id) = Client::start_with_direct_chat(deviation).await;
        let events = client.room_events(&alice, &room_id).await;
        let invite = events.last().cloned().expect("invite");
        (client, alice, room_id, invite)
    }

    /// The `event_id` of an event.
    fn id(event: &Value) -> &str {
        event["event_id"].as_str().unwrap_or_default()
    }

    #[tokio::test]
    async fn the_event_is_served_as_the_timeline_serves_it() {
        // /event answers the invite as /messages does, room_id and is_direct included.
        let (client, alice, room_id, invite) = direct_invite(None).await;
        let (status, reply) = event(&client, &alice, &room_id, id(&invite)).await;
        assert_eq!(status, 200, "{reply}");
        assert_same_event(&reply, &invite);
        assert_eq!(reply["room_id"], invite["room_id"]);
        assert_eq!(reply["content"]["is_direct"], true);
        assert_eq!(reply["unsigned"]["membership"], "join");
    }

    #[tokio::test]
    async fn unreadable_and_unknown_events_are_not_found() {
        // An unknown id, an unknown room, and a room the user is only invited to or has
        // never been in are all 404.
        let (client, alice, bob, room_id) = Client::start_with_direct_chat(None).await;
        let carol = client.register("carol").await;
        let events = client.room_events(&alice, &room_id).await;
        let invite = events.last().expect("invite");
        for (account, room, id) in [
            (&alice, room_id.as_str(), "$unknown"),
            (&alice, "!nowhere:x", id(invite)),
            (&bob, &room_id, id(invite)),
            (&carol, &room_id, id(invite)),
        ] {
            let (status, reply) = event(&client, account, room, id).await;
            assert_error(status, &reply, 404, "M_NOT_FOUND");
        }
    }

    #[tokio::test]
    async fn the_event_loses_the_flag_as_the_timeline_does() {
        // Under flag-missing-from-timeline /event, a timeline-like read, lacks is_direct.
        let deviation = Some(Deviation::FlagMissingFromTimeline);
        let (client, alice, room_id, invite) = direct_invite(deviation).await;
        let (_, reply) = event(&client, &alice, &room_id, id(&invite)).await;
        assert_eq!(reply["type"], "m.room.member");
        assert!(reply["content"].get("is_direct").is_none());
    }
}
