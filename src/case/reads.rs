//! Reads: the ways the client-server API lets a client read one room state event, and the steps
//! a case's `read:` becomes, one per read, each judging the same expectations of the event.
//!
//! An event is one event wherever it is served: a claim about it holds through every read. The
//! room state read comes first and keeps the event's id, which the reads by id need.

use std::time::Duration;

use serde_json::{Map, Value, json};

use super::model::{Action, Call, Expect, Focus, Step, SyncUntil};

/// One way to read a room state event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Read {
    /// `GET /rooms/{roomId}/state`: the whole current state; keeps the event's id.
    RoomState,
    /// `GET /rooms/{roomId}/state/{eventType}/{stateKey}`: the event's content only.
    StateEvent,
    /// `GET /rooms/{roomId}/members`: the current member events (member events only).
    Members,
    /// `GET /rooms/{roomId}/messages?dir=b`: the timeline, newest first.
    Messages,
    /// `GET /rooms/{roomId}/context/{eventId}`: the event itself, by id.
    Context,
    /// `GET /rooms/{roomId}/event/{eventId}`: the single event, by id.
    Event,
    /// `/sync` until the event is in the room's timeline.
    SyncTimeline,
    /// An initial `/sync` with a timeline of one event: the event in the room's `state`. The case
    /// sends a later event first, so the event is before the timeline.
    SyncState,
}

/// Every read, in the order a `read:` carries them out.
pub const READS: [Read; 8] = [
    Read::RoomState,
    Read::StateEvent,
    Read::Members,
    Read::Messages,
    Read::Context,
    Read::Event,
    Read::SyncTimeline,
    Read::SyncState,
];

/// The top-level keys of an event the content-only read can judge.
const CONTENT_READ_KEYS: [&str; 3] = ["type", "state_key", "content"];

/// The state event a `read:` reads, as templates.
#[derive(Debug, Clone)]
pub struct ReadTarget {
    /// The room id.
    pub room: String,
    /// The event type.
    pub event_type: String,
    /// The state key.
    pub state_key: String,
    /// The variable the event's id is kept in.
    pub id_var: String,
}

impl Read {
    /// The read's name in case files.
    pub fn name(self) -> &'static str {
        match self {
            Read::RoomState => "room-state",
            Read::StateEvent => "state-event",
            Read::Members => "members",
            Read::Messages => "messages",
            Read::Context => "context",
            Read::Event => "event",
            Read::SyncTimeline => "sync-timeline",
            Read::SyncState => "sync-state",
        }
    }

    /// The read called `name`.
    pub fn named(name: &str) -> Option<Read> {
        READS.into_iter().find(|read| read.name() == name)
    }

    /// Whether the read serves events of `event_type`: `/members` serves member events only.
    pub fn serves(self, event_type: &str) -> bool {
        self != Read::Members || event_type == "m.room.member"
    }

    /// The step carrying out this read of `target` as `base` says: `base`'s actor, checks and
    /// expectations, with this read's request and focus.
    pub fn step(self, target: &ReadTarget, base: &Step, within: Duration) -> Step {
        let room = &target.room;
        let id = format!("${{{}}}", target.id_var);
        let by_key = json!({"type": target.event_type, "state_key": target.state_key});
        let by_id = json!({"event_id": id});
        let get = |path: String| {
            Action::Call(Call {
                method: "GET".into(),
                path: format!("/_matrix/client/v3/rooms/{room}/{path}"),
                body: None,
            })
        };
        let element = |at: &str, pick: &Value| Focus::Element {
            at: at.to_string(),
            pick: Some(pick.clone()),
        };
        let sync = |at: &str, pick: &Value, limit: u32| {
            Action::SyncUntil(SyncUntil {
                at: at.to_string(),
                contains: Some(pick.clone()),
                since: None,
                filter: Some(json!({"room": {"timeline": {"limit": limit}}})),
                within,
            })
        };
        let timeline = format!("/rooms/join/{room}/timeline/events");
        let state = format!("/rooms/join/{room}/state/events");
        let (action, focus) = match self {
            Read::RoomState => (get("state".into()), element("", &by_key)),
            Read::StateEvent => (
                get(format!("state/{}/{}", target.event_type, target.state_key)),
                Focus::Content {
                    event_type: target.event_type.clone(),
                    state_key: target.state_key.clone(),
                },
            ),
            Read::Members => (get("members".into()), element("/chunk", &by_key)),
            Read::Messages => (
                get("messages?dir=b&limit=100".into()),
                element("/chunk", &by_id),
            ),
            Read::Context => (
                get(format!("context/{id}?limit=1")),
                Focus::Element {
                    at: "/event".into(),
                    pick: None,
                },
            ),
            Read::Event => (
                get(format!("event/{id}")),
                Focus::Element {
                    at: String::new(),
                    pick: None,
                },
            ),
            Read::SyncTimeline => (sync(&timeline, &by_id, 100), element(&timeline, &by_id)),
            Read::SyncState => (sync(&state, &by_key, 1), element(&state, &by_key)),
        };
        let expect = if self == Read::StateEvent {
            base.expect.iter().map(content_only).collect()
        } else {
            base.expect.clone()
        };
        let save = if self == Read::RoomState {
            vec![(target.id_var.clone(), "/event_id".to_string())]
        } else {
            Vec::new()
        };
        Step {
            action,
            focus: Some(focus),
            read: Some(self.name()),
            expect,
            save,
            ..base.clone()
        }
    }
}

