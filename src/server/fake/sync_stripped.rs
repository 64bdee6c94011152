//! The stripped state of `/sync`: `invite_state` for invited rooms and `knock_state` for
//! knocked rooms, each the stripped state taken when the invite or knock was sent,
//! followed by the stripped invite or knock itself.

use serde_json::{Value, json};

use super::profile::Deviation;
use super::room::Room;
use super::state::State;
use super::sync_rooms::SyncRequest;

/// The invitee's own invite as `invite_state` shows it.
fn own_invite(state: &State, request: &SyncRequest, room: &Room, member_index: usize) -> Value {
    let invite = &room.events[member_index];
    let mut stripped = invite.stripped();
    let drop_flag = state.deviates(Deviation::InviteStateFlagStripped)
        || (state.deviates(Deviation::InviteStateFlagInitialOnly) && request.since.is_some());
    if drop_flag && let Some(content) = stripped["content"].as_object_mut() {
        content.remove("is_direct");
    }
    if state.deviates(Deviation::StrippedFullEvents) {
        stripped["event_id"] = json!(invite.event_id);
        stripped["origin_server_ts"] = json!(invite.origin_server_ts);
    }
    stripped
}

/// The `rooms.invite` entry of the room whose invite is at `member_index`.
pub fn invited_entry(
    state: &State,
    request: &SyncRequest,
    room: &Room,
    member_index: usize,
) -> Value {
    let mut events = room.events[member_index].stripped_state.clone();
    events.push(own_invite(state, request, room, member_index));
    if state.deviates(Deviation::InviteStateWithoutCreate) {
        events.retain(|event| event["type"] != "m.room.create");
    }
    if state.deviates(Deviation::InviteStateWithoutMembers) {
        events.retain(|event| event["type"] != "m.room.member");
    }
    for event in &mut events {
        let Some(object) = event.as_object_mut() else {
            continue;
        };
        if state.deviates(Deviation::StrippedWithoutSender) {
            object.remove("sender");
        }
        if state.deviates(Deviation::StrippedOmitsEmptyStateKey) && object["state_key"] == "" {
            object.remove("state_key");
        }
    }
    if state.deviates(Deviation::StrippedStateReversed) {
        events.reverse();
    }
    json!({ "invite_state": { "events": events } })
}

/// The `rooms.knock` entry of the room whose knock is at `member_index`.
pub fn knocked_entry(state: &State, room: &Room, member_index: usize) -> Value {
    let knock = &room.events[member_index];
    let mut events = knock.stripped_state.clone();
    events.push(knock.stripped());
    if state.deviates(Deviation::KnockStateWithoutCreate) {
        events.retain(|event| event["type"] != "m.room.create");
    }
    if state.deviates(Deviation::StrippedStateReversed) {
        events.reverse();
    }
    json!({ "knock_state": { "events": events } })
}
