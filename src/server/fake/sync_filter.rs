//! The sync `Filter` object: validation against the filter schema, and matching of
//! rooms, event types and senders.

use serde_json::{Map, Value};

use super::error::ApiError;
use super::ids;

/// Timeline events per room when the filter sets no `limit`.
const DEFAULT_TIMELINE_LIMIT: usize = 10;
/// The largest timeline `limit` honoured.
const MAX_TIMELINE_LIMIT: usize = 100;

fn invalid(error: impl Into<String>) -> ApiError {
    ApiError::unknown(400, error)
}

fn object<'a>(
    value: Option<&'a Value>,
    path: &str,
) -> Result<Option<&'a Map<String, Value>>, ApiError> {
    match value {
        None => Ok(None),
        Some(Value::Object(object)) => Ok(Some(object)),
        Some(_) => Err(invalid(format!("{path} is not of type 'object'"))),
    }
}

/// An optional list of strings, each passing `valid`.
fn string_list(
    object: &Map<String, Value>,
    key: &str,
    valid: fn(&str) -> bool,
) -> Result<Option<Vec<String>>, ApiError> {
    let Some(value) = object.get(key) else {
        return Ok(None);
    };
    let items = value
        .as_array()
        .ok_or_else(|| invalid(format!("{key} is not of type 'array'")))?;
    items
        .iter()
        .map(|item| match item.as_str() {
            Some(text) if valid(text) => Ok(text.to_owned()),
            _ => Err(invalid(format!("{item} is not a valid entry of {key}"))),
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

fn any_string(_: &str) -> bool {
    true
}

fn is_user_id(text: &str) -> bool {
    ids::parse_user_id(text).is_some()
}

fn check_booleans(object: &Map<String, Value>, keys: &[&str]) -> Result<(), ApiError> {
    match keys
        .iter()
        .find(|key| object.get(**key).is_some_and(|v| !v.is_boolean()))
    {
        Some(key) => Err(invalid(format!("{key} is not of type 'boolean'"))),
        None => Ok(()),
    }
}

/// Whether `actual` matches a filter entry, where each `*` matches any sequence of characters.
fn matches_wildcard(actual: &str, pattern: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = actual.strip_prefix(first) else {
        return false;
    };
    let middle: Vec<&str> = parts.collect();
    let Some((last, between)) = middle.split_last() else {
        return rest.is_empty();
    };
    for part in between {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// How a confused server misreads an account data filter's types (see the fault profiles).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Misreading {
    /// `not_types` is ignored.
    NotTypesIgnored,
    /// A `*` is a wildcard only at the end of a type; elsewhere a plain character.
    WildcardSuffixOnly,
    /// An empty `types` list counts as absent: every type passes.
    EmptyTypesAsAbsent,
}

/// A filter on events by type and sender, with an optional count limit.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventFilter {
    types: Option<Vec<String>>,
    not_types: Vec<String>,
    senders: Option<Vec<String>>,
    not_senders: Vec<String>,
    limit: Option<f64>,
}

impl EventFilter {
    fn parse(value: Option<&Value>, path: &str, room_event: bool) -> Result<EventFilter, ApiError> {
        let Some(object) = object(value, path)? else {
            return Ok(EventFilter::default());
        };
        let limit = match object.get("limit") {
            None => None,
            Some(limit) => Some(
                limit
                    .as_f64()
                    .ok_or_else(|| invalid("limit is not of type 'number'"))?,
            ),
        };
        if room_event {
            string_list(object, "rooms", ids::is_valid_room_id)?;
            string_list(object, "not_rooms", ids::is_valid_room_id)?;
            check_booleans(
                object,
                &[
                    "contains_url",
                    "lazy_load_members",
                    "include_redundant_members",
                    "unread_thread_notifications",
                ],
            )?;
        }
        Ok(EventFilter {
            types: string_list(object, "types", any_string)?,
            not_types: string_list(object, "not_types", any_string)?.unwrap_or_default(),
            senders: string_list(object, "senders", is_user_id)?,
            not_senders: string_list(object, "not_senders", is_user_id)?.unwrap_or_default(),
            limit,
        })
    }

    /// Whether an event of type `kind` passes the types of the filter as `misreading` reads them.
    pub fn allows_misread(&self, kind: &str, misreading: Misreading) -> bool {
        let matches = |pattern: &String| match misreading {
            Misreading::WildcardSuffixOnly => match pattern.strip_suffix('*') {
                Some(prefix) => kind.starts_with(prefix),
                None => kind == pattern,
            },
            _ => matches_wildcard(kind, pattern),
        };
        let excluded =
            misreading != Misreading::NotTypesIgnored && self.not_types.iter().any(matches);
        let included = match &self.types {
            None => true,
            Some(types) if types.is_empty() => misreading == Misreading::EmptyTypesAsAbsent,
            Some(types) => types.iter().any(matches),
        };
        !excluded && included
    }

    /// Whether an event of type `kind` from `sender` passes the filter.
    pub fn allows(&self, kind: &str, sender: Option<&str>) -> bool {
        let type_ok = !self.not_types.iter().any(|p| matches_wildcard(kind, p))
            && self
                .types
                .as_ref()
                .is_none_or(|types| types.iter().any(|p| matches_wildcard(kind, p)));
        let sender_ok = match sender {
            Some(sender) => {
                !self.not_senders.iter().any(|s| s == sender)
                    && self
                        .senders
                        .as_ref()
                        .is_none_or(|senders| senders.iter().any(|s| s == sender))
            }
            None => true,
        };
        type_ok && sender_ok
    }

    /// The number of timeline events to return per room.
    pub fn timeline_limit(&self) -> usize {
        match self.limit {
            None => DEFAULT_TIMELINE_LIMIT,
            Some(limit) if limit <= 0.0 => 0,
            Some(limit) => (limit as usize).min(MAX_TIMELINE_LIMIT),
        }
    }
}

/// A `RoomEventFilter` given as JSON text, as `/messages` and `/context` take it.
pub fn room_event_filter(text: &str) -> Result<EventFilter, ApiError> {
    let definition: Value =
        serde_json::from_str(text).map_err(|_| ApiError::not_json("Invalid filter JSON"))?;
    EventFilter::parse(Some(&definition), "filter", true)
}

/// The `room` part of a filter.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RoomFilter {
    rooms: Option<Vec<String>>,
    not_rooms: Vec<String>,
    /// Whether initial syncs list rooms the user has left.
    pub include_leave: bool,
    /// Filter on the `state` section.
    pub state: EventFilter,
    /// Filter on the `timeline` section.
    pub timeline: EventFilter,
    /// Filter on per-room `account_data`.
    pub account_data: EventFilter,
}

impl RoomFilter {
    fn parse(value: Option<&Value>) -> Result<RoomFilter, ApiError> {
        let Some(object) = object(value, "room")? else {
            return Ok(RoomFilter::default());
        };
        check_booleans(object, &["include_leave"])?;
        EventFilter::parse(object.get("ephemeral"), "ephemeral", true)?;
        Ok(RoomFilter {
            rooms: string_list(object, "rooms", ids::is_valid_room_id)?,
            not_rooms: string_list(object, "not_rooms", ids::is_valid_room_id)?.unwrap_or_default(),
            include_leave: object.get("include_leave") == Some(&Value::Bool(true)),
            state: EventFilter::parse(object.get("state"), "state", true)?,
            timeline: EventFilter::parse(object.get("timeline"), "timeline", true)?,
            account_data: EventFilter::parse(object.get("account_data"), "account_data", true)?,
        })
    }

    /// Whether the room passes `rooms` / `not_rooms`.
    pub fn allows_room(&self, room_id: &str) -> bool {
        !self.not_rooms.iter().any(|r| r == room_id)
            && self
                .rooms
                .as_ref()
                .is_none_or(|rooms| rooms.iter().any(|r| r == room_id))
    }
}

/// A whole sync filter.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SyncFilter {
    /// Filter on global account data.
    pub account_data: EventFilter,
    /// Filter on room data.
    pub room: RoomFilter,
}

impl SyncFilter {
    /// Validates a filter definition and reads what the fake honours.
    pub fn parse(value: &Value) -> Result<SyncFilter, ApiError> {
        let object = value
            .as_object()
            .ok_or_else(|| invalid("filter is not of type 'object'"))?;
        EventFilter::parse(object.get("presence"), "presence", false)?;
        match object.get("event_format") {
            None => {}
            Some(Value::String(format)) if format == "client" || format == "federation" => {}
            Some(other) => {
                return Err(invalid(format!(
                    "{other} is not one of ['client', 'federation']"
                )));
            }
        }
        string_list(object, "event_fields", any_string)?;
        Ok(SyncFilter {
            account_data: EventFilter::parse(object.get("account_data"), "account_data", false)?,
            room: RoomFilter::parse(object.get("room"))?,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{SyncFilter, matches_wildcard};

    #[test]
    fn a_wildcard_matches_any_sequence_anywhere() {
        assert!(matches_wildcard("org.example.tag", "org.*.tag"));
        assert!(matches_wildcard("org.example.tag", "*"));
        assert!(matches_wildcard("org.example.tag", "org.example.tag"));
        assert!(matches_wildcard("m.direct", "m.*"));
        assert!(!matches_wildcard("org.example.tags", "org.*.tag"));
        assert!(!matches_wildcard("m.direct", "*.tag"));
        assert!(!matches_wildcard("ab", "a*b*b"));
    }

    #[test]
    fn type_lists_and_wildcards_are_honoured() {
        let filter = SyncFilter::parse(&json!({
            "account_data": { "types": ["m.direct", "org.example.*"], "not_types": ["org.example.secret"] },
            "room": { "timeline": { "limit": 3 }, "rooms": ["!a:example.org"] },
        }))
        .expect("valid filter");
        assert!(filter.account_data.allows("m.direct", None));
        assert!(filter.account_data.allows("org.example.setting", None));
        assert!(!filter.account_data.allows("org.example.secret", None));
        assert!(!filter.account_data.allows("m.push_rules", None));
        assert_eq!(filter.room.timeline.timeline_limit(), 3);
        assert_eq!(filter.room.state.timeline_limit(), 10);
        assert!(filter.room.allows_room("!a:example.org"));
        assert!(!filter.room.allows_room("!b:example.org"));
    }

    #[test]
    fn malformed_filters_are_rejected() {
        assert!(SyncFilter::parse(&json!([])).is_err());
        assert!(SyncFilter::parse(&json!({ "account_data": { "types": "m.direct" } })).is_err());
        assert!(SyncFilter::parse(&json!({ "room": { "rooms": ["not-a-room"] } })).is_err());
        assert!(SyncFilter::parse(&json!({ "event_format": "xml" })).is_err());
    }
}
