//! GET /_matrix/client/v3/rooms/{roomId}/messages
//!
//! Pages through the history the requester may read (see `history`). Tokens are the
//! `/sync` stream tokens: `s<position>` stands for the point just after stream position
//! `position`, so `prev_batch` and `next_batch` of `/sync`, and `start` and `end` of
//! `/context`, work as `from` and `to`. With `dir=b` a page holds the events at or
//! before `from`, newest first, and `end` is the point before the oldest of them; with
//! `dir=f` it holds the events after `from`, oldest first, and `end` is the point after
//! the newest. Without `from`, paging starts at the newest (`b`) or oldest (`f`)
//! readable event; `start` is `from` as given, or that first point. `end` is left out
//! when no readable event lies beyond the page (or beyond `to`). `filter` is applied
//! before `limit`; `state` is never sent.

use serde_json::{Map, Value, json};

use super::auth;
use super::call::Call;
use super::error::{ApiError, Outcome, Reply};
use super::history::{History, filter_query, limit_query};
use super::profile::Deviation;
use super::state::State;
use super::sync::{parse_stream_token, stream_token};

/// The `dir` query parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    /// `b`: towards older events.
    Backward,
    /// `f`: towards newer events.
    Forward,
}

impl Direction {
    /// Reads `dir`: required, `b` or `f`.
    fn from_call(call: &Call) -> Result<Direction, ApiError> {
        match call.query("dir").as_deref() {
            Some("b") => Ok(Direction::Backward),
            Some("f") => Ok(Direction::Forward),
            Some(_) => Err(ApiError::invalid_param(
                "Query parameter 'dir' must be one of ['b', 'f']",
            )),
            None => Err(ApiError::missing_param("dir")),
        }
    }
}

/// A stream-token query parameter, if given.
fn token_query(call: &Call, name: &str) -> Result<Option<u64>, ApiError> {
    call.query(name)
        .map(|token| parse_stream_token(&token))
        .transpose()
}

/// What one `/messages` request asks for.
struct PageRequest {
    dir: Direction,
    from: Option<u64>,
    to: Option<u64>,
    limit: usize,
}

impl PageRequest {
    /// Whether an event at stream `position` lies on the requested side of `from` and
    /// not beyond `to`.
    fn reaches(&self, position: u64) -> bool {
        match self.dir {
            Direction::Backward => {
                self.from.is_none_or(|from| position <= from)
                    && self.to.is_none_or(|to| position > to)
            }
            Direction::Forward => {
                self.from.is_none_or(|from| position > from)
                    && self.to.is_none_or(|to| position <= to)
            }
        }
    }

    /// The token of the point where paging starts without `from`: the newest
    /// readable event (`b`) or the point before the oldest (`f`).
    fn default_start(&self, history: &History, readable: &[usize]) -> String {
        let position = match self.dir {
            Direction::Backward => readable.last().map_or(0, |&i| history.position(i)),
            Direction::Forward => readable
                .first()
                .map_or(0, |&i| history.position(i).saturating_sub(1)),
        };
        stream_token(position)
    }

    /// The token of the point just beyond event `index`, in paging order.
    fn beyond(&self, history: &History, index: usize) -> String {
        let position = history.position(index);
        match self.dir {
            Direction::Backward => stream_token(position.saturating_sub(1)),
            Direction::Forward => stream_token(position),
        }
    }
}

/// The page: event indices in answer order, and whether more events follow it.
fn page(request: &PageRequest, history: &History, readable: &[usize]) -> (Vec<usize>, bool) {
    let mut reached: Vec<usize> = readable
        .iter()
        .copied()
        .filter(|&index| request.reaches(history.position(index)))
        .collect();
    if request.dir == Direction::Backward {
        reached.reverse();
    }
    let more = reached.len() > request.limit;
    reached.truncate(request.limit);
    (reached, more)
}

