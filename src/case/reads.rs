//! Reads: the ways the client-server API lets a client read one room state event or one type of
//! account data, and the steps a case's `read:` becomes, one per read, each judging the same
//! expectations of what it reads.
//!
//! An event is one event wherever it is served, and account data is what was stored wherever it is
//! read: a claim about either holds through every read. For an event the room state read comes
//! first and keeps the event's id, which the reads by id need; for account data every read judges
//! the content.

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
    /// `GET /user/{userId}/account_data/{type}`, or `…/rooms/{roomId}/account_data/{type}`.
    Get,
    /// An initial `/sync`: the type in `account_data` (or the joined room's `account_data`).
    SyncInitial,
    /// A `/sync` since a token the case kept before the write.
    SyncIncremental,
    /// A `/sync` with `include_leave`: the type in the left room's `account_data`.
    SyncLeave,
}

/// Every read of a room state event, in the order a `read:` carries them out.
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

/// Every read of account data, in the order a `read:` carries them out.
pub const ACCOUNT_DATA_READS: [Read; 4] = [
    Read::Get,
    Read::SyncInitial,
    Read::SyncIncremental,
    Read::SyncLeave,
];

/// The top-level keys of an event the content-only read can judge.
const CONTENT_READ_KEYS: [&str; 3] = ["type", "state_key", "content"];

