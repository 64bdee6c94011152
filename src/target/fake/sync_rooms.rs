//! The `rooms` part of a `/sync` response: the `join`, `invite` and `leave` sections.
//!
//! A room's `timeline` holds its latest events (after `since` when incremental, at most
//! the filter's limit); `state` holds the state at the end of the timeline minus events
//! the timeline already carries (and, when incremental, minus state unchanged since
//! `since`). Users who never joined a room see only their own membership events in it.

use serde_json::{Map, Value, json};

use super::room::Room;
use super::state::State;
use super::sync_filter::SyncFilter;

/// What one `/sync` request asks for.
pub struct SyncRequest<'a> {
    /// The syncing user.
    pub user_id: &'a str,
    /// Stream position of the `since` token, for an incremental sync.
    pub since: Option<u64>,
    /// Whether `full_state=true` was given.
    pub full_state: bool,
    /// The request's filter.
    pub filter: &'a SyncFilter,
    /// Current time, for event ages.
    pub now_ms: u64,
}

impl SyncRequest<'_> {
    /// Whether everything is sent, not just what changed after `since`.
    pub fn is_full(&self) -> bool {
        self.since.is_none() || self.full_state
    }

    /// Whether something at stream `position` is newer than `since`.
    fn is_new(&self, position: u64) -> bool {
        self.since.is_none_or(|since| position > since)
    }
}

/// The `join`, `invite` and `leave` maps, room id to room entry.
#[derive(Debug, Default)]
pub struct RoomsSection {
    /// Rooms the user is joined to.
    pub join: Map<String, Value>,
    /// Rooms the user is invited to.
    pub invite: Map<String, Value>,
    /// Rooms the user has left.
    pub leave: Map<String, Value>,
}

impl RoomsSection {
    /// Whether no room has anything to report.
    pub fn is_empty(&self) -> bool {
        self.join.is_empty() && self.invite.is_empty() && self.leave.is_empty()
    }

    /// The JSON `rooms` object, leaving out empty sections.
    pub fn into_value(self) -> Value {
        let mut rooms = Map::new();
        for (name, section) in [
            ("join", self.join),
            ("invite", self.invite),
            ("leave", self.leave),
        ] {
            if !section.is_empty() {
                rooms.insert(name.into(), Value::Object(section));
            }
        }
        Value::Object(rooms)
    }
}

/// The user's membership in `room` as of stream position `position`.
fn membership_at<'r>(room: &'r Room, user_id: &str, position: u64) -> Option<&'r str> {
    room.events
        .iter()
        .take_while(|event| event.position <= position)
        .filter(|event| event.state_key.as_deref() == Some(user_id))
        .filter_map(|event| event.membership())
        .last()
}

/// A room's timeline and state sections, computed up to event index `end`.
struct RoomWindow {
    timeline: Value,
    state: Vec<Value>,
    timeline_is_empty: bool,
}

fn room_window(
    room: &Room,
    request: &SyncRequest,
    end: usize,
    timeline_after: Option<u64>,
    full_state: bool,
) -> RoomWindow {
    let user_id = request.user_id;
    let filter = &request.filter.room;
    let ever_joined = room.events[..end].iter().any(|event| {
        event.state_key.as_deref() == Some(user_id) && event.membership() == Some("join")
    });
    let visible =
        |index: usize| ever_joined || room.events[index].state_key.as_deref() == Some(user_id);
    let candidates: Vec<usize> = (0..end)
        .filter(|&index| {
            let event = &room.events[index];
            timeline_after.is_none_or(|after| event.position > after)
                && visible(index)
                && filter.timeline.allows(&event.kind, Some(&event.sender))
        })
        .collect();
    let limit = filter.timeline.timeline_limit();
    let limited = candidates.len() > limit;
    let timeline: Vec<usize> = candidates[candidates.len().saturating_sub(limit)..].to_vec();
    let memberships = room.membership_timeline(user_id);
    let prev_batch = timeline
        .first()
        .map_or(room.events[..end].last().map_or(0, |e| e.position), |&i| {
            room.events[i].position.saturating_sub(1)
        });
    let state = if ever_joined {
        room.state_at(end)
            .into_iter()
            .filter(|index| !timeline.contains(index))
            .filter(|&index| {
                let event = &room.events[index];
                (full_state || timeline_after.is_none_or(|after| event.position > after))
                    && filter.state.allows(&event.kind, Some(&event.sender))
            })
            .map(|index| room.client_event(index, request.now_ms, false, None))
            .collect()
    } else {
        Vec::new()
    };
    let events: Vec<Value> = timeline
        .iter()
        .map(|&index| room.client_event(index, request.now_ms, false, Some(memberships[index])))
        .collect();
    RoomWindow {
        timeline: json!({ "events": events, "prev_batch": format!("s{prev_batch}"), "limited": limited }),
        state,
        timeline_is_empty: timeline.is_empty(),
    }
}

