//! POST /_matrix/client/v3/createRoom
//!
//! Events are sent in the order the specification lays down: `m.room.create`, the
//! creator's join, `m.room.power_levels`, `m.room.canonical_alias`, the preset's join
//! rules, history visibility and guest access, `initial_state`, `m.room.name`,
//! `m.room.topic`, then one invite per invitee (with `is_direct: true` when asked).

use serde_json::{Map, Value, json};

use super::auth;
use super::call::{Call, optional_string};
use super::error::{ApiError, Outcome, Reply};
use super::event::NewEvent;
use super::ids;
use super::membership::{MembershipChange, change_membership};
use super::profile::Deviation;
use super::room::Room;
use super::state::State;

/// Room version used when the request names none.
const DEFAULT_ROOM_VERSION: &str = "11";
/// Room versions the fake can create.
const SUPPORTED_ROOM_VERSIONS: [&str; 11] =
    ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"];

/// What a `preset` implies.
struct Preset {
    join_rule: &'static str,
    guest_can_join: bool,
    invitees_have_ops: bool,
    power_level_override: Value,
}

fn preset(body: &Map<String, Value>) -> Result<Preset, ApiError> {
    let name = match body.get("preset") {
        Some(Value::String(name)) => name.as_str(),
        Some(other) => {
            return Err(ApiError::bad_json(format!(
                "'{other}' is not a valid preset"
            )));
        }
        None if body.get("visibility").and_then(Value::as_str) == Some("public") => "public_chat",
        None => "private_chat",
    };
    let private = |invitees_have_ops| Preset {
        join_rule: "invite",
        guest_can_join: true,
        invitees_have_ops,
        power_level_override: json!({ "invite": 0 }),
    };
    match name {
        "private_chat" => Ok(private(false)),
        "trusted_private_chat" => Ok(private(true)),
        "public_chat" => Ok(Preset {
            join_rule: "public",
            guest_can_join: false,
            invitees_have_ops: false,
            power_level_override: json!({ "m.call.invite": 50 }),
        }),
        other => Err(ApiError::bad_json(format!(
            "'{other}' is not a valid preset"
        ))),
    }
}

/// An optional JSON object field; 400 `M_BAD_JSON` if present and not an object.
fn optional_object<'a>(
    body: &'a Map<String, Value>,
    key: &str,
) -> Result<Option<&'a Map<String, Value>>, ApiError> {
    match body.get(key) {
        None => Ok(None),
        Some(Value::Object(object)) => Ok(Some(object)),
        Some(_) => Err(ApiError::bad_json(format!("'{key}' must be an object"))),
    }
}

/// The `invite` list: user ids.
fn invitees(body: &Map<String, Value>) -> Result<Vec<String>, ApiError> {
    let Some(list) = body.get("invite") else {
        return Ok(Vec::new());
    };
    let list = list
        .as_array()
        .ok_or_else(|| ApiError::bad_json("'invite' must be a list"))?;
    list.iter()
        .map(|entry| match entry.as_str() {
            Some(user_id) if ids::parse_user_id(user_id).is_some() => Ok(user_id.to_owned()),
            _ => Err(ApiError::unknown(400, format!("Invalid user_id: {entry}"))),
        })
        .collect()
}

/// `initial_state` as `(type, state_key, content)`, later duplicates replacing earlier ones.
fn initial_state(body: &Map<String, Value>) -> Result<Vec<(String, String, Value)>, ApiError> {
    let Some(list) = body.get("initial_state") else {
        return Ok(Vec::new());
    };
    let list = list
        .as_array()
        .ok_or_else(|| ApiError::bad_json("'initial_state' must be a list"))?;
    let mut events: Vec<(String, String, Value)> = Vec::new();
    for entry in list {
        let invalid = || {
            ApiError::bad_json(
                "Each initial_state event needs a string 'type' and an object 'content'",
            )
        };
        let entry = entry.as_object().ok_or_else(invalid)?;
        let kind = entry
            .get("type")
            .and_then(Value::as_str)
            .ok_or_else(invalid)?;
        let state_key = optional_string(entry, "state_key")?.unwrap_or("");
        let content = entry
            .get("content")
            .filter(|c| c.is_object())
            .ok_or_else(invalid)?;
        match events
            .iter_mut()
            .find(|(k, s, _)| k == kind && s == state_key)
        {
            Some(existing) => existing.2 = content.clone(),
            None => events.push((kind.to_owned(), state_key.to_owned(), content.clone())),
        }
    }
    Ok(events)
}

