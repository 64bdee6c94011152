//! Fault profiles and conformant variants: single switches inside the conformant fake,
//! each one deviation from its default behaviour.
//!
//! A fault breaks exactly one claim of the registry, the way a lazy or confused
//! implementer would; a variant is a difference the specification allows. The table
//! below is the one place every profile is declared: it defines [`Deviation`] and
//! maps each one to its name, kind and description.

#[cfg(test)]
mod probes;

/// Whether a profile breaks a claim or stays within the specification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A mistake that breaks exactly one claim, named by its registry id.
    Fault {
        /// The claim the fault breaks.
        claim: &'static str,
    },
    /// A difference from the fake that the specification allows.
    Variant,
}

/// A named deviation of the fake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Profile {
    /// Kebab-case name, e.g. `flag-first-invitee-only`.
    pub name: &'static str,
    /// The switch handlers test.
    pub deviation: Deviation,
    /// Fault (with its claim) or variant.
    pub kind: Kind,
    /// The mistake made (fault) or the allowed difference (variant), in one line.
    pub description: &'static str,
}

const fn fault(claim: &'static str) -> Kind {
    Kind::Fault { claim }
}

const VARIANT: Kind = Kind::Variant;

/// Declares [`Deviation`] and the profile table from one list.
macro_rules! profiles {
    ($($deviation:ident: $name:literal, $kind:expr, $description:literal;)*) => {
        /// One deviation from the conformant fake; see the profile table for each.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Deviation {
            $(#[doc = $description] $deviation,)*
        }

        const PROFILES: &[Profile] = &[
            $(Profile {
                name: $name,
                deviation: Deviation::$deviation,
                kind: $kind,
                description: $description,
            },)*
        ];
    };
}

