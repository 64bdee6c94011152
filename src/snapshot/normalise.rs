//! Stable placeholders for the values that differ from run to run and server to server.

use serde_json::{Map, Value};

/// Keys whose values are volatile and dropped: timestamps and ages.
const DROPPED_KEYS: &[&str] = &["origin_server_ts", "age", "ts"];
/// Keys whose values are masked: tokens and device ids.
const MASKED_KEYS: &[&str] = &[
    "next_batch",
    "prev_batch",
    "since",
    "access_token",
    "refresh_token",
    "device_id",
    "transaction_id",
];

/// Replaces ids with placeholders, consistently within one case.
///
/// Room ids become `[room:N]` and event ids `[event:N]` in the order they are first seen,
/// actors' user ids become `@alice:[server]`, and the server name becomes `[server]`.
#[derive(Debug, Default, Clone)]
pub struct Normaliser {
    actors: Vec<(String, String)>,
    server: Option<String>,
    rooms: Vec<String>,
    events: Vec<String>,
}

impl Normaliser {
    /// A normaliser that knows nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records that `user_id` belongs to actor `name`; the first one also fixes the server name.
    pub fn actor(&mut self, name: &str, user_id: &str) {
        if self.server.is_none() {
            self.server = user_id
                .split_once(':')
                .map(|(_, server)| server.to_string());
        }
        self.actors.push((user_id.to_string(), name.to_string()));
    }

    /// Registers the room and event ids in `value`, in document order, so they number first.
    pub fn observe(&mut self, value: &Value) {
        self.normalise(value);
    }

    /// The value with every volatile part replaced by its placeholder.
    pub fn normalise(&mut self, value: &Value) -> Value {
        match value {
            Value::String(s) => Value::String(self.text(s)),
            Value::Array(items) => Value::Array(items.iter().map(|i| self.normalise(i)).collect()),
            Value::Object(map) => {
                let mut out = Map::new();
                for (key, item) in map {
                    if DROPPED_KEYS.contains(&key.as_str()) {
                        continue;
                    }
                    let item = if MASKED_KEYS.contains(&key.as_str()) && !item.is_null() {
                        Value::String(format!("[{key}]"))
                    } else {
                        self.normalise(item)
                    };
                    out.insert(self.text(key), item);
                }
                Value::Object(out)
            }
            other => other.clone(),
        }
    }

    /// `text` with every id this normaliser has seen replaced by its placeholder, wherever it
    /// appears, and the server name by `[server]`: for messages, which quote ids inside prose.
    pub fn rewrite(&self, text: &str) -> String {
        let mut known: Vec<(&str, String)> = self
            .actors
            .iter()
            .map(|(id, name)| (id.as_str(), format!("@{name}:[server]")))
            .chain(self.actors.iter().filter_map(|(id, name)| {
                let localpart = id.strip_prefix('@')?.split_once(':')?.0;
                Some((localpart, name.clone()))
            }))
            .chain(
                self.rooms
                    .iter()
                    .enumerate()
                    .map(|(i, id)| (id.as_str(), format!("[room:{}]", i + 1))),
            )
            .chain(
                self.events
                    .iter()
                    .enumerate()
                    .map(|(i, id)| (id.as_str(), format!("[event:{}]", i + 1))),
            )
            .collect();
        known.sort_by_key(|(id, _)| std::cmp::Reverse(id.len()));
        let mut out = text.to_string();
        for (id, placeholder) in known {
            out = out.replace(id, &placeholder);
        }
        match &self.server {
            Some(server) => out.replace(server.as_str(), "[server]"),
            None => out,
        }
    }

    fn text(&mut self, s: &str) -> String {
        if let Some((_, name)) = self.actors.iter().find(|(id, _)| id == s) {
            return format!("@{name}:[server]");
        }
        if is_sigilled_id(s, '!') {
            return format!("[room:{}]", number(&mut self.rooms, s));
        }
        if is_sigilled_id(s, '$') {
            return format!("[event:{}]", number(&mut self.events, s));
        }
        match &self.server {
            Some(server) if s.contains(server.as_str()) => s.replace(server.as_str(), "[server]"),
            _ => s.to_string(),
        }
    }
}

/// The 1-based number of `id` in `seen`, adding it when new.
fn number(seen: &mut Vec<String>, id: &str) -> usize {
    match seen.iter().position(|known| known == id) {
        Some(i) => i + 1,
        None => {
            seen.push(id.to_string());
            seen.len()
        }
    }
}

/// True for a Matrix identifier with the given sigil: no white space, at least one character after it.
fn is_sigilled_id(s: &str, sigil: char) -> bool {
    s.strip_prefix(sigil).is_some_and(|rest| {
        !rest.is_empty() && !rest.starts_with('{') && !rest.contains(char::is_whitespace)
    })
}

/// A sort key for a value that ignores which room, event or user it names.
pub fn identity_free_key(value: &Value) -> String {
    fn strip(value: &Value) -> Value {
        match value {
            Value::String(s) if is_sigilled_id(s, '!') => Value::String("[room]".into()),
            Value::String(s) if is_sigilled_id(s, '$') => Value::String("[event]".into()),
            Value::Array(items) => Value::Array(items.iter().map(strip).collect()),
            Value::Object(map) => {
                Value::Object(map.iter().map(|(k, v)| (k.clone(), strip(v))).collect())
            }
            other => other.clone(),
        }
    }
    strip(value).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn messages_are_rewritten_with_the_same_placeholders() {
        let mut n = Normaliser::new();
        n.actor("bob", "@mxc-1-bob:hs.example");
        n.observe(&json!({"room_id": "!abc:hs.example", "event_id": "$e1"}));
        assert_eq!(
            n.rewrite("body at /rooms/join/!abc:hs.example: expected $e1 from @mxc-1-bob:hs.example (mxc-1-bob) on hs.example"),
            "body at /rooms/join/[room:1]: expected [event:1] from @bob:[server] (bob) on [server]"
        );
    }

    #[test]
    fn same_id_same_placeholder_across_values() {
        let mut n = Normaliser::new();
        n.actor("alice", "@mxc-1-alice:hs.example");
        n.actor("bob", "@mxc-1-bob:hs.example");
        n.observe(&json!({"room_id": "!abc:hs.example"}));
        let direct = n
            .normalise(&json!({"@mxc-1-bob:hs.example": ["!abc:hs.example", "!other:hs.example"]}));
        assert_eq!(direct, json!({"@bob:[server]": ["[room:1]", "[room:2]"]}));
        let event = n.normalise(&json!({"event_id": "$e1", "sender": "@mxc-1-alice:hs.example", "origin_server_ts": 5, "unsigned": {"age": 3}}));
        assert_eq!(
            event,
            json!({"event_id": "[event:1]", "sender": "@alice:[server]", "unsigned": {}})
        );
    }

    #[test]
    fn tokens_are_masked_and_unknown_users_keep_their_localpart() {
        let mut n = Normaliser::new();
        n.actor("alice", "@a:hs");
        let v = n.normalise(&json!({"next_batch": "s72_1", "user": "@stranger:hs"}));
        assert_eq!(
            v,
            json!({"next_batch": "[next_batch]", "user": "@stranger:[server]"})
        );
    }

    #[test]
    fn sort_key_ignores_ids() {
        assert_eq!(
            identity_free_key(&json!({"r": "!a:x"})),
            identity_free_key(&json!({"r": "!b:y"}))
        );
    }
}
