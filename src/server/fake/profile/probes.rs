//! Every profile is observable: one HTTP exchange per profile, run against the
//! conformant fake and against the fake with the profile's deviation, must be answered
//! differently. Each scenario reduces the answers to what does not vary between runs
//! (no ids, tokens or timestamps).

mod account_data;
mod dm;
mod membership;
mod sync;

use serde_json::Value;
use tokio::task::JoinSet;

use super::super::testing::{Account, Client, encode};
use super::{Deviation, profiles};

/// An HTTP exchange whose outcome a deviation changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scenario {
    CreateRoomFlags,
    TimelineFlag,
    Reads,
    InviteState,
    JoinPrevContent,
    MemberUnsigned,
    KnockState,
    StateAccess,
    JoinedRooms,
    InviteRights,
    InviteContent,
    InviteRefusal,
    StrippedSenders,
    Reinvite,
    RoundTrip,
    Unset,
    OtherUser,
    NonObject,
    InvalidRoomId,
    ServerManagedPut,
    PushRulesGet,
    Fallback,
    PerUser,
    SyncIncremental,
    SyncDelta,
    SyncFilters,
    SyncLeave,
    SyncPrivate,
    AccountDataOrder,
    AnswerOrder,
    Errors,
    ResponseFields,
    RoomIdForm,
    LongPoll,
    Versions,
    Register,
}

/// The scenario that shows `deviation`.
fn scenario(deviation: Deviation) -> Scenario {
    use Deviation as D;
    use Scenario as S;
    match deviation {
        D::FlagNeedsPreset
        | D::FlagFirstInviteeOnly
        | D::FlagEveryInvite
        | D::FlagWhenFalse
        | D::FlagFromPreset
        | D::FlagFalseAsString
        | D::IsDirectFalseWritten
        | D::PlainInviteListTruncated
        | D::InitialStateDropsFlag
        | D::SecondDirectUnflagged => S::CreateRoomFlags,
        D::FlagMissingFromTimeline => S::TimelineFlag,
        D::MembersFlagDropped | D::MessagesWithoutStateKey => S::Reads,
        D::InviteStateFlagStripped
        | D::InviteStateFlagInitialOnly
        | D::InviteStateWithoutCreate
        | D::StrippedWithoutSender
        | D::StrippedOmitsEmptyStateKey
        | D::StrippedFullEvents
        | D::InviteStateWithoutMembers
        | D::StrippedStateExtraEvents
        | D::StrippedStateReversed
        | D::InvitesInitialSyncOnly => S::InviteState,
        D::JoinWithoutPrevContent | D::PrevContentMembershipOnly | D::InviteKeptAfterJoin => {
            S::JoinPrevContent
        }
        D::InviteRoomStateWithoutCreate | D::UnsignedExtraKeys => S::MemberUnsigned,
        D::KnockStateWithoutCreate | D::KnocksNotSynced => S::KnockState,
        D::InviteeReadsState | D::StrangerReadsState => S::StateAccess,
        D::JoinedRoomsListsInvites | D::JoinedRoomsOnlyCreated => S::JoinedRooms,
        D::StrangerMayInvite | D::InviteeMayInvite => S::InviteRights,
        D::InviteReasonDropped | D::InviteFlagsOneToOne => S::InviteContent,
        D::InviteRefusalWithoutErrcode => S::InviteRefusal,
        D::StrippedSenderIsCreator => S::StrippedSenders,
        D::JoinedInviteIgnored
        | D::RepeatInviteForbidden
        | D::RejoinWithoutInvite
        | D::RejectKeepsInvite => S::Reinvite,
        D::AccountDataMerged
        | D::AccountDataWrapped
        | D::EmptyObjectDeletes
        | D::DirectPrunedToJoined => S::RoundTrip,
        D::UnsetAnswersEmpty | D::UnsetAnswersUnknown => S::Unset,
        D::OtherUserGetAllowed | D::OtherUserPutAllowed => S::OtherUser,
        D::NonObjectStored | D::ScalarsStored => S::NonObject,
        D::InvalidRoomIdAccepted | D::InvalidRoomIdNotFound => S::InvalidRoomId,
        D::FullyReadAccepted
        | D::FullyReadBadRequest
        | D::RoomPushRulesAccepted
        | D::ServerManagedForbidden => S::ServerManagedPut,
        D::PushRulesNotFound => S::PushRulesGet,
        D::RoomFallsBackToGlobal | D::GlobalFallsBackToRoom | D::RoomDataIgnoresRoom => S::Fallback,
        D::AccountDataPerDevice => S::PerUser,
        D::GlobalAccountDataInitialOnly
        | D::RoomAccountDataAtTopLevel
        | D::RoomAccountDataInitialOnly
        | D::SyncBatchesSplit => S::SyncIncremental,
        D::AccountDataResent => S::SyncDelta,
        D::AccountDataFilterIgnored
        | D::RoomAccountDataFilterIgnored
        | D::NotTypesIgnored
        | D::EmptyTypesAsAbsent
        | D::WildcardSuffixOnly => S::SyncFilters,
        D::LeftRoomAccountDataMissing => S::SyncLeave,
        D::AccountDataSharedInSync => S::SyncPrivate,
        D::AccountDataNewestFirst => S::AccountDataOrder,
        D::ShuffledOrder => S::AnswerOrder,
        D::ErrorExtraFields | D::ErrorOtherTexts => S::Errors,
        D::ResponseExtraFields => S::ResponseFields,
        D::RoomIdsWithoutServer => S::RoomIdForm,
        D::LongPollReturnsEarly => S::LongPoll,
        D::VersionsMore => S::Versions,
        D::RegisterNeedsSession => S::Register,
    }
}