profiles! {
    FlagNeedsPreset: "flag-needs-preset", fault("dm.create-room.invitees-flagged"),
        "is_direct is honoured only together with the trusted_private_chat preset; other direct rooms invite plainly";
    FlagFirstInviteeOnly: "flag-first-invitee-only", fault("dm.create-room.invitees-flagged"),
        "only the first of several invitees gets is_direct; the others are invited plainly";
    MembersFlagDropped: "members-flag-dropped", fault("dm.create-room.invitees-flagged"),
        "/members rebuilds each member event from its membership and display name, dropping is_direct";
    MessagesWithoutStateKey: "messages-without-state-key", fault("events.one-id-one-event"),
        "/messages serves every event as a message event, so the state events in its chunk lose their state_key";
    FlagMissingFromTimeline: "flag-missing-from-timeline", fault("dm.create-room.invitees-flagged"),
        "is_direct is kept beside the membership and added only when state is read, so the invite in the timeline lacks it";
    InviteStateFlagStripped: "invite-state-flag-stripped", fault("dm.invitee.flag-in-invite-state"),
        "stripping the invite for invite_state keeps only membership and displayname, dropping is_direct";
    InviteStateFlagInitialOnly: "invite-state-flag-initial-only", fault("dm.invitee.flag-in-invite-state"),
        "is_direct reaches invite_state only in an initial sync; an incremental sync sends the bare invite";
    FlagEveryInvite: "flag-every-invite", fault("dm.create-room.unflagged-without-is-direct"),
        "every invite /createRoom sends is flagged is_direct, whatever the request says";
    FlagWhenFalse: "flag-when-false", fault("dm.create-room.unflagged-without-is-direct"),
        "is_direct is tested for presence, not value, so is_direct: false flags the invites too";
    FlagFromPreset: "flag-from-preset", fault("dm.create-room.unflagged-without-is-direct"),
        "trusted_private_chat is taken to mean a direct chat, so its invites are flagged even without is_direct";
    InviteFlagsOneToOne: "invite-flags-one-to-one", fault("dm.create-room.unflagged-without-is-direct"),
        "/invite guesses a direct chat and flags the invite when the inviter is the room's only member";
    JoinWithoutPrevContent: "join-without-prev-content", VARIANT,
        "a join replacing an invite carries no unsigned.prev_content";
    PrevContentMembershipOnly: "prev-content-membership-only", fault("events.prev-content"),
        "unsigned.prev_content of a member event is rebuilt from the old membership alone, losing is_direct";
    FlagFalseAsString: "flag-false-as-string", fault("dm.is-direct.boolean"),
        "invites of rooms created without is_direct carry is_direct as the string \"false\"";
    InviteStateWithoutCreate: "invite-state-without-create", fault("stripped-state.invite-state-has-create"),
        "invite_state is built from the pre-1.16 list of stripped state types, without m.room.create";
    StrippedWithoutSender: "stripped-without-sender", fault("stripped-state.required-keys"),
        "invite_state events lose sender along with the other fields stripping removes";
    StrippedSenderIsCreator: "stripped-sender-is-creator", fault("stripped-state.event-values"),
        "stripped state events all name the room's creator as sender, whoever sent the event they strip";
    StrippedOmitsEmptyStateKey: "stripped-omits-empty-state-key", fault("stripped-state.required-keys"),
        "an empty state_key is left out of invite_state events as if it were absent";
    StrippedFullEvents: "stripped-full-events", fault("stripped-state.four-keys-only"),
        "the invite itself goes into invite_state unstripped, with event_id and origin_server_ts";
    InviteRoomStateWithoutCreate: "invite-room-state-without-create", fault("stripped-state.invite-room-state-has-create"),
        "unsigned.invite_room_state on the invite event leaves out m.room.create";
    KnockStateWithoutCreate: "knock-state-without-create", fault("stripped-state.knock-state-has-create"),
        "knock_state in /sync leaves out m.room.create";
    InviteeReadsState: "invitee-reads-state", fault("membership.state-invitee-forbidden"),
        "an invite counts as membership, so invitees may read the room state";
    StrangerReadsState: "stranger-reads-state", fault("membership.state-needs-membership"),
        "only the membership a user has is checked, so users with none at all may read the room state";
    JoinedRoomsListsInvites: "joined-rooms-lists-invites", fault("membership.joined-rooms-after-join"),
        "/joined_rooms lists the rooms the user is invited to as well";
    JoinedRoomsOnlyCreated: "joined-rooms-only-created", fault("membership.joined-rooms-after-join"),
        "/joined_rooms lists only the rooms the user created, not those joined later";
    StrangerMayInvite: "stranger-may-invite", fault("membership.invite.members-only"),
        "/invite checks the power level but not that the inviter is in the room";
    InviteeMayInvite: "invitee-may-invite", fault("membership.invite.members-only"),
        "an invited user counts as a member and may invite others before joining";
    InviteReasonDropped: "invite-reason-dropped", fault("membership.invite.reason"),
        "/invite ignores the reason in its body";
    PlainInviteListTruncated: "plain-invite-list-truncated", fault("membership.create-room.invite-list"),
        "the invite loop of /createRoom stops after the first invite without is_direct, so a room not created as direct invites only its first invitee";
    RejoinWithoutInvite: "rejoin-without-invite", fault("membership.leave.reinvite-to-rejoin"),
        "the join rule is checked only for users never in the room: a user who left an invite-only room may join it again uninvited";
    RejectKeepsInvite: "reject-keeps-invite", fault("membership.leave.rejects-invite"),
        "/leave of a user who is only invited answers 200 and changes nothing: the invite stays pending";
    JoinedInviteIgnored: "joined-invite-ignored", fault("membership.invite.already-joined-forbidden"),
        "an invite of a user already in the room is taken for a repeated invite: 200, and nothing changes";
    RepeatInviteForbidden: "repeat-invite-forbidden", fault("membership.invite.repeat-ok"),
        "a user already invited is refused a second invite with 403, as a joined member is";
    InviteRefusalWithoutErrcode: "invite-refusal-without-errcode", fault("errors.standard-error-response"),
        "/invite refusals answer 403 with only an error message, without errcode";
    InviteKeptAfterJoin: "invite-kept-after-join", fault("membership.sync-section-follows-membership"),
        "rooms.invite is derived from every invite the user received, so a room the invitee joined stays listed under invite as well as join";
    InvitesInitialSyncOnly: "invites-initial-sync-only", fault("membership.sync-invite-listed"),
        "rooms.invite is filled in initial syncs only; an incremental sync never shows a new invite";
    KnocksNotSynced: "knocks-not-synced", fault("membership.sync-knock-listed"),
        "knocks are stored and answered 200, but /sync has no rooms.knock section";
    AccountDataMerged: "account-data-merged", fault("account-data.round-trip"),
        "a second PUT of account data is merged into the stored object instead of replacing it";
    AccountDataWrapped: "account-data-wrapped", fault("account-data.round-trip"),
        "GET of account data answers the whole event, {type, content}, not the content";
    GlobalAccountDataInitialOnly: "global-account-data-initial-only", fault("account-data.sync-global"),
        "global account data is sent in initial syncs only, never in incremental ones";
    RoomAccountDataAtTopLevel: "room-account-data-at-top-level", fault("account-data.sync-room"),
        "room account data is also listed in the top-level account_data of /sync";
    RoomAccountDataInitialOnly: "room-account-data-initial-only", fault("account-data.sync-room"),
        "room account data is sent in initial syncs only, never in incremental ones";
    AccountDataResent: "account-data-resent", fault("account-data.sync-incremental-delta"),
        "every incremental sync re-sends all the global account data, whether it changed since the token or not";
    LeftRoomAccountDataMissing: "left-room-account-data-missing", fault("account-data.sync-leave"),
        "rooms.leave entries always carry an empty account_data";
    AccountDataFilterIgnored: "account-data-filter-ignored", fault("account-data.sync-filter"),
        "the filter's account_data.types is ignored: every global type is sent";
    NotTypesIgnored: "not-types-ignored", fault("account-data.sync-filter"),
        "the account_data filter's not_types is never read: only types narrows what /sync sends";
    EmptyTypesAsAbsent: "empty-types-as-absent", fault("account-data.sync-filter"),
        "an empty account_data types list is taken for an absent one, so every global type is sent";
    WildcardSuffixOnly: "wildcard-suffix-only", fault("account-data.filter-wildcard-anywhere"),
        "a * in an account_data filter's types is a wildcard only at the end (a prefix match); elsewhere it is compared as a plain character";
    RoomAccountDataFilterIgnored: "room-account-data-filter-ignored", fault("account-data.sync-room-filter"),
        "the filter's room.account_data.types is ignored: every room type is sent";
    AccountDataSharedInSync: "account-data-shared-in-sync", fault("account-data.owner-only-in-sync"),
        "global account data is shared among the members of a room, so a user's /sync carries the writes of everyone they share a room with";
    AccountDataPerDevice: "account-data-per-device", fault("account-data.per-user-all-devices"),
        "account data is stored per access token's device, so a second login sees none of it";
    UnsetAnswersEmpty: "unset-answers-empty", fault("account-data.unset-not-found"),
        "GET of account data never set answers 200 with {}";
    UnsetAnswersUnknown: "unset-answers-unknown", fault("account-data.unset-not-found"),
        "GET of account data never set answers 404 with M_UNKNOWN";
    OtherUserGetAllowed: "other-user-get-allowed", fault("account-data.other-user-forbidden"),
        "GET of account data reads the user in the path without checking it is the requester";
    OtherUserPutAllowed: "other-user-put-allowed", fault("account-data.other-user-forbidden"),
        "PUT of account data writes to the user in the path without checking it is the requester";
    NonObjectStored: "non-object-stored", fault("account-data.not-an-object"),
        "any JSON body is stored as account data, arrays and strings included";
    DirectPrunedToJoined: "direct-pruned-to-joined", fault("account-data.round-trip"),
        "m.direct is tidied on write: rooms its owner has not joined (invited, left, never joined) are dropped from the lists";
    ScalarsStored: "scalars-stored", fault("account-data.not-an-object"),
        "only an array is refused as not an object: strings, numbers, booleans and null are stored as account data";
    EmptyObjectDeletes: "empty-object-deletes", fault("account-data.round-trip"),
        "PUT of {} deletes the account data type, so GET answers 404 instead of {}";
    SecondDirectUnflagged: "second-direct-unflagged", fault("dm.create-room.invitees-flagged"),
        "a user already in a direct chat with the invitee gets a plain invite in a second direct room: the server thinks one direct chat per pair is enough";
    InitialStateDropsFlag: "initial-state-drops-flag", fault("dm.create-room.invitees-flagged"),
        "a /createRoom with initial_state takes the path that sends the initial state first and invites plainly, dropping is_direct";
    InvalidRoomIdAccepted: "invalid-room-id-accepted", fault("account-data.invalid-room-id"),
        "the room id of room account data is used as a plain key, never checked";
    InvalidRoomIdNotFound: "invalid-room-id-not-found", fault("account-data.invalid-room-id"),
        "a malformed room id is looked up like any other and answered 404 M_NOT_FOUND";
    FullyReadAccepted: "fully-read-accepted", fault("account-data.fully-read-rejected-global"),
        "m.fully_read is refused as room account data, where read markers live, but stored as global account data";
    FullyReadBadRequest: "fully-read-bad-request", fault("account-data.fully-read-rejected"),
        "PUT of m.fully_read as room account data is refused with 400 instead of 405";
    RoomPushRulesAccepted: "room-push-rules-accepted", fault("account-data.push-rules-rejected"),
        "only the global m.push_rules is refused; the room one is stored";
    ServerManagedForbidden: "server-managed-forbidden", fault("account-data.server-managed-errcode"),
        "a PUT of m.fully_read or m.push_rules is refused with 405 and M_FORBIDDEN, like other writes the user may not make";
    PushRulesNotFound: "push-rules-not-found", fault("account-data.server-managed-readable"),
        "m.push_rules lives in the push rules store, so GET of it as account data answers 404";
    RoomDataIgnoresRoom: "room-data-ignores-room", fault("account-data.room-scoped"),
        "room account data is keyed by user and type alone: a write in one room replaces the value in every room the user has it in";
    RoomFallsBackToGlobal: "room-falls-back-to-global", fault("account-data.no-fallback"),
        "GET of room account data falls back to the global value of the type";
    GlobalFallsBackToRoom: "global-falls-back-to-room", fault("account-data.room-scoped"),
        "GET of global account data falls back to a value set in one of the user's rooms";
    ErrorExtraFields: "error-extra-fields", VARIANT,
        "error bodies carry extra fields besides errcode and error";
    ErrorOtherTexts: "error-other-texts", VARIANT,
        "error messages are worded differently";
    UnsignedExtraKeys: "unsigned-extra-keys", VARIANT,
        "events carry extra keys in unsigned";
    ResponseExtraFields: "response-extra-fields", VARIANT,
        "/createRoom, /sync and /joined_rooms answers carry extra top-level fields";
    IsDirectFalseWritten: "is-direct-false-written", VARIANT,
        "invites of rooms created without is_direct carry is_direct: false written out";
    InviteStateWithoutMembers: "invite-state-without-members", VARIANT,
        "invite_state holds no m.room.member events, not even the invite itself";
    StrippedStateExtraEvents: "stripped-state-extra-events", VARIANT,
        "stripped state also holds m.room.power_levels, m.room.history_visibility and m.room.guest_access";
    StrippedStateReversed: "stripped-state-reversed", VARIANT,
        "stripped state events come in reverse order";
    RoomIdsWithoutServer: "room-ids-without-server", VARIANT,
        "room ids have no server part: ! and 43 URL-safe base64 characters, as in room version 12";
    SyncBatchesSplit: "sync-batches-split", VARIANT,
        "an incremental sync advances one stream position at most, spreading events over several syncs";
    LongPollReturnsEarly: "long-poll-returns-early", VARIANT,
        "an incremental sync with nothing new answers at once instead of waiting for the timeout";
    VersionsMore: "versions-more", VARIANT,
        "/versions advertises later spec versions and unstable features too";
    AccountDataNewestFirst: "account-data-newest-first", VARIANT,
        "account data events in /sync come newest first";
    ShuffledOrder: "shuffled-order", VARIANT,
        "object keys, and the arrays the specification leaves unordered, come in another order in every answer";
    RegisterNeedsSession: "register-needs-session", VARIANT,
        "/register answers a first request with the 401 challenge even when it carries the m.login.dummy stage; the stage completes only in the session the challenge names";
}