/// `GET /rooms/{roomId}/messages`: one page of the readable history.
pub fn get_messages(state: &mut State, call: &Call) -> Outcome {
    let session = auth::authenticate(state, call)?;
    let request = PageRequest {
        dir: Direction::from_call(call)?,
        from: token_query(call, "from")?,
        to: token_query(call, "to")?,
        limit: limit_query(call)?,
    };
    let filter = filter_query(call)?;
    let history = History::of(state, call.param(0), &session.user_id)?;
    let readable: Vec<usize> = history
        .indices()
        .filter(|&index| history.allows(&filter, index))
        .collect();
    let (chunk, more) = page(&request, &history, &readable);
    let start = call
        .query("from")
        .unwrap_or_else(|| request.default_start(&history, &readable));
    let mut body = Map::new();
    if more {
        let end = chunk
            .last()
            .map_or_else(|| start.clone(), |&index| request.beyond(&history, index));
        body.insert("end".into(), json!(end));
    }
    body.insert("start".into(), json!(start));
    let without_state_key = state.deviates(Deviation::MessagesWithoutStateKey);
    let events: Vec<Value> = chunk
        .into_iter()
        .map(|index| history.event(index))
        .map(|mut event| {
            if without_state_key && let Some(event) = event.as_object_mut() {
                event.remove("state_key");
            }
            event
        })
        .collect();
    body.insert("chunk".into(), Value::Array(events));
    Ok(Reply::ok(Value::Object(body)))
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::super::profile::Deviation;
    use super::super::testing::{Account, Client, assert_error, assert_same_event, each, encode};

    /// `GET /rooms/{room}/messages?{query}` as `account`.
    async fn messages(client: &Client, account: &Account, room_id: &str, query: &str) -> Value {
        let path = format!("rooms/{}/messages?{query}", encode(room_id));
        let (status, reply) = client.get(&path, &account.token).await;
        assert_eq!(status, 200, "{reply}");
        reply
    }

    #[tokio::test]
    async fn backward_and_forward_pages_cover_the_timeline_in_order() {
        // Paging back from the newest event and forward from the oldest, page by page,
        // yields the same events in opposite orders, and the last page has no end.
        let client = Client::start().await;
        let alice = client.register("alice").await;
        let room_id = client.create_room(&alice, json!({ "name": "Log" })).await;
        let mut backward = Vec::new();
        let mut query = "dir=b&limit=3".to_owned();
        loop {
            let page = messages(&client, &alice, &room_id, &query).await;
            assert!(page["chunk"].as_array().is_some_and(|c| c.len() <= 3));
            backward.extend(each(&page["chunk"], "event_id"));
            let Some(end) = page["end"].as_str() else {
                break;
            };
            query = format!("dir=b&limit=3&from={end}");
        }
        let forward = messages(&client, &alice, &room_id, "dir=f&limit=100").await;
        assert!(forward.get("end").is_none());
        let mut forward = each(&forward["chunk"], "event_id");
        assert!(forward.len() >= 5);
        forward.reverse();
        assert_eq!(backward, forward);
    }

    #[tokio::test]
    async fn sync_tokens_bound_pages() {
        // From /sync's prev_batch back lies what precedes its timeline, from next_batch
        // forward nothing yet, and from next_batch back to prev_batch the timeline itself.
        let client = Client::start().await;
        let alice = client.register("alice").await;
        let room_id = client.create_room(&alice, json!({})).await;
        let filter = encode(r#"{"room":{"timeline":{"limit":1}}}"#);
        let sync = client.sync(&alice, &format!("filter={filter}")).await;
        let timeline = &sync["rooms"]["join"][&room_id]["timeline"];
        let prev_batch = timeline["prev_batch"].as_str().expect("prev_batch");
        let next_batch = sync["next_batch"].as_str().expect("next_batch");
        let newest = each(&timeline["events"], "event_id");

        let query = format!("dir=b&limit=1&from={prev_batch}");
        let before = messages(&client, &alice, &room_id, &query).await;
        assert_eq!(before["start"], json!(prev_batch));
        assert_eq!(before["chunk"].as_array().map(Vec::len), Some(1));
        assert_ne!(each(&before["chunk"], "event_id"), newest);

        let query = format!("dir=f&from={next_batch}");
        let after = messages(&client, &alice, &room_id, &query).await;
        assert_eq!(after["chunk"], json!([]));
        assert!(after.get("end").is_none());

        let query = format!("dir=b&from={next_batch}&to={prev_batch}");
        let latest = messages(&client, &alice, &room_id, &query).await;
        assert_eq!(each(&latest["chunk"], "event_id"), newest);
        assert!(latest.get("end").is_none());
    }

    #[tokio::test]
    async fn timeline_events_match_sync_and_lose_the_flag_as_the_timeline_does() {
        // /messages serves the invite as /sync's timeline does, with room_id, and under
        // flag-missing-from-timeline without is_direct.
        let cases = [
            (None, true),
            (Some(Deviation::FlagMissingFromTimeline), false),
        ];
        for (deviation, flagged) in cases {
            let (client, alice, bob, room_id) = Client::start_with_direct_chat(deviation).await;
            let page = messages(&client, &alice, &room_id, "dir=b&limit=1").await;
            let invite = &page["chunk"][0];
            assert_eq!(invite["state_key"], json!(bob.user_id));
            assert_eq!(invite["content"].get("is_direct").is_some(), flagged);
            assert_eq!(invite["room_id"], json!(room_id));
            assert_eq!(invite["unsigned"]["membership"], "join");
            let sync = client.sync(&alice, "").await;
            let timeline = &sync["rooms"]["join"][&room_id]["timeline"]["events"];
            let from_sync = timeline.as_array().and_then(|events| events.last());
            assert_same_event(invite, from_sync.expect("timeline"));
        }
    }

    #[tokio::test]
    async fn readers_see_history_only_while_joined() {
        // A stranger and an invitee get 403; a user who left reads up to their leave.
        let (client, alice, bob, room_id) = Client::start_with_direct_chat(None).await;
        let carol = client.register("carol").await;
        let path = format!("rooms/{}/messages?dir=b", encode(&room_id));
        client
            .assert_refused(&path, &[&bob, &carol], 403, "M_FORBIDDEN")
            .await;
        client.room_action(&bob, &room_id, "join").await;
        client.room_action(&bob, &room_id, "leave").await;
        client.room_action(&alice, &room_id, "leave").await;
        let page = messages(&client, &bob, &room_id, "dir=b&limit=1").await;
        let newest = &page["chunk"][0];
        assert_eq!(newest["state_key"], json!(bob.user_id));
        assert_eq!(newest["content"]["membership"], "leave");
        let page = messages(&client, &alice, &room_id, "dir=b&limit=1").await;
        assert_eq!(page["chunk"][0]["state_key"], json!(alice.user_id));
    }

    #[tokio::test]
    async fn malformed_parameters_are_refused() {
        // dir is required and checked; tokens, limit and filter must parse.
        let client = Client::start().await;
        let alice = client.register("alice").await;
        let room_id = client.create_room(&alice, json!({})).await;
        let path = |query: &str| format!("rooms/{}/messages?{query}", encode(&room_id));
        let cases = [
            ("limit=3", "M_MISSING_PARAM"),
            ("dir=x", "M_INVALID_PARAM"),
            ("dir=b&limit=-1", "M_INVALID_PARAM"),
            ("dir=b&from=garbage", "M_UNKNOWN"),
            ("dir=f&to=s", "M_UNKNOWN"),
            ("dir=b&filter=%7Bnot-json", "M_NOT_JSON"),
        ];
        for (query, errcode) in cases {
            let (status, reply) = client.get(&path(query), &alice.token).await;
            assert_error(status, &reply, 400, errcode);
        }
        let filter = encode(r#"{"types":["m.room.name"]}"#);
        let page = messages(&client, &alice, &room_id, &format!("dir=b&filter={filter}")).await;
        assert_eq!(page["chunk"], json!([]));
    }
}