/// Default `m.room.power_levels` content before overrides.
fn default_power_levels(creator: &str) -> Value {
    json!({
        "users": { creator: 100 },
        "users_default": 0,
        "events": {
            "m.room.name": 50,
            "m.room.power_levels": 100,
            "m.room.history_visibility": 100,
            "m.room.canonical_alias": 50,
            "m.room.avatar": 50,
            "m.room.tombstone": 100,
            "m.room.server_acl": 100,
            "m.room.encryption": 100,
        },
        "events_default": 0,
        "state_default": 50,
        "ban": 50,
        "kick": 50,
        "redact": 50,
        "invite": 50,
        "historical": 100,
    })
}

/// Shallow-merges `overrides` into `target`.
fn merge(target: &mut Value, overrides: &Map<String, Value>) {
    if let Some(object) = target.as_object_mut() {
        object.extend(overrides.clone());
    }
}

/// Whether `creator` already invited `invitee` flagged `is_direct` to a room other than `room_id`.
fn has_direct_chat(state: &State, room_id: &str, creator: &str, invitee: &str) -> bool {
    state.rooms().iter().any(|room| {
        room.room_id != room_id
            && room.events.iter().any(|event| {
                event.is_state("m.room.member", invitee)
                    && event.sender == creator
                    && event.content.get("is_direct") == Some(&Value::Bool(true))
            })
    })
}

/// Whether the invites of the room `body` asks for are flagged `is_direct`.
fn direct_flag(state: &State, body: &Map<String, Value>) -> bool {
    let requested = if state.deviates(Deviation::FlagWhenFalse) {
        body.contains_key("is_direct")
    } else {
        body.get("is_direct") == Some(&Value::Bool(true))
    };
    let trusted = body.get("preset").and_then(Value::as_str) == Some("trusted_private_chat");
    let with_initial_state = body
        .get("initial_state")
        .and_then(Value::as_array)
        .is_some_and(|list| !list.is_empty());
    if state.deviates(Deviation::InitialStateDropsFlag) && with_initial_state {
        false
    } else if state.deviates(Deviation::FlagEveryInvite) {
        true
    } else if state.deviates(Deviation::FlagNeedsPreset) {
        requested && trusted
    } else if state.deviates(Deviation::FlagFromPreset) {
        requested || trusted
    } else {
        requested
    }
}

/// The `is_direct` content of an invite: `true` when `flagged`, else nothing.
fn invite_flag(state: &State, flagged: bool) -> Map<String, Value> {
    let value = if flagged {
        Value::Bool(true)
    } else if state.deviates(Deviation::IsDirectFalseWritten) {
        Value::Bool(false)
    } else if state.deviates(Deviation::FlagFalseAsString) {
        json!("false")
    } else {
        return Map::new();
    };
    Map::from_iter([("is_direct".to_owned(), value)])
}

/// A validated `/createRoom` request.
struct RoomRequest<'a> {
    version: &'a str,
    alias: Option<String>,
    invitees: Vec<String>,
    power_override: Option<&'a Map<String, Value>>,
    preset: Preset,
    creation_content: Map<String, Value>,
    initial_state: Vec<(String, String, Value)>,
    name: Option<&'a str>,
    topic: Option<&'a str>,
    is_direct: bool,
}

