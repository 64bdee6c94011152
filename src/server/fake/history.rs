//! The history of a room one user may read, shared by the timeline-like reads
//! (`/messages`, `/context` and `/event`), and the `limit` and `filter` query
//! parameters they take.
//!
//! As in `/sync`, a user who has ever joined a room reads its history from the
//! `m.room.create` event on (the `shared` history visibility the presets set): up to
//! now while joined, up to and including the event that ended their last join after
//! they left. A user who never joined reads nothing. Events are served in their
//! timeline form, with the reader's membership at each one in `unsigned`.

use std::ops::Range;

use serde_json::Value;

use super::call::Call;
use super::error::ApiError;
use super::event::now_ms;
use super::profile::Deviation;
use super::room::{Room, timeline_form};
use super::state::State;
use super::sync_filter::{EventFilter, room_event_filter};

/// Events per answer when the request gives no `limit`.
const DEFAULT_LIMIT: usize = 10;

/// The readable part of one room's history, as one user sees it.
pub struct History<'a> {
    room: &'a Room,
    end: usize,
    memberships: Vec<&'a str>,
    deviation: Option<Deviation>,
    now: u64,
}

impl<'a> History<'a> {
    /// The history `user_id` may read in `room_id`; 403 when there is no such room or
    /// the user never joined it.
    pub fn of(state: &'a State, room_id: &str, user_id: &str) -> Result<History<'a>, ApiError> {
        let not_in_room = || ApiError::forbidden(format!("User {user_id} not in room {room_id}"));
        let room = state.room(room_id).ok_or_else(not_in_room)?;
        let memberships = room.membership_timeline(user_id);
        let last_joined = memberships
            .iter()
            .rposition(|membership| *membership == "join")
            .ok_or_else(not_in_room)?;
        Ok(History {
            room,
            end: (last_joined + 2).min(room.events.len()),
            memberships,
            deviation: state.deviation,
            now: now_ms(),
        })
    }

    /// Indices of the readable events, oldest first.
    pub fn indices(&self) -> Range<usize> {
        0..self.end
    }

    /// Index of the readable event `event_id`.
    pub fn find(&self, event_id: &str) -> Option<usize> {
        self.room.events[..self.end]
            .iter()
            .position(|event| event.event_id == event_id)
    }

    /// Stream position of event `index`.
    pub fn position(&self, index: usize) -> u64 {
        self.room.events[index].position
    }

    /// Whether event `index` passes `filter`.
    pub fn allows(&self, filter: &EventFilter, index: usize) -> bool {
        let event = &self.room.events[index];
        filter.allows(&event.kind, Some(&event.sender))
    }

    /// Event `index` in its timeline form, with `room_id`.
    pub fn event(&self, index: usize) -> Value {
        let membership = Some(self.memberships[index]);
        let event = self
            .room
            .client_event(index, self.now, true, membership, self.deviation);
        timeline_form(event, self.deviation)
    }

    /// The state after event `index` that passes `filter`, in full, as
    /// `GET /rooms/{roomId}/state` serves it.
    pub fn state_after(&self, index: usize, filter: &EventFilter) -> Vec<Value> {
        let indices = self
            .room
            .state_at(index + 1)
            .into_iter()
            .filter(|&index| self.allows(filter, index));
        self.room.state_events(indices, self.now, self.deviation)
    }
}

/// The `limit` query parameter: a non-negative integer, 10 when absent.
pub fn limit_query(call: &Call) -> Result<usize, ApiError> {
    call.query("limit").map_or(Ok(DEFAULT_LIMIT), |text| {
        text.parse().map_err(|_| {
            ApiError::invalid_param("Query parameter 'limit' must be a non-negative integer")
        })
    })
}

/// The `filter` query parameter: a `RoomEventFilter` as JSON; no filter when absent.
pub fn filter_query(call: &Call) -> Result<EventFilter, ApiError> {
    call.query("filter")
        .map_or(Ok(EventFilter::default()), |text| room_event_filter(&text))
}