impl Scenario {
    /// Carries out the exchange and reduces the answers to a comparable value.
    async fn run(self, client: &Client) -> Value {
        match self {
            Scenario::CreateRoomFlags => dm::create_room_flags(client).await,
            Scenario::TimelineFlag => dm::timeline_flag(client).await,
            Scenario::Reads => dm::reads(client).await,
            Scenario::InviteState => dm::invite_state(client).await,
            Scenario::JoinPrevContent => dm::join_prev_content(client).await,
            Scenario::MemberUnsigned => dm::member_unsigned(client).await,
            Scenario::KnockState => dm::knock_state(client).await,
            Scenario::StateAccess => membership::state_access(client).await,
            Scenario::JoinedRooms => membership::joined_rooms(client).await,
            Scenario::InviteRights => membership::invite_rights(client).await,
            Scenario::InviteContent => membership::invite_content(client).await,
            Scenario::InviteRefusal => membership::invite_refusal(client).await,
            Scenario::StrippedSenders => membership::stripped_senders(client).await,
            Scenario::Reinvite => membership::reinvite(client).await,
            Scenario::RoundTrip => account_data::round_trip(client).await,
            Scenario::Unset => account_data::unset(client).await,
            Scenario::OtherUser => account_data::other_user(client).await,
            Scenario::NonObject => account_data::non_object(client).await,
            Scenario::InvalidRoomId => account_data::invalid_room_id(client).await,
            Scenario::ServerManagedPut => account_data::server_managed_put(client).await,
            Scenario::PushRulesGet => account_data::push_rules_get(client).await,
            Scenario::Fallback => account_data::fallback(client).await,
            Scenario::PerUser => account_data::per_user(client).await,
            Scenario::SyncIncremental => sync::incremental_account_data(client).await,
            Scenario::SyncDelta => sync::delta(client).await,
            Scenario::SyncFilters => sync::filters(client).await,
            Scenario::SyncLeave => sync::leave(client).await,
            Scenario::SyncPrivate => sync::private(client).await,
            Scenario::AccountDataOrder => sync::account_data_order(client).await,
            Scenario::AnswerOrder => sync::answer_order(client).await,
            Scenario::Errors => sync::errors(client).await,
            Scenario::ResponseFields => sync::response_fields(client).await,
            Scenario::RoomIdForm => sync::room_id_form(client).await,
            Scenario::LongPoll => sync::long_poll(client).await,
            Scenario::Versions => sync::versions(client).await,
            Scenario::Register => register_at_once(client).await,
        }
    }
}

/// The status of a first `/register` that carries the dummy stage without a session.
async fn register_at_once(client: &Client) -> Value {
    let body = serde_json::json!({
        "username": "dana",
        "password": "secret",
        "auth": {"type": "m.login.dummy"},
    });
    let (status, _) = client
        .call(reqwest::Method::POST, "register", None, Some(body))
        .await;
    Value::from(status)
}

/// `rooms/{room}/state/m.room.member/{user}`.
fn member_path(room_id: &str, user_id: &str) -> String {
    format!(
        "rooms/{}/state/m.room.member/{}",
        encode(room_id),
        encode(user_id)
    )
}

/// The sorted keys of an object.
fn keys(value: &Value) -> Vec<String> {
    let mut keys: Vec<String> = value
        .as_object()
        .map(|object| object.keys().cloned().collect())
        .unwrap_or_default();
    keys.sort();
    keys
}

/// The `type` of each event in a list, in order.
fn types(events: &Value) -> Vec<Value> {
    events
        .as_array()
        .map(|events| events.iter().map(|event| event["type"].clone()).collect())
        .unwrap_or_default()
}

/// The `next_batch` of an initial sync.
async fn sync_token(client: &Client, account: &Account) -> String {
    client.sync(account, "").await["next_batch"]
        .as_str()
        .expect("next_batch")
        .to_owned()
}

/// The scenario's outcome against the fake running with `deviation` (if any).
async fn observe(scenario: Scenario, deviation: Option<Deviation>) -> Value {
    scenario.run(&Client::start_with(deviation).await).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_profile_is_observable() {
    let mut tasks = JoinSet::new();
    for profile in profiles() {
        tasks.spawn(async move {
            let scenario = scenario(profile.deviation);
            let conformant = observe(scenario, None).await;
            let again = observe(scenario, None).await;
            let deviating = observe(scenario, Some(profile.deviation)).await;
            (profile.name, scenario, conformant, again, deviating)
        });
    }
    let mut problems = Vec::new();
    while let Some(result) = tasks.join_next().await {
        let (name, scenario, conformant, again, deviating) = result.expect("probe completes");
        if conformant != again {
            problems.push(format!(
                "{name}: {scenario:?} is not repeatable: {conformant} then {again}"
            ));
        } else if conformant == deviating {
            problems.push(format!(
                "{name}: {scenario:?} answers alike with and without it: {conformant}"
            ));
        }
    }
    problems.sort();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
