//! The `rooms` part of a `/sync` response: the `join`, `invite`, `knock` and `leave`
//! sections.
//!
//! Only what happened up to the answer's stream position (`until`) is shown. A room's `timeline` holds its latest events (after `since` when incremental, at most
//! the filter's limit); `state` holds the state at the end of the timeline minus events
//! the timeline already carries (and, when incremental, minus state unchanged since
//! `since`). Users who never joined a room see only their own membership events in it.

use serde_json::{Map, Value, json};

use super::profile::Deviation;
use super::room::{Room, timeline_form};
use super::state::State;
use super::sync_account_data::room_account_data;
use super::sync_filter::SyncFilter;
use super::sync_stripped::{invited_entry, knocked_entry};

/// What one `/sync` request asks for.
pub struct SyncRequest<'a> {
    /// The syncing user.
    pub user_id: &'a str,
    /// The key of the syncing user's account data.
    pub account_data_owner: &'a str,
    /// Stream position of the `since` token, for an incremental sync.
    pub since: Option<u64>,
    /// The stream position the answer reaches: nothing after it is shown.
    pub until: u64,
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
    pub fn is_new(&self, position: u64) -> bool {
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
    /// Rooms the user has knocked on.
    pub knock: Map<String, Value>,
    /// Rooms the user has left.
    pub leave: Map<String, Value>,
}

impl RoomsSection {
    /// Whether no room has anything to report.
    pub fn is_empty(&self) -> bool {
        self.join.is_empty()
            && self.invite.is_empty()
            && self.knock.is_empty()
            && self.leave.is_empty()
    }

    /// The JSON `rooms` object, leaving out empty sections.
    pub fn into_value(self) -> Value {
        let mut rooms = Map::new();
        for (name, section) in [
            ("join", self.join),
            ("invite", self.invite),
            ("knock", self.knock),
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
    state: &State,
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
    let state_events = if ever_joined {
        room.state_at(end)
            .into_iter()
            .filter(|index| !timeline.contains(index))
            .filter(|&index| {
                let event = &room.events[index];
                (full_state || timeline_after.is_none_or(|after| event.position > after))
                    && filter.state.allows(&event.kind, Some(&event.sender))
            })
            .map(|index| room.client_event(index, request.now_ms, false, None, state.deviation))
            .collect()
    } else {
        Vec::new()
    };
    let events: Vec<Value> = timeline
        .iter()
        .map(|&index| {
            let event = room.client_event(
                index,
                request.now_ms,
                false,
                Some(memberships[index]),
                state.deviation,
            );
            timeline_form(event, state.deviation)
        })
        .collect();
    RoomWindow {
        timeline: json!({ "events": events, "prev_batch": format!("s{prev_batch}"), "limited": limited }),
        state: state_events,
        timeline_is_empty: timeline.is_empty(),
    }
}

/// Builds the `rooms` section for `request`.
pub fn rooms_section(state: &State, request: &SyncRequest) -> RoomsSection {
    let mut section = RoomsSection::default();
    for room in state.rooms() {
        if !request.filter.room.allows_room(&room.room_id) {
            continue;
        }
        let end = room
            .events
            .partition_point(|event| event.position <= request.until);
        let Some(member_index) = room.events[..end]
            .iter()
            .rposition(|event| event.is_state("m.room.member", request.user_id))
        else {
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
                let window = room_window(state, room, request, end, timeline_after, full_state);
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
                    section.join.insert(room_id.clone(), entry);
                }
                if state.deviates(Deviation::InviteKeptAfterJoin)
                    && let Some(invite) = room.events[..end].iter().rposition(|event| {
                        event.is_state("m.room.member", request.user_id)
                            && event.membership() == Some("invite")
                    })
                    && (request.is_full() || newly_joined)
                {
                    let entry = invited_entry(state, request, room, invite);
                    section.invite.insert(room_id, entry);
                }
            }
            Some("invite")
                if request.is_full()
                    || (request.is_new(member.position)
                        && !state.deviates(Deviation::InvitesInitialSyncOnly)) =>
            {
                let entry = invited_entry(state, request, room, member_index);
                section.invite.insert(room_id, entry);
            }
            Some("knock") if state.deviates(Deviation::KnocksNotSynced) => {}
            Some("knock") if request.is_full() || request.is_new(member.position) => {
                let entry = knocked_entry(state, room, member_index);
                section.knock.insert(room_id, entry);
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
                        state,
                        room,
                        request,
                        member_index + 1,
                        timeline_after,
                        request.is_full(),
                    );
                    let account_data = if state.deviates(Deviation::LeftRoomAccountDataMissing) {
                        Vec::new()
                    } else {
                        room_account_data(state, request, &room.room_id)
                    };
                    let entry = json!({
                        "timeline": window.timeline,
                        "state": { "events": window.state },
                        "account_data": { "events": account_data },
                    });
                    section.leave.insert(room_id, entry);
                }
            }
            _ => {}
        }
    }
    section
}
