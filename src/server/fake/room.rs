//! One room: its ordered event list, the state it implies, memberships and power levels,
//! and the client format of its events.

use serde_json::{Map, Value, json};

use super::event::{Event, NewEvent};
use super::profile::Deviation;

/// State event types shown to a user before they join (stripped state), in order.
const PREJOIN_STATE_TYPES: [&str; 7] = [
    "m.room.create",
    "m.room.join_rules",
    "m.room.canonical_alias",
    "m.room.avatar",
    "m.room.encryption",
    "m.room.name",
    "m.room.topic",
];

/// State event types some servers add to stripped state as well.
const EXTRA_PREJOIN_STATE_TYPES: [&str; 3] = [
    "m.room.power_levels",
    "m.room.history_visibility",
    "m.room.guest_access",
];

/// A room and every event sent in it, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct Room {
    /// The room id.
    pub room_id: String,
    /// Events in the order they were sent.
    pub events: Vec<Event>,
}

impl Room {
    /// An empty room.
    pub fn new(room_id: String) -> Room {
        Room {
            room_id,
            events: Vec::new(),
        }
    }

    /// Indices of the state events in force after the first `end` events, one per
    /// `(type, state_key)`, ordered by when each key first appeared.
    pub fn state_at(&self, end: usize) -> Vec<usize> {
        let mut state: Vec<usize> = Vec::new();
        for (index, event) in self.events.iter().take(end).enumerate() {
            let Some(key) = event.state_key.as_deref() else {
                continue;
            };
            match state
                .iter_mut()
                .find(|slot| self.events[**slot].is_state(&event.kind, key))
            {
                Some(slot) => *slot = index,
                None => state.push(index),
            }
        }
        state
    }

    /// Indices of the current state events.
    pub fn current_state(&self) -> Vec<usize> {
        self.state_at(self.events.len())
    }

    /// Index of the current state event with this type and state key.
    pub fn state_index(&self, kind: &str, state_key: &str) -> Option<usize> {
        self.events
            .iter()
            .rposition(|event| event.is_state(kind, state_key))
    }

    /// The current state event with this type and state key.
    pub fn state_event(&self, kind: &str, state_key: &str) -> Option<&Event> {
        self.state_index(kind, state_key)
            .map(|index| &self.events[index])
    }

    /// The current membership of `user_id`, if they have a member event.
    pub fn membership(&self, user_id: &str) -> Option<&str> {
        self.state_event("m.room.member", user_id)
            .and_then(Event::membership)
    }

    /// Users whose current membership is `membership`, in the order of their member events.
    pub fn members(&self, membership: &str) -> Vec<String> {
        self.current_state()
            .into_iter()
            .map(|index| &self.events[index])
            .filter(|event| event.membership() == Some(membership))
            .filter_map(|event| event.state_key.clone())
            .collect()
    }

    /// The `join_rule` of the room (`invite` when unset).
    pub fn join_rule(&self) -> &str {
        self.state_event("m.room.join_rules", "")
            .and_then(|event| event.content.get("join_rule"))
            .and_then(Value::as_str)
            .unwrap_or("invite")
    }

    /// The power level of `user_id` from `m.room.power_levels`.
    pub fn user_power_level(&self, user_id: &str) -> i64 {
        let Some(levels) = self.state_event("m.room.power_levels", "") else {
            return 0;
        };
        levels
            .content
            .get("users")
            .and_then(|users| users.get(user_id))
            .or_else(|| levels.content.get("users_default"))
            .and_then(Value::as_i64)
            .unwrap_or(0)
    }

    /// The level `m.room.power_levels` requires for `action` (e.g. `invite`).
    pub fn required_power_level(&self, action: &str, default: i64) -> i64 {
        self.state_event("m.room.power_levels", "")
            .and_then(|levels| levels.content.get(action))
            .and_then(Value::as_i64)
            .unwrap_or(default)
    }

    /// Appends an event at the given stream position and returns its index.
    pub fn append(&mut self, new: NewEvent, event_id: String, position: u64, now: u64) -> usize {
        let replaces = new
            .state_key
            .as_deref()
            .and_then(|key| self.state_index(&new.kind, key));
        self.events.push(Event {
            event_id,
            kind: new.kind,
            state_key: new.state_key,
            sender: new.sender,
            content: new.content,
            origin_server_ts: now,
            position,
            replaces,
            stripped_state: Vec::new(),
        });
        self.events.len() - 1
    }

    /// Stripped state for an invite or a knock: the pre-join state types and, for an
    /// invite, the inviter's member event.
    pub fn prejoin_state(&self, inviter: Option<&str>, deviation: Option<Deviation>) -> Vec<Value> {
        let extra: &[&str] = if deviation == Some(Deviation::StrippedStateExtraEvents) {
            &EXTRA_PREJOIN_STATE_TYPES
        } else {
            &[]
        };
        PREJOIN_STATE_TYPES
            .iter()
            .chain(extra)
            .filter_map(|kind| self.state_event(kind, ""))
            .chain(inviter.and_then(|inviter| self.state_event("m.room.member", inviter)))
            .map(|event| {
                let mut stripped = event.stripped();
                if deviation == Some(Deviation::StrippedSenderIsCreator)
                    && let Some(create) = self.state_event("m.room.create", "")
                {
                    stripped["sender"] = json!(create.sender);
                }
                stripped
            })
            .collect()
    }