/// `expect` as the content-only read can judge it: expectations of keys other than `type`,
/// `state_key` and `content` are left to the reads that serve them.
fn content_only(expect: &Expect) -> Expect {
    let kept = |pointer: &String| {
        CONTENT_READ_KEYS
            .iter()
            .any(|key| pointer == &format!("/{key}") || pointer.starts_with(&format!("/{key}/")))
    };
    let object = |value: &Option<Value>| {
        value.as_ref().map(|value| match value {
            Value::Object(map) => Value::Object(
                map.iter()
                    .filter(|(key, _)| CONTENT_READ_KEYS.contains(&key.as_str()))
                    .map(|(key, value)| (key.clone(), value.clone()))
                    .collect::<Map<String, Value>>(),
            ),
            other => other.clone(),
        })
    };
    Expect {
        body: object(&expect.body),
        excludes: object(&expect.excludes),
        present: expect.present.iter().filter(|p| kept(p)).cloned().collect(),
        absent: expect.absent.iter().filter(|p| kept(p)).cloned().collect(),
        types: expect
            .types
            .iter()
            .filter(|(p, _)| kept(p))
            .cloned()
            .collect(),
        ..expect.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::model::JsonType;

    fn base() -> Step {
        Step {
            line: 7,
            actor: Some("alice".into()),
            device: 1,
            action: Action::Call(Call {
                method: "GET".into(),
                path: "/".into(),
                body: None,
            }),
            expect: vec![Expect {
                body: Some(json!({"sender": "${alice}", "content": {"is_direct": true}})),
                types: vec![
                    ("/content/is_direct".into(), JsonType::Boolean),
                    ("/sender".into(), JsonType::String),
                ],
                ..Expect::default()
            }],
            checks: vec!["dm.create-room.invitees-flagged".into()],
            observe: Vec::new(),
            save: Vec::new(),
            save_if_present: Vec::new(),
            when: Vec::new(),
            snapshot: None,
            focus: None,
            read: None,
        }
    }

    fn target() -> ReadTarget {
        ReadTarget {
            room: "${room}".into(),
            event_type: "m.room.member".into(),
            state_key: "${bob}".into(),
            id_var: "event_id_7".into(),
        }
    }

    // Every read names itself, and only /members is limited to member events.
    #[test]
    fn names_round_trip_and_members_serves_member_events_only() {
        for read in READS {
            assert_eq!(Read::named(read.name()), Some(read));
        }
        assert_eq!(Read::named("timeline"), None);
        assert!(Read::Members.serves("m.room.member") && !Read::Members.serves("m.room.topic"));
        assert!(Read::Messages.serves("m.room.topic"));
    }

    // The room state read keeps the event id that the reads by id use.
    #[test]
    fn the_room_state_read_keeps_the_id_the_reads_by_id_use() {
        let within = Duration::from_secs(10);
        let state = Read::RoomState.step(&target(), &base(), within);
        assert_eq!(state.save, vec![("event_id_7".into(), "/event_id".into())]);
        let event = Read::Event.step(&target(), &base(), within);
        let Action::Call(call) = &event.action else {
            panic!("a call")
        };
        assert_eq!(
            call.path,
            "/_matrix/client/v3/rooms/${room}/event/${event_id_7}"
        );
        assert!(event.save.is_empty());
        assert_eq!(event.checks, base().checks);
        assert_eq!(event.read, Some("event"));
    }

    // The content-only read judges what it serves and leaves sender to the others.
    #[test]
    fn the_content_read_judges_content_type_and_state_key_only() {
        let step = Read::StateEvent.step(&target(), &base(), Duration::from_secs(1));
        assert_eq!(
            step.expect[0].body,
            Some(json!({"content": {"is_direct": true}}))
        );
        assert_eq!(
            step.expect[0].types,
            vec![("/content/is_direct".to_string(), JsonType::Boolean)]
        );
        let full = Read::Members.step(&target(), &base(), Duration::from_secs(1));
        assert_eq!(full.expect[0].body, base().expect[0].body);
    }
}
