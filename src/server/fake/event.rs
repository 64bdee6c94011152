//! Room events as stored by the fake, and their stripped form.

use serde_json::{Value, json};

/// The content of a new event, before the room gives it an id and a stream position.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    /// Event type, e.g. `m.room.member`.
    pub kind: String,
    /// State key; `None` for a message-like event.
    pub state_key: Option<String>,
    /// User who sends the event.
    pub sender: String,
    /// Event content.
    pub content: Value,
}

impl NewEvent {
    /// A state event.
    pub fn state(kind: &str, state_key: &str, sender: &str, content: Value) -> NewEvent {
        NewEvent {
            kind: kind.to_owned(),
            state_key: Some(state_key.to_owned()),
            sender: sender.to_owned(),
            content,
        }
    }
}

/// A persisted room event.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// `$`-prefixed event id.
    pub event_id: String,
    /// Event type.
    pub kind: String,
    /// State key; `None` for a message-like event.
    pub state_key: Option<String>,
    /// User who sent the event.
    pub sender: String,
    /// Event content.
    pub content: Value,
    /// Milliseconds since the Unix epoch when the event was sent.
    pub origin_server_ts: u64,
    /// Position of the event in the server's global stream.
    pub position: u64,
    /// Index (in the room's event list) of the state event this one replaced.
    pub replaces: Option<usize>,
    /// For an invite or a knock: the stripped state of the room taken at that moment,
    /// shown to the invitee or knocker.
    pub stripped_state: Vec<Value>,
}

impl Event {
    /// The `membership` of an `m.room.member` event.
    pub fn membership(&self) -> Option<&str> {
        if self.kind == "m.room.member" {
            self.content.get("membership").and_then(Value::as_str)
        } else {
            None
        }
    }

    /// Whether this is a state event of the given type and state key.
    pub fn is_state(&self, kind: &str, state_key: &str) -> bool {
        self.kind == kind && self.state_key.as_deref() == Some(state_key)
    }

    /// The stripped state form: only `sender`, `type`, `state_key` and `content`.
    pub fn stripped(&self) -> Value {
        json!({
            "sender": self.sender,
            "type": self.kind,
            "state_key": self.state_key.clone().unwrap_or_default(),
            "content": self.content,
        })
    }
}

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| {
            u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX)
        })
}