impl<'a> RoomRequest<'a> {
    /// Reads and checks the request body.
    fn parse(
        state: &State,
        creator: &str,
        body: &'a Map<String, Value>,
    ) -> Result<RoomRequest<'a>, ApiError> {
        let version = match body.get("room_version") {
            None => DEFAULT_ROOM_VERSION,
            Some(Value::String(version)) => version.as_str(),
            Some(_) => return Err(ApiError::bad_json("room_version must be a string")),
        };
        if !SUPPORTED_ROOM_VERSIONS.contains(&version) {
            return Err(ApiError::new(
                400,
                "M_UNSUPPORTED_ROOM_VERSION",
                "Your homeserver does not support this room version",
            ));
        }
        let alias = match optional_string(body, "room_alias_name")? {
            Some(name) if name.chars().any(char::is_whitespace) => {
                return Err(ApiError::unknown(400, "Invalid characters in room alias"));
            }
            Some(name) if name.contains(':') => {
                return Err(ApiError::unknown(
                    400,
                    "':' is not permitted in the room alias name.",
                ));
            }
            Some(name) => Some(format!("#{name}:{}", state.server_name)),
            None => None,
        };
        if alias
            .as_ref()
            .is_some_and(|alias| state.aliases.contains_key(alias))
        {
            return Err(ApiError::new(
                400,
                "M_ROOM_IN_USE",
                "Room alias already taken",
            ));
        }
        let invitees = invitees(body)?;
        let power_override = optional_object(body, "power_level_content_override")?;
        if let Some(users) = power_override.and_then(|o| o.get("users"))
            && users.get(creator).is_none()
        {
            return Err(ApiError::unknown(
                400,
                format!(
                    "Not a valid power_level_content_override: 'users' did not contain {creator}"
                ),
            ));
        }
        Ok(RoomRequest {
            version,
            alias,
            invitees,
            power_override,
            preset: preset(body)?,
            creation_content: optional_object(body, "creation_content")?
                .cloned()
                .unwrap_or_default(),
            initial_state: initial_state(body)?,
            name: optional_string(body, "name")?,
            topic: optional_string(body, "topic")?,
            is_direct: direct_flag(state, body),
        })
    }

    /// Whether `initial_state` sets the state event `kind` with an empty state key.
    fn sets_initially(&self, kind: &str) -> bool {
        self.initial_state
            .iter()
            .any(|(k, s, _)| k == kind && s.is_empty())
    }

    /// The `m.room.create` content.
    fn create_content(&self, creator: &str) -> Value {
        let mut content = self.creation_content.clone();
        content.remove("creator");
        content.insert("room_version".into(), json!(self.version));
        if self.version.parse::<u32>().is_ok_and(|v| v <= 10) {
            content.insert("creator".into(), json!(creator));
        }
        Value::Object(content)
    }

    /// The `m.room.power_levels` content: defaults, then preset, then request overrides.
    fn power_levels(&self, creator: &str) -> Value {
        let mut levels = default_power_levels(creator);
        if self.preset.invitees_have_ops
            && let Some(users) = levels.get_mut("users").and_then(Value::as_object_mut)
        {
            for invitee in &self.invitees {
                users.insert(invitee.clone(), json!(100));
            }
        }
        if let Some(object) = self.preset.power_level_override.as_object() {
            merge(&mut levels, object);
        }
        if let Some(object) = self.power_override {
            merge(&mut levels, object);
        }
        levels
    }

    /// The state events after the power levels, in sending order: alias, preset,
    /// `initial_state`, name and topic.
    fn configured_state(&self) -> Vec<(String, String, Value)> {
        let mut events = Vec::new();
        let mut add =
            |kind: &str, content: Value| events.push((kind.to_owned(), String::new(), content));
        if let Some(alias) = self
            .alias
            .as_ref()
            .filter(|_| !self.sets_initially("m.room.canonical_alias"))
        {
            add("m.room.canonical_alias", json!({ "alias": alias }));
        }
        if !self.sets_initially("m.room.join_rules") {
            add(
                "m.room.join_rules",
                json!({ "join_rule": self.preset.join_rule }),
            );
        }
        if !self.sets_initially("m.room.history_visibility") {
            add(
                "m.room.history_visibility",
                json!({ "history_visibility": "shared" }),
            );
        }
        if self.preset.guest_can_join && !self.sets_initially("m.room.guest_access") {
            add("m.room.guest_access", json!({ "guest_access": "can_join" }));
        }
        events.extend(self.initial_state.iter().cloned());
        if let Some(name) = self.name {
            events.push(("m.room.name".into(), String::new(), json!({ "name": name })));
        }
        if let Some(topic) = self.topic {
            let content = json!({ "topic": topic, "m.topic": { "m.text": [{ "body": topic }] } });
            events.push(("m.room.topic".into(), String::new(), content));
        }
        events
    }
}

/// `POST /createRoom`.
pub fn post_create_room(state: &mut State, call: &Call) -> Outcome {
    let session = auth::authenticate(state, call)?;
    let creator = session.user_id.as_str();
    let body = call.json_object()?;
    let request = RoomRequest::parse(state, creator, &body)?;

    let room_id = if state.deviates(Deviation::RoomIdsWithoutServer) {
        ids::room_id_without_server()
    } else {
        ids::room_id(&state.server_name)
    };
    state.insert_room(Room::new(room_id.clone()));
    if let Some(alias) = &request.alias {
        state.aliases.insert(alias.clone(), room_id.clone());
    }
    let send_state = |state: &mut State, kind: &str, key: &str, content: Value| {
        state.send(&room_id, NewEvent::state(kind, key, creator, content));
    };

    send_state(state, "m.room.create", "", request.create_content(creator));
    let join = MembershipChange::new(&room_id, creator, creator, "join", Map::new());
    change_membership(state, &join)?;
    send_state(
        state,
        "m.room.power_levels",
        "",
        request.power_levels(creator),
    );
    for (kind, key, content) in request.configured_state() {
        send_state(state, &kind, &key, content);
    }
    for (position, invitee) in request.invitees.iter().enumerate() {
        let flagged = request.is_direct
            && (position == 0 || !state.deviates(Deviation::FlagFirstInviteeOnly))
            && !(state.deviates(Deviation::SecondDirectUnflagged)
                && has_direct_chat(state, &room_id, creator, invitee));
        let extra = invite_flag(state, flagged);
        let change = MembershipChange::new(&room_id, creator, invitee, "invite", extra);
        change_membership(state, &change)?;
        if !flagged && state.deviates(Deviation::PlainInviteListTruncated) {
            break;
        }
    }
    let mut reply = json!({ "room_id": room_id });
    if state.deviates(Deviation::ResponseExtraFields) {
        reply["org.example.room_version"] = json!(request.version);
    }
    Ok(Reply::ok(reply))
}

