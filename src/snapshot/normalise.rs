//! Stable placeholders for the values that differ from run to run and server to server.

use serde_json::{Map, Value};

use crate::case::Home;

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
/// actors' user ids become `@alice:[server]` (`@bob:[peer]` for an actor on the federation peer),
/// and the server names become `[server]` and `[peer]`.
#[derive(Debug, Default, Clone)]
pub struct Normaliser {
    actors: Vec<(String, String)>,
    server: Option<String>,
    peer: Option<String>,
    rooms: Vec<String>,
    events: Vec<String>,
}

impl Normaliser {
    /// A normaliser that knows nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records that `user_id` belongs to actor `name` on the target; the first one also fixes the
    /// server name.
    pub fn actor(&mut self, name: &str, user_id: &str) {
        self.actor_at(name, user_id, Home::Target);
    }

    /// Records that `user_id` belongs to actor `name` on `home`; the first actor of each server
    /// fixes that server's name.
    pub fn actor_at(&mut self, name: &str, user_id: &str, home: Home) {
        let slot = match home {
            Home::Target => &mut self.server,
            Home::Peer => &mut self.peer,
        };
        if slot.is_none() {
            *slot = user_id
                .split_once(':')
                .map(|(_, server)| server.to_string());
        }
        let placeholder = match home {
            Home::Target => format!("@{name}:[server]"),
            Home::Peer => format!("@{name}:[peer]"),
        };
        self.actors.push((user_id.to_string(), placeholder));
    }

    /// The server names seen so far with their placeholders, longest name first, so that one name
    /// that starts another (`localhost:80` and `localhost:8008`) never takes a part of it.
    fn servers(&self) -> Vec<(&str, &'static str)> {
        let mut servers: Vec<(&str, &'static str)> = [
            (self.server.as_deref(), "[server]"),
            (self.peer.as_deref(), "[peer]"),
        ]
        .into_iter()
        .filter_map(|(name, placeholder)| Some((name?, placeholder)))
        .collect();
        servers.sort_by_key(|(name, _)| std::cmp::Reverse(name.len()));
        servers
    }

    /// `text` with each known server name replaced by its placeholder.
    fn servers_replaced(&self, text: &str) -> String {
        self.servers()
            .into_iter()
            .fold(text.to_string(), |out, (name, placeholder)| {
                out.replace(name, placeholder)
            })
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
            .map(|(id, placeholder)| (id.as_str(), placeholder.clone()))
            .chain(self.actors.iter().filter_map(|(id, placeholder)| {
                let localpart = id.strip_prefix('@')?.split_once(':')?.0;
                let name = placeholder.strip_prefix('@')?.split_once(':')?.0;
                Some((localpart, name.to_string()))
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
        self.servers_replaced(&out)
    }

    fn text(&mut self, s: &str) -> String {
        if let Some((_, placeholder)) = self.actors.iter().find(|(id, _)| id == s) {
            return placeholder.clone();
        }
        if is_sigilled_id(s, '!') {
            return format!("[room:{}]", number(&mut self.rooms, s));
        }
        if is_sigilled_id(s, '$') {
            return format!("[event:{}]", number(&mut self.events, s));
        }
        self.servers_replaced(s)
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
    fn peer_actors_and_the_peer_server_get_placeholders_of_their_own() {
        let mut n = Normaliser::new();
        n.actor_at("bob", "@mxc-2-bob:localhost:8448", Home::Peer);
        n.actor("alice", "@mxc-1-alice:localhost:84");
        let value = n.normalise(&json!({
            "sender": "@mxc-1-alice:localhost:84",
            "state_key": "@mxc-2-bob:localhost:8448",
            "origin": "localhost:8448",
            "via": ["localhost:84"]
        }));
        assert_eq!(
            value,
            json!({"sender": "@alice:[server]", "state_key": "@bob:[peer]", "origin": "[peer]", "via": ["[server]"]})
        );
        assert_eq!(
            n.rewrite("mxc-2-bob on localhost:8448 invited by @mxc-1-alice:localhost:84"),
            "bob on [peer] invited by @alice:[server]"
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