/// Every profile, faults first, then variants.
pub fn profiles() -> &'static [Profile] {
    PROFILES
}

impl Profile {
    /// The profile called `name`.
    pub fn find(name: &str) -> Option<&'static Profile> {
        PROFILES.iter().find(|profile| profile.name == name)
    }

    /// The profile of `deviation`.
    pub fn of(deviation: Deviation) -> &'static Profile {
        PROFILES
            .iter()
            .find(|profile| profile.deviation == deviation)
            .expect("every deviation has a profile")
    }

    /// The claim a fault breaks; `None` for a variant.
    pub fn claim(&self) -> Option<&'static str> {
        match self.kind {
            Kind::Fault { claim } => Some(claim),
            Kind::Variant => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::{Deviation, Kind, Profile, profiles};

    fn is_kebab_case(name: &str) -> bool {
        !name.is_empty()
            && !name.starts_with('-')
            && !name.ends_with('-')
            && !name.contains("--")
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    }

    #[test]
    fn names_are_unique_kebab_case_and_faults_name_a_claim() {
        let mut names = HashSet::new();
        let mut deviations = HashSet::new();
        for profile in profiles() {
            assert!(is_kebab_case(profile.name), "{}", profile.name);
            assert!(names.insert(profile.name), "duplicate {}", profile.name);
            assert!(deviations.insert(profile.deviation), "{}", profile.name);
            assert!(!profile.description.is_empty(), "{}", profile.name);
            if let Some(claim) = profile.claim() {
                assert!(claim.contains('.'), "{}: {claim}", profile.name);
            }
            assert_eq!(Profile::find(profile.name), Some(profile));
            assert_eq!(Profile::of(profile.deviation), profile);
        }
        assert_eq!(Profile::find("no-such-profile"), None);
    }

    #[test]
    fn there_are_enough_profiles() {
        let faults: Vec<&str> = profiles().iter().filter_map(Profile::claim).collect();
        assert!(faults.len() >= 36, "{} faults", faults.len());
        let variants = profiles()
            .iter()
            .filter(|profile| profile.kind == Kind::Variant)
            .count();
        assert!(variants >= 10, "{variants} variants");
        assert_eq!(
            Profile::find("flag-from-preset").map(|p| p.deviation),
            Some(Deviation::FlagFromPreset)
        );
    }
}
