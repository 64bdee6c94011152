//! The account data of a `/sync` answer: the top-level `account_data` (global account
//! data, and the server-managed `m.push_rules` in a full sync or after a push rule
//! change) and each joined or left room's own, as `{type, content}` events, oldest write
//! first.

use serde_json::{Value, json};

use super::profile::Deviation;
use super::push_rules;
use super::state::{AccountDataEntry, State};
use super::sync_filter::Misreading;
use super::sync_rooms::SyncRequest;

/// Whether account data written at stream `position` belongs in the answer: written by
/// `until`, and after `since` unless the sync is full (an incremental sync sends nothing
/// when `initial_only`, and everything when `resent`).
fn wanted(request: &SyncRequest, position: u64, initial_only: bool, resent: bool) -> bool {
    position <= request.until
        && (request.is_full() || resent || (!initial_only && request.is_new(position)))
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

/// `user_id` and every user joined to a room `user_id` is joined to.
fn room_mates(state: &State, user_id: &str) -> Vec<String> {
    let mut users = vec![user_id.to_owned()];
    for room in state.rooms() {
        if room.membership(user_id) == Some("join") {
            users.extend(
                room.members("join")
                    .into_iter()
                    .filter(|u| !users.contains(u))
                    .collect::<Vec<_>>(),
            );
        }
    }
    users
}

/// How the running fault profile misreads an account data filter's types, if it does.
fn misreading(state: &State) -> Option<Misreading> {
    [
        (Deviation::NotTypesIgnored, Misreading::NotTypesIgnored),
        (
            Deviation::EmptyTypesAsAbsent,
            Misreading::EmptyTypesAsAbsent,
        ),
        (
            Deviation::WildcardSuffixOnly,
            Misreading::WildcardSuffixOnly,
        ),
    ]
    .into_iter()
    .find(|(deviation, _)| state.deviates(*deviation))
    .map(|(_, misreading)| misreading)
}

/// The top-level `account_data` events.
pub fn global_account_data(state: &State, request: &SyncRequest) -> Vec<Value> {
    let filter = &request.filter.account_data;
    let misreading = misreading(state);
    let allows = |kind: &str| {
        state.deviates(Deviation::AccountDataFilterIgnored)
            || misreading.map_or_else(
                || filter.allows(kind, None),
                |m| filter.allows_misread(kind, m),
            )
    };
    let initial_only = state.deviates(Deviation::GlobalAccountDataInitialOnly);
    let resent = state.deviates(Deviation::AccountDataResent);
    let own = state.account_data.get(request.account_data_owner);
    let stores: Vec<_> = if state.deviates(Deviation::AccountDataSharedInSync) {
        room_mates(state, request.account_data_owner)
            .iter()
            .filter_map(|user| state.account_data.get(user))
            .collect()
    } else {
        own.into_iter().collect()
    };
    let mut entries: Vec<_> = stores
        .into_iter()
        .flat_map(|data| &data.global)
        .filter(|(kind, entry)| {
            wanted(request, entry.position, initial_only, resent) && allows(kind)
        })
        .collect();
    if state.deviates(Deviation::RoomAccountDataAtTopLevel) {
        entries.extend(
            own.into_iter()
                .flat_map(|data| data.rooms.values().flatten())
                .filter(|(kind, entry)| {
                    wanted(request, entry.position, false, false) && allows(kind)
                }),
        );
    }
    let mut events = events(state, entries);
    let push_rules_changed = push_rules::changed_at(state, request.user_id);
    if wanted(request, push_rules_changed, initial_only, resent) && allows("m.push_rules") {
        let content = push_rules::ruleset(state, request.user_id);
        events.push(json!({ "type": "m.push_rules", "content": content }));
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
            wanted(request, entry.position, initial_only, false)
                && (ignore_filter
                    || misreading(state)
                        .filter(|m| *m == Misreading::WildcardSuffixOnly)
                        .map_or_else(
                            || filter.allows(kind, None),
                            |m| filter.allows_misread(kind, m),
                        ))
        })
        .collect();
    events(state, selected)
}
