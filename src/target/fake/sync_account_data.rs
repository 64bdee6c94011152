//! The account data of a `/sync` answer: the top-level `account_data` (global account
//! data, and the server-managed `m.push_rules` in a full sync) and each joined or left
//! room's own, as `{type, content}` events, oldest write first.

use serde_json::{Value, json};

use super::account_data::push_rules_content;
use super::profile::Deviation;
use super::state::{AccountDataEntry, State};
use super::sync_rooms::SyncRequest;

/// Whether `entry` belongs in the answer: written by `until`, and after `since` unless
/// the sync is full (an incremental sync sends nothing when `initial_only`).
fn wanted(request: &SyncRequest, entry: &AccountDataEntry, initial_only: bool) -> bool {
    entry.position <= request.until
        && (request.is_full() || (!initial_only && request.is_new(entry.position)))
}

/// The entries as events, in order of writing (newest first under
/// [`Deviation::AccountDataNewestFirst`]).
fn events(state: &State, mut entries: Vec<(&String, &AccountDataEntry)>) -> Vec<Value> {
    entries.sort_by_key(|(_, entry)| entry.position);
    if state.deviates(Deviation::AccountDataNewestFirst) {
        entries.reverse();
    }
    entries
        .into_iter()
        .map(|(kind, entry)| json!({ "type": kind, "content": entry.content }))
        .collect()
}

/// The top-level `account_data` events.
pub fn global_account_data(state: &State, request: &SyncRequest) -> Vec<Value> {
    let filter = &request.filter.account_data;
    let allows = |kind: &str| {
        state.deviates(Deviation::AccountDataFilterIgnored) || filter.allows(kind, None)
    };
    let initial_only = state.deviates(Deviation::GlobalAccountDataInitialOnly);
    let own = state.account_data.get(request.account_data_owner);
    let stores: Vec<_> = if state.deviates(Deviation::AccountDataSharedInSync) {
        state.account_data.values().collect()
    } else {
        own.into_iter().collect()
    };
    let mut entries: Vec<_> = stores
        .into_iter()
        .flat_map(|data| &data.global)
        .filter(|(kind, entry)| wanted(request, entry, initial_only) && allows(kind))
        .collect();
    if state.deviates(Deviation::RoomAccountDataAtTopLevel) {
        entries.extend(
            own.into_iter()
                .flat_map(|data| data.rooms.values().flatten())
                .filter(|(kind, entry)| wanted(request, entry, false) && allows(kind)),
        );
    }
    let mut events = events(state, entries);
    if request.is_full() && allows("m.push_rules") {
        events.push(
            json!({ "type": "m.push_rules", "content": push_rules_content(request.user_id) }),
        );
    }
    events
}

/// The `account_data` events of the room `room_id`.
pub fn room_account_data(state: &State, request: &SyncRequest, room_id: &str) -> Vec<Value> {
    let Some(entries) = state.account_data_entries(request.account_data_owner, Some(room_id))
    else {
        return Vec::new();
    };
    let filter = &request.filter.room.account_data;
    let ignore_filter = state.deviates(Deviation::RoomAccountDataFilterIgnored);
    let initial_only = state.deviates(Deviation::RoomAccountDataInitialOnly);
    let selected = entries
        .iter()
        .filter(|(kind, entry)| {
            wanted(request, entry, initial_only) && (ignore_filter || filter.allows(kind, None))
        })
        .collect();
    events(state, selected)
}
