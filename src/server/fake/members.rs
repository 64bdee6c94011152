//! GET /_matrix/client/v3/rooms/{roomId}/members
//!
//! The `m.room.member` events of the state `GET /rooms/{roomId}/state` serves the same
//! user (the current state for members, the state when they left for users who left),
//! in the same form. `membership` and `not_membership` filter the list; together they
//! admit an event matching either. `at` is accepted and ignored: the answer is always
//! the state just described.

use serde_json::json;

use super::auth;
use super::call::Call;
use super::error::{ApiError, Outcome, Reply};
use super::event::now_ms;
use super::profile::Deviation;
use super::room_state::readable_state;
use super::state::State;

/// The memberships the filters may name.
const MEMBERSHIPS: [&str; 5] = ["join", "invite", "knock", "leave", "ban"];

/// The `membership` and `not_membership` query parameters.
struct MembershipFilter {
    membership: Option<String>,
    not_membership: Option<String>,
}

impl MembershipFilter {
    /// Reads both parameters; 400 `M_INVALID_PARAM` for a value outside the enum.
    fn from_call(call: &Call) -> Result<MembershipFilter, ApiError> {
        Ok(MembershipFilter {
            membership: membership_query(call, "membership")?,
            not_membership: membership_query(call, "not_membership")?,
        })
    }

    /// Whether a member event with `membership` is listed.
    fn admits(&self, membership: &str) -> bool {
        let is = self.membership.as_deref().map(|m| m == membership);
        let is_not = self.not_membership.as_deref().map(|m| m != membership);
        match (is, is_not) {
            (Some(is), Some(is_not)) => is || is_not,
            (Some(only), None) | (None, Some(only)) => only,
            (None, None) => true,
        }
    }
}

/// One membership query parameter, checked against the enum.
fn membership_query(call: &Call, name: &str) -> Result<Option<String>, ApiError> {
    match call.query(name) {
        Some(value) if !MEMBERSHIPS.contains(&value.as_str()) => Err(ApiError::invalid_param(
            format!("Query parameter '{name}' must be one of {MEMBERSHIPS:?}"),
        )),
        value => Ok(value),
    }
}

/// `GET /rooms/{roomId}/members`: the readable member events, in full.
pub fn get_members(state: &mut State, call: &Call) -> Outcome {
    let session = auth::authenticate(state, call)?;
    let filter = MembershipFilter::from_call(call)?;
    let (room, indices) = readable_state(state, call.param(0), &session.user_id)?;
    let members = indices.into_iter().filter(|&index| {
        room.events[index]
            .membership()
            .is_some_and(|membership| filter.admits(membership))
    });
    let mut chunk = room.state_events(members, now_ms(), state.deviation);
    if state.deviates(Deviation::MembersFlagDropped) {
        for event in &mut chunk {
            if let Some(content) = event["content"].as_object_mut() {
                content.remove("is_direct");
            }
        }
    }
    Ok(Reply::ok(json!({ "chunk": chunk })))
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::super::profile::Deviation;
    use super::super::testing::{Client, assert_error, each, encode};

    /// An event without its `unsigned.age`, which grows between two reads.
    fn without_age(event: &Value) -> Value {
        let mut event = event.clone();
        if let Some(unsigned) = event["unsigned"].as_object_mut() {
            unsigned.remove("age");
        }
        event
    }

    #[tokio::test]
    async fn members_are_the_member_events_of_the_state_in_the_same_form() {
        // /members lists exactly the member events /state serves, object for object.
        let (client, alice, bob, room_id) = Client::start_with_direct_chat(None).await;
        let room = encode(&room_id);
        let (status, members) = client
            .get(&format!("rooms/{room}/members"), &alice.token)
            .await;
        assert_eq!(status, 200, "{members}");
        let (_, room_state) = client
            .get(&format!("rooms/{room}/state"), &alice.token)
            .await;
        let from_state: Vec<Value> = room_state
            .as_array()
            .expect("state")
            .iter()
            .filter(|event| event["type"] == "m.room.member")
            .map(without_age)
            .collect();
        let chunk: Vec<Value> = members["chunk"]
            .as_array()
            .expect("chunk")
            .iter()
            .map(without_age)
            .collect();
        assert_eq!(chunk, from_state);
        assert_eq!(chunk.len(), 2);
        let invite = &chunk[1];
        assert_eq!(invite["state_key"], json!(bob.user_id));
        assert_eq!(invite["content"]["is_direct"], true);
        assert_eq!(invite["room_id"], json!(room_id));
    }

    #[tokio::test]
    async fn membership_filters_select_and_combine() {
        // membership and not_membership filter alone, and together admit either match.
        let (client, alice, bob, room_id) = Client::start_with_direct_chat(None).await;
        let members = |query: &str| format!("rooms/{}/members?{query}", encode(&room_id));
        let cases = [
            ("membership=join", &alice),
            ("not_membership=join", &bob),
            ("membership=ban&not_membership=invite", &alice),
        ];
        for (query, listed) in cases {
            let (_, reply) = client.get(&members(query), &alice.token).await;
            assert_eq!(
                each(&reply["chunk"], "state_key"),
                [json!(listed.user_id)],
                "{query}"
            );
        }
        let (status, reply) = client.get(&members("membership=guest"), &alice.token).await;
        assert_error(status, &reply, 400, "M_INVALID_PARAM");
    }

    #[tokio::test]
    async fn only_members_and_former_members_read_members() {
        // Invitees, strangers and unknown rooms get 403; a user who left sees the
        // members as they were when they left.
        let (client, alice, bob, room_id) = Client::start_with_direct_chat(None).await;
        let carol = client.register("carol").await;
        let path = format!("rooms/{}/members", encode(&room_id));
        client
            .assert_refused(&path, &[&bob, &carol], 403, "M_FORBIDDEN")
            .await;
        let nowhere = format!("rooms/{}/members", encode("!nowhere:x"));
        client
            .assert_refused(&nowhere, &[&alice], 403, "M_FORBIDDEN")
            .await;

        client.room_action(&bob, &room_id, "join").await;
        client.room_action(&alice, &room_id, "leave").await;
        let invite = json!({ "user_id": carol.user_id });
        let invite_path = format!("rooms/{}/invite", encode(&room_id));
        client.post(&invite_path, &bob.token, invite).await;
        let (status, reply) = client.get(&path, &alice.token).await;
        assert_eq!(status, 200, "{reply}");
        let members = each(&reply["chunk"], "state_key");
        assert_eq!(members, [json!(alice.user_id), json!(bob.user_id)]);
        assert_eq!(reply["chunk"][0]["content"]["membership"], "leave");
    }

    #[tokio::test]
    async fn members_keep_the_flag_the_timeline_loses() {
        // Under flag-missing-from-timeline, /members reads state and keeps is_direct.
        let deviation = Some(Deviation::FlagMissingFromTimeline);
        let (client, alice, _, room_id) = Client::start_with_direct_chat(deviation).await;
        let path = format!("rooms/{}/members?membership=invite", encode(&room_id));
        let (_, reply) = client.get(&path, &alice.token).await;
        assert_eq!(reply["chunk"][0]["content"]["is_direct"], true);
    }
}
