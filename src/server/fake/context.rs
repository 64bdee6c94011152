//! GET /_matrix/client/v3/rooms/{roomId}/context/{eventId}
//!
//! The event and up to `limit` readable events around it (half before, rounded down,
//! the rest after), in their timeline form; `state` is the room state at the last event
//! returned, as `GET /rooms/{roomId}/state` serves it. `filter` applies to
//! `events_before`, `events_after` and `state`, before `limit`. `start` and `end` are
//! the `/messages` tokens of the points before the oldest and after the newest event
//! returned. Users who may not read the history get 403; an event outside the readable
//! history is 404.

use serde_json::{Value, json};

use super::auth;
use super::call::Call;
use super::error::{ApiError, Outcome, Reply};
use super::history::{History, filter_query, limit_query};
use super::state::State;
use super::sync::stream_token;
use super::sync_filter::EventFilter;

/// The readable events passing `filter` just before event `index` (newest first) and
/// just after it (oldest first), `limit` in all, half of it before.
fn surrounding(
    history: &History,
    index: usize,
    limit: usize,
    filter: &EventFilter,
) -> (Vec<usize>, Vec<usize>) {
    let before_limit = limit / 2;
    let readable = history.indices();
    let before = (readable.start..index)
        .rev()
        .filter(|&i| history.allows(filter, i))
        .take(before_limit)
        .collect();
    let after = (index + 1..readable.end)
        .filter(|&i| history.allows(filter, i))
        .take(limit - before_limit)
        .collect();
    (before, after)
}

/// `GET /rooms/{roomId}/context/{eventId}`: the event with the events and state around it.
pub fn get_context(state: &mut State, call: &Call) -> Outcome {
    let session = auth::authenticate(state, call)?;
    let limit = limit_query(call)?;
    let filter = filter_query(call)?;
    let history = History::of(state, call.param(0), &session.user_id)?;
    let index = history
        .find(call.param(1))
        .ok_or_else(|| ApiError::not_found("Event not found."))?;
    let (before, after) = surrounding(&history, index, limit, &filter);
    let oldest = before.last().copied().unwrap_or(index);
    let newest = after.last().copied().unwrap_or(index);
    let events = |indices: Vec<usize>| -> Vec<Value> {
        indices.into_iter().map(|i| history.event(i)).collect()
    };
    Ok(Reply::ok(json!({
        "start": stream_token(history.position(oldest).saturating_sub(1)),
        "end": stream_token(history.position(newest)),
        "events_before": events(before),
        "event": history.event(index),
        "events_after": events(after),
        "state": history.state_after(newest, &filter),
    })))
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::super::profile::Deviation;
    use super::super::testing::{Account, Client, assert_error, assert_same_event, each, encode};

    /// `GET /rooms/{room}/context/{event}?{query}` as `account`.
    async fn context(
        client: &Client,
        account: &Account,
        room_id: &str,
        event: &Value,
        query: &str,
    ) -> (u16, Value) {
        let event_id = event["event_id"].as_str().unwrap_or("$unknown");
        let path = format!(
            "rooms/{}/context/{}?{query}",
            encode(room_id),
            encode(event_id)
        );
        client.get(&path, &account.token).await
    }

    #[tokio::test]
    async fn context_splits_the_limit_around_the_event_in_order() {
        // limit=3 gives one event before (newest first) and two after (oldest first),
        // the event as /messages serves it, and state at the newest event returned.
        let client = Client::start().await;
        let alice = client.register("alice").await;
        let room_id = client.create_room(&alice, json!({ "name": "Ctx" })).await;
        let events = client.room_events(&alice, &room_id).await;
        assert!(events.len() >= 6);
        let (status, reply) = context(&client, &alice, &room_id, &events[2], "limit=3").await;
        assert_eq!(status, 200, "{reply}");
        assert_same_event(&reply["event"], &events[2]);
        let ids = |range: &[Value]| each(&Value::from(range.to_vec()), "event_id");
        assert_eq!(
            each(&reply["events_before"], "event_id"),
            ids(&events[1..2])
        );
        assert_eq!(each(&reply["events_after"], "event_id"), ids(&events[3..5]));
        let state = reply["state"].as_array().expect("state");
        assert_eq!(state.len(), 5);
        assert!(state.iter().all(|event| event["room_id"] == json!(room_id)));

        let start = reply["start"].as_str().expect("start");
        let path = format!("rooms/{}/messages?dir=b&from={start}", encode(&room_id));
        let (_, earlier) = client.get(&path, &alice.token).await;
        assert_eq!(each(&earlier["chunk"], "event_id"), ids(&events[..1]));
    }

    #[tokio::test]
    async fn context_limit_zero_returns_the_event_alone() {
        // The event itself is always returned, even with limit=0.
        let client = Client::start().await;
        let alice = client.register("alice").await;
        let room_id = client.create_room(&alice, json!({})).await;
        let events = client.room_events(&alice, &room_id).await;
        let (_, reply) = context(&client, &alice, &room_id, &events[1], "limit=0").await;
        assert_eq!(reply["event"]["event_id"], events[1]["event_id"]);
        assert_eq!(reply["events_before"], json!([]));
        assert_eq!(reply["events_after"], json!([]));
    }

    #[tokio::test]
    async fn unknown_events_and_outsiders_are_refused() {
        // An unknown event is 404; a stranger, an invitee or an unknown room is 403.
        let (client, alice, bob, room_id) = Client::start_with_direct_chat(None).await;
        let carol = client.register("carol").await;
        let create = &client.room_events(&alice, &room_id).await[0];
        let (status, reply) = context(&client, &alice, &room_id, &json!({}), "").await;
        assert_error(status, &reply, 404, "M_NOT_FOUND");
        for (account, room) in [
            (&bob, room_id.as_str()),
            (&carol, &room_id),
            (&alice, "!nowhere:x"),
        ] {
            let (status, reply) = context(&client, account, room, create, "").await;
            assert_error(status, &reply, 403, "M_FORBIDDEN");
        }
        let (status, reply) = context(&client, &alice, &room_id, create, "limit=x").await;
        assert_error(status, &reply, 400, "M_INVALID_PARAM");
    }

    #[tokio::test]
    async fn context_events_are_timeline_and_state_is_state() {
        // Under flag-missing-from-timeline the invite as `event` lacks is_direct while
        // the same invite in `state` keeps it.
        let deviation = Some(Deviation::FlagMissingFromTimeline);
        let (client, alice, _, room_id) = Client::start_with_direct_chat(deviation).await;
        let events = client.room_events(&alice, &room_id).await;
        let invite = events.last().expect("invite");
        let (_, reply) = context(&client, &alice, &room_id, invite, "").await;
        assert!(reply["event"]["content"].get("is_direct").is_none());
        let in_state = reply["state"]
            .as_array()
            .and_then(|state| state.iter().find(|e| e["event_id"] == invite["event_id"]))
            .expect("invite in state");
        assert_eq!(in_state["content"]["is_direct"], true);
    }
}