/// The user's account data for `room`, as `{type, content}` events.
fn room_account_data(state: &State, request: &SyncRequest, room_id: &str) -> Vec<Value> {
    let Some(entries) = state.account_data_entries(request.user_id, Some(room_id)) else {
        return Vec::new();
    };
    let mut selected: Vec<_> = entries
        .iter()
        .filter(|(kind, entry)| {
            (request.is_full() || request.is_new(entry.position))
                && request.filter.room.account_data.allows(kind, None)
        })
        .collect();
    selected.sort_by_key(|(_, entry)| entry.position);
    selected
        .into_iter()
        .map(|(kind, entry)| json!({ "type": kind, "content": entry.content }))
        .collect()
}

/// The `invite_state` entry: the stripped state taken at invite time and the invite itself.
fn invited_entry(room: &Room, member_index: usize) -> Value {
    let invite = &room.events[member_index];
    let mut events = invite.invite_room_state.clone();
    events.push(invite.stripped());
    json!({ "invite_state": { "events": events } })
}

/// Builds the `rooms` section for `request`.
pub fn rooms_section(state: &State, request: &SyncRequest) -> RoomsSection {
    let mut section = RoomsSection::default();
    for room in state.rooms() {
        if !request.filter.room.allows_room(&room.room_id) {
            continue;
        }
        let Some(member_index) = room.state_index("m.room.member", request.user_id) else {
            continue;
        };
        let member = &room.events[member_index];
        let earlier = request
            .since
            .and_then(|since| membership_at(room, request.user_id, since));
        let room_id = room.room_id.clone();
        match member.membership() {
            Some("join") => {
                let newly_joined = request.since.is_some() && earlier != Some("join");
                let timeline_after = if newly_joined { None } else { request.since };
                let full_state = request.is_full() || newly_joined;
                let window =
                    room_window(room, request, room.events.len(), timeline_after, full_state);
                let account_data = room_account_data(state, request, &room.room_id);
                if full_state || !window.timeline_is_empty || !account_data.is_empty() {
                    let entry = json!({
                        "timeline": window.timeline,
                        "state": { "events": window.state },
                        "account_data": { "events": account_data },
                        "ephemeral": { "events": [] },
                        "unread_notifications": { "notification_count": 0, "highlight_count": 0 },
                        "summary": {},
                    });
                    section.join.insert(room_id, entry);
                }
            }
            Some("invite") if request.is_full() || request.is_new(member.position) => {
                section
                    .invite
                    .insert(room_id, invited_entry(room, member_index));
            }
            Some("leave" | "ban") => {
                let wanted = if request.is_full() {
                    request.filter.room.include_leave
                } else {
                    request.is_new(member.position)
                        && matches!(earlier, Some("join" | "invite" | "knock"))
                };
                if wanted {
                    let timeline_after = if request.since.is_some() && earlier == Some("join") {
                        request.since
                    } else {
                        None
                    };
                    let window = room_window(
                        room,
                        request,
                        member_index + 1,
                        timeline_after,
                        request.is_full(),
                    );
                    let entry = json!({
                        "timeline": window.timeline,
                        "state": { "events": window.state },
                        "account_data": { "events": room_account_data(state, request, &room.room_id) },
                    });
                    section.leave.insert(room_id, entry);
                }
            }
            _ => {}
        }
    }
    section
}