/// One type of account data a `read:` reads, as templates.
#[derive(Debug, Clone)]
pub struct AccountDataTarget {
    /// The owner's user id.
    pub owner: String,
    /// The account data type.
    pub kind: String,
    /// The room, for room account data.
    pub room: Option<String>,
    /// The `/sync` token taken before the write, for the incremental read.
    pub since: Option<String>,
}

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
            Read::Get => "get",
            Read::SyncInitial => "sync-initial",
            Read::SyncIncremental => "sync-incremental",
            Read::SyncLeave => "sync-leave",
        }
    }

    /// The read called `name`, of an event or of account data.
    pub fn named(name: &str) -> Option<Read> {
        READS
            .into_iter()
            .chain(ACCOUNT_DATA_READS)
            .find(|read| read.name() == name)
    }

    /// The step carrying out this read of account data as `base` says: the content of the type,
    /// judged by `base`'s expectations. `None` for a read of events.
    pub fn account_data_step(
        self,
        target: &AccountDataTarget,
        base: &Step,
        within: Duration,
    ) -> Option<Step> {
        let kind = &target.kind;
        let pick = json!({"type": kind});
        let events = match &target.room {
            Some(room) => format!("/rooms/join/{room}/account_data/events"),
            None => "/account_data/events".to_string(),
        };
        let sync = |at: String, since: Option<String>, filter: Option<Value>| {
            let focus = Focus::Element {
                at: at.clone(),
                pick: Some(pick.clone()),
                inner: "/content".into(),
            };
            let action = Action::SyncUntil(SyncUntil {
                at,
                contains: Some(pick.clone()),
                since,
                filter,
                within,
            });
            (action, focus)
        };
        let (action, focus) = match self {
            Read::Get => {
                let scope = match &target.room {
                    Some(room) => format!("rooms/{room}/account_data"),
                    None => "account_data".to_string(),
                };
                let action = Action::Call(Call {
                    method: "GET".into(),
                    path: format!("/_matrix/client/v3/user/{}/{scope}/{kind}", target.owner),
                    body: None,
                });
                (action, Focus::at(""))
            }
            Read::SyncInitial => sync(events, None, None),
            Read::SyncIncremental => sync(events, target.since.clone(), None),
            Read::SyncLeave => {
                let room = target.room.as_deref().unwrap_or_default();
                let filter = json!({"room": {"include_leave": true}});
                sync(
                    format!("/rooms/leave/{room}/account_data/events"),
                    None,
                    Some(filter),
                )
            }
            _ => return None,
        };
        Some(Step {
            action,
            focus: Some(focus),
            read: Some(self.name()),
            ..base.clone()
        })
    }

    /// Whether the read serves events of `event_type`: `/members` serves member events only.
    pub fn serves(self, event_type: &str) -> bool {
        self != Read::Members || event_type == "m.room.member"
    }

    /// The step carrying out this read of `target` as `base` says: `base`'s actor, checks and
    /// expectations, with this read's request and focus. `None` for a read of account data.
    pub fn step(self, target: &ReadTarget, base: &Step, within: Duration) -> Option<Step> {
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
            inner: String::new(),
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
            Read::Context => (get(format!("context/{id}?limit=1")), Focus::at("/event")),
            Read::Event => (get(format!("event/{id}")), Focus::at("")),
            Read::SyncTimeline => (sync(&timeline, &by_id, 100), element(&timeline, &by_id)),
            Read::SyncState => (sync(&state, &by_key, 1), element(&state, &by_key)),
            Read::Get | Read::SyncInitial | Read::SyncIncremental | Read::SyncLeave => return None,
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
        Some(Step {
            action,
            focus: Some(focus),
            read: Some(self.name()),
            expect,
            save,
            ..base.clone()
        })
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
        for read in READS.into_iter().chain(ACCOUNT_DATA_READS) {
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
        let state = Read::RoomState.step(&target(), &base(), within).unwrap();
        assert_eq!(state.save, vec![("event_id_7".into(), "/event_id".into())]);
        let event = Read::Event.step(&target(), &base(), within).unwrap();
        let Action::Call(call) = &event.action else {
            panic!("a call")
        };
        assert_eq!(
            call.path,
            "/_matrix/client/v3/rooms/${room}/event/${event_id_7}"
        );
        assert!(event.save.is_empty());
        assert!(Read::Get.step(&target(), &base(), within).is_none());
        assert_eq!(event.checks, base().checks);
        assert_eq!(event.read, Some("event"));
    }

    // The content-only read judges what it serves and leaves sender to the others.
    #[test]
    fn the_content_read_judges_content_type_and_state_key_only() {
        let step = Read::StateEvent
            .step(&target(), &base(), Duration::from_secs(1))
            .unwrap();
        assert_eq!(
            step.expect[0].body,
            Some(json!({"content": {"is_direct": true}}))
        );
        assert_eq!(
            step.expect[0].types,
            vec![("/content/is_direct".to_string(), JsonType::Boolean)]
        );
        let full = Read::Members
            .step(&target(), &base(), Duration::from_secs(1))
            .unwrap();
        assert_eq!(full.expect[0].body, base().expect[0].body);
    }

    // An account data read judges the content: the whole GET answer, or the event's content in /sync.
    #[test]
    fn account_data_reads_focus_on_the_content() {
        let target = AccountDataTarget {
            owner: "${alice}".into(),
            kind: "m.direct".into(),
            room: None,
            since: Some("${before}".into()),
        };
        let base = base();
        let get = Read::Get
            .account_data_step(&target, &base, Duration::from_secs(1))
            .unwrap();
        let Action::Call(call) = &get.action else {
            panic!("a call")
        };
        assert_eq!(
            call.path,
            "/_matrix/client/v3/user/${alice}/account_data/m.direct"
        );
        let incremental = Read::SyncIncremental
            .account_data_step(&target, &base, Duration::from_secs(1))
            .unwrap();
        let Action::SyncUntil(sync) = &incremental.action else {
            panic!("a sync")
        };
        assert_eq!(sync.since.as_deref(), Some("${before}"));
        assert_eq!(
            incremental.focus,
            Some(Focus::Element {
                at: "/account_data/events".into(),
                pick: Some(json!({"type": "m.direct"})),
                inner: "/content".into(),
            })
        );
        assert!(
            Read::Members
                .account_data_step(&target, &base, Duration::from_secs(1))
                .is_none()
        );
    }
}