    /// The `unsigned` of event `index`: age, the state it replaced, the viewer's
    /// membership, and the stripped state of an invite or a knock.
    fn unsigned(
        &self,
        index: usize,
        now: u64,
        viewer_membership: Option<&str>,
        deviation: Option<Deviation>,
    ) -> Map<String, Value> {
        let event = &self.events[index];
        let mut unsigned = Map::new();
        unsigned.insert(
            "age".into(),
            json!(now.saturating_sub(event.origin_server_ts)),
        );
        if let Some(previous) = event.replaces.map(|i| &self.events[i]) {
            unsigned.insert("replaces_state".into(), json!(previous.event_id));
            let join_after_invite =
                event.membership() == Some("join") && previous.membership() == Some("invite");
            if deviation == Some(Deviation::PrevContentMembershipOnly)
                && let Some(membership) = previous.membership()
            {
                unsigned.insert("prev_content".into(), json!({ "membership": membership }));
            } else if !(join_after_invite && deviation == Some(Deviation::JoinWithoutPrevContent)) {
                unsigned.insert("prev_content".into(), previous.content.clone());
            }
            unsigned.insert("prev_sender".into(), json!(previous.sender));
        }
        if let Some(membership) = viewer_membership {
            unsigned.insert("membership".into(), json!(membership));
        }
        let room_state_key = match event.membership() {
            Some("invite") => Some("invite_room_state"),
            Some("knock") => Some("knock_room_state"),
            _ => None,
        };
        if let Some(key) = room_state_key.filter(|_| !event.stripped_state.is_empty()) {
            let without_create = deviation == Some(Deviation::InviteRoomStateWithoutCreate)
                && key == "invite_room_state";
            let events: Vec<Value> = event
                .stripped_state
                .iter()
                .filter(|stripped| !(without_create && stripped["type"] == "m.room.create"))
                .cloned()
                .collect();
            unsigned.insert(key.into(), Value::Array(events));
        }
        if deviation == Some(Deviation::UnsignedExtraKeys) {
            unsigned.insert("org.example.stream_position".into(), json!(event.position));
            unsigned.insert("org.example.origin".into(), json!("fake"));
        }
        unsigned
    }

    /// The client format of event `index`: with `room_id` when `with_room_id`, and with
    /// `unsigned.membership` when the requester's membership at the event is given.
    pub fn client_event(
        &self,
        index: usize,
        now: u64,
        with_room_id: bool,
        viewer_membership: Option<&str>,
        deviation: Option<Deviation>,
    ) -> Value {
        let event = &self.events[index];
        let unsigned = self.unsigned(index, now, viewer_membership, deviation);
        let mut object = Map::new();
        object.insert("type".into(), json!(event.kind));
        if let Some(key) = &event.state_key {
            object.insert("state_key".into(), json!(key));
        }
        object.insert("sender".into(), json!(event.sender));
        object.insert("content".into(), event.content.clone());
        object.insert("event_id".into(), json!(event.event_id));
        if with_room_id {
            object.insert("room_id".into(), json!(self.room_id));
        }
        object.insert("origin_server_ts".into(), json!(event.origin_server_ts));
        object.insert("unsigned".into(), Value::Object(unsigned));
        Value::Object(object)
    }

    /// Events `indices` in full, with `room_id`, as state reads serve them.
    pub fn state_events(
        &self,
        indices: impl IntoIterator<Item = usize>,
        now: u64,
        deviation: Option<Deviation>,
    ) -> Vec<Value> {
        indices
            .into_iter()
            .map(|index| self.client_event(index, now, true, None, deviation))
            .collect()
    }

    /// The power level needed to send an event of type `kind`: its entry in `events`,
    /// else `state_default` (state events) or `events_default` (message events).
    pub fn required_event_level(&self, kind: &str, is_state: bool) -> i64 {
        let Some(levels) = self.state_event("m.room.power_levels", "") else {
            return 0;
        };
        let (default_key, default) = if is_state {
            ("state_default", 50)
        } else {
            ("events_default", 0)
        };
        levels
            .content
            .get("events")
            .and_then(|events| events.get(kind))
            .or_else(|| levels.content.get(default_key))
            .and_then(Value::as_i64)
            .unwrap_or(default)
    }

    /// The membership of `user_id` after each event, as a list parallel to `events`
    /// (`leave` before they have any member event).
    pub fn membership_timeline(&self, user_id: &str) -> Vec<&str> {
        let mut current = "leave";
        self.events
            .iter()
            .map(|event| {
                if event.state_key.as_deref() == Some(user_id)
                    && let Some(membership) = event.membership()
                {
                    current = membership;
                }
                current
            })
            .collect()
    }
}

/// The timeline form of a client event, as `/sync` timelines, `/messages`, `/context`
/// and `/event` serve it: unchanged, except that a server running with
/// [`Deviation::FlagMissingFromTimeline`] serves it without `is_direct`.
pub fn timeline_form(mut event: Value, deviation: Option<Deviation>) -> Value {
    if deviation == Some(Deviation::FlagMissingFromTimeline)
        && let Some(content) = event["content"].as_object_mut()
    {
        content.remove("is_direct");
    }
    event
}