#[cfg(test)]
mod tests {
    use reqwest::Method;
    use serde_json::{Value, json};

    use super::super::testing::{Client, encode};

    /// The room's state events as the creator reads them, in order.
    async fn state_events(client: &Client, token: &str, room_id: &str) -> Vec<Value> {
        let (status, events) = client
            .get(&format!("rooms/{}/state", encode(room_id)), token)
            .await;
        assert_eq!(status, 200, "{events}");
        events.as_array().expect("state array").clone()
    }

    #[tokio::test]
    async fn is_direct_marks_only_the_invites() {
        let (client, alice, bob) = Client::start_with_pair().await;
        let room_id = client
            .create_room(&alice, json!({ "preset": "trusted_private_chat", "invite": [bob.user_id], "is_direct": true, "name": "DM" }))
            .await;
        assert!(room_id.starts_with('!') && room_id.ends_with(client.server.server_name()));

        let events = state_events(&client, &alice.token, &room_id).await;
        let kinds: Vec<&str> = events.iter().filter_map(|e| e["type"].as_str()).collect();
        assert_eq!(
            kinds,
            [
                "m.room.create",
                "m.room.member",
                "m.room.power_levels",
                "m.room.join_rules",
                "m.room.history_visibility",
                "m.room.guest_access",
                "m.room.name",
                "m.room.member",
            ]
        );
        let member = |user: &str| {
            events
                .iter()
                .find(|e| e["type"] == "m.room.member" && e["state_key"] == user)
                .expect("member event")
                .clone()
        };
        let join = member(&alice.user_id);
        assert_eq!(join["content"]["membership"], "join");
        assert!(join["content"].get("is_direct").is_none());
        let invite = member(&bob.user_id);
        assert_eq!(invite["content"]["membership"], "invite");
        assert_eq!(invite["content"]["is_direct"], true);
        assert_eq!(invite["sender"], json!(alice.user_id));
        for key in ["event_id", "room_id", "origin_server_ts", "unsigned"] {
            assert!(invite.get(key).is_some(), "{key}");
        }
        assert_eq!(events[0]["content"]["room_version"], "11");
        assert_eq!(events[2]["content"]["users"][&bob.user_id], 100);
        assert_eq!(events[3]["content"]["join_rule"], "invite");
    }

    #[tokio::test]
    async fn invites_without_is_direct_carry_no_flag() {
        let (client, alice, bob) = Client::start_with_pair().await;
        let room_id = client
            .create_room(&alice, json!({ "invite": [bob.user_id], "topic": "plans" }))
            .await;
        let path = format!(
            "rooms/{}/state/m.room.member/{}",
            encode(&room_id),
            encode(&bob.user_id)
        );
        let (status, content) = client.get(&path, &alice.token).await;
        assert_eq!(status, 200);
        assert_eq!(content["membership"], "invite");
        assert!(content.get("is_direct").is_none());
        let (_, topic) = client
            .get(
                &format!("rooms/{}/state/m.room.topic", encode(&room_id)),
                &alice.token,
            )
            .await;
        assert_eq!(topic["topic"], "plans");
        let (_, levels) = client
            .get(
                &format!("rooms/{}/state/m.room.power_levels/", encode(&room_id)),
                &alice.token,
            )
            .await;
        assert!(levels["users"].get(&bob.user_id).is_none());
    }

    #[tokio::test]
    async fn malformed_requests_are_refused() {
        let client = Client::start().await;
        let alice = client.register("alice").await;
        let cases = [
            (b"not json".to_vec(), "M_NOT_JSON"),
            (b"[1, 2]".to_vec(), "M_BAD_JSON"),
            (br#"{"preset": "party"}"#.to_vec(), "M_BAD_JSON"),
            (
                br#"{"room_version": "99"}"#.to_vec(),
                "M_UNSUPPORTED_ROOM_VERSION",
            ),
            (br#"{"invite": ["bob"]}"#.to_vec(), "M_UNKNOWN"),
        ];
        for (body, errcode) in cases {
            let (status, reply) = client
                .raw(Method::POST, "createRoom", Some(&alice.token), body)
                .await;
            assert_eq!((status, reply["errcode"].as_str()), (400, Some(errcode)));
        }
        let (status, _) = client
            .call(Method::POST, "createRoom", None, Some(json!({})))
            .await;
        assert_eq!(status, 401);
    }
}
