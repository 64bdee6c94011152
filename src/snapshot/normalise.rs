//! Stable placeholders for the values that differ from run to run and server to server.

use serde_json::{Map, Value};

use crate::case::Home;

/// Keys whose values are volatile and dropped: timestamps and ages.
const DROPPED_KEYS: &[&str] = &["origin_server_ts", "age", "ts"];
/// At most this many rounds number the new ids of one value, so that many ids alike cost little.
const ROUNDS: usize = 16;
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
/// Actors' user ids become `@alice:[server]` (`@bob:[peer]` for an actor on the federation peer),
/// the server names `[server]` and `[peer]`, room ids `[room:N]` and event ids `[event:N]`.
///
/// An id keeps the number it got first: ids saved by earlier steps keep theirs. The new ids of a
/// value are numbered in an order that does not depend on the order of its object keys or array
/// elements, since JSON leaves the one and the specification many of the others unordered. Each
/// new id is known by its places: for each occurrence, the path to it, where an object key is
/// written normalised and an array element is written as a digest of its *shape* (its normalised
/// text with sorted keys, new ids left as `[room]` and `[event]`); a key that is itself an id
/// takes the shape of its value as its place. New ids are numbered in the order of their sorted
/// places, compared as lists, in rounds: each round numbers the ids whose places no other new id
/// shares, and the next round tells the rest apart by the numbers given. When every id left
/// shares its places with another (ids alike in everything but their names), the first one met
/// is numbered, by a walk that takes object keys by their normalised text and array elements by
/// their shape, ties in document order; for such interchangeable ids the choice changes nothing.
/// After [`ROUNDS`] rounds the ids left are numbered at once, in that order.
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

    /// Registers the room and event ids in `value`, so they keep their numbers in later values.
    pub fn observe(&mut self, value: &Value) {
        self.number_new_ids(value);
    }

    /// The value with every volatile part replaced by its placeholder.
    pub fn normalise(&mut self, value: &Value) -> Value {
        self.number_new_ids(value);
        self.replaced(value)
    }

    /// `value` with the placeholders known so far; ids not numbered yet become `[room]` and `[event]`.
    fn replaced(&self, value: &Value) -> Value {
        match value {
            Value::String(s) => Value::String(self.text(s)),
            Value::Array(items) => Value::Array(items.iter().map(|i| self.replaced(i)).collect()),
            Value::Object(map) => {
                let mut out = Map::new();
                for (key, item) in map {
                    if DROPPED_KEYS.contains(&key.as_str()) {
                        continue;
                    }
                    let item = if is_masked(key, item) {
                        Value::String(format!("[{key}]"))
                    } else {
                        self.replaced(item)
                    };
                    out.insert(self.text(key), item);
                }
                Value::Object(out)
            }
            other => other.clone(),
        }
    }

    /// Numbers the room and event ids of `value` not numbered yet, in the order of their places:
    /// in rounds, each numbering the ids whose places no other new id shares (or, when every one
    /// shares them, the first met), since a number given can tell apart the places of the rest;
    /// the last of [`ROUNDS`] numbers all that are left.
    fn number_new_ids(&mut self, value: &Value) {
        for round in 1..=ROUNDS {
            let found = self.sorted_places(value);
            let Some((first, _)) = found.first() else {
                return;
            };
            let distinct: Vec<&String> = found
                .iter()
                .enumerate()
                .filter(|&(i, (_, places))| {
                    let same = |j: usize| found.get(j).is_some_and(|(_, other)| other == places);
                    !(i.checked_sub(1).is_some_and(same) || same(i + 1))
                })
                .map(|(_, (id, _))| id)
                .collect();
            let chosen = if round == ROUNDS {
                found.iter().map(|(id, _)| id).collect()
            } else if distinct.is_empty() {
                vec![first]
            } else {
                distinct
            };
            for id in chosen {
                let seen = if is_sigilled_id(id, '!') {
                    &mut self.rooms
                } else {
                    &mut self.events
                };
                seen.push(id.clone());
            }
        }
    }

    /// The new ids of `value` with their sorted places, in the order of their places (ties in
    /// the order the walk meets them).
    fn sorted_places(&self, value: &Value) -> Vec<(String, Vec<String>)> {
        let mut found: Vec<(String, Vec<String>)> = Vec::new();
        self.places(value, "", &mut found);
        for (_, places) in &mut found {
            places.sort();
        }
        found.sort_by(|a, b| a.1.cmp(&b.1));
        found
    }

    /// Adds the places of the new ids in `value`, found at `at`, to `found`.
    fn places(&self, value: &Value, at: &str, found: &mut Vec<(String, Vec<String>)>) {
        match value {
            Value::String(s) => self.place(s, at, found),
            Value::Array(items) => {
                let mut elements: Vec<(String, &Value)> = items
                    .iter()
                    .filter(|item| self.holds_new_id(item))
                    .map(|item| (format!("{at}/{:016x}", digest(&self.shape(item))), item))
                    .collect();
                elements.sort_by(|a, b| a.0.cmp(&b.0));
                for (here, item) in elements {
                    self.places(item, &here, found);
                }
            }
            Value::Object(map) => {
                let mut entries: Vec<(String, &String, &Value)> = map
                    .iter()
                    .filter(|(key, _)| !DROPPED_KEYS.contains(&key.as_str()))
                    .map(|(key, item)| (format!("{at}/{}", self.text(key)), key, item))
                    .collect();
                entries.sort_by(|a, b| a.0.cmp(&b.0));
                for (here, key, item) in entries {
                    if self.is_new_id(key) {
                        let shaped = format!("{here}={:016x}", digest(&self.shape(item)));
                        self.place(key, &shaped, found);
                    }
                    if !is_masked(key, item) {
                        self.places(item, &here, found);
                    }
                }
            }
            _ => {}
        }
    }

    /// Adds `at` to the places of `s` when it is a room or event id not numbered yet.
    fn place(&self, s: &str, at: &str, found: &mut Vec<(String, Vec<String>)>) {
        if !self.is_new_id(s) {
            return;
        }
        match found.iter_mut().find(|(id, _)| id == s) {
            Some((_, places)) => places.push(at.to_string()),
            None => found.push((s.to_string(), vec![at.to_string()])),
        }
    }

    /// Whether `value` holds a room or event id without a number, as a value or a key.
    fn holds_new_id(&self, value: &Value) -> bool {
        match value {
            Value::String(s) => self.is_new_id(s),
            Value::Array(items) => items.iter().any(|item| self.holds_new_id(item)),
            Value::Object(map) => map
                .iter()
                .any(|(key, item)| self.is_new_id(key) || self.holds_new_id(item)),
            _ => false,
        }
    }

    /// Whether `s` is a room or event id without a number.
    fn is_new_id(&self, s: &str) -> bool {
        let seen = if is_sigilled_id(s, '!') {
            &self.rooms
        } else if is_sigilled_id(s, '$') {
            &self.events
        } else {
            return false;
        };
        !seen.iter().any(|known| known == s)
    }

    /// The shape of `value`: its text with the placeholders known so far and its keys sorted.
    fn shape(&self, value: &Value) -> String {
        crate::matcher::sorted_keys(&self.replaced(value)).to_string()
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

    /// `s` as a placeholder when it is an id or holds a server name; a room or event id not
    /// numbered yet becomes `[room]` or `[event]`.
    fn text(&self, s: &str) -> String {
        if let Some((_, placeholder)) = self.actors.iter().find(|(id, _)| id == s) {
            return placeholder.clone();
        }
        if is_sigilled_id(s, '!') {
            return placeholder("room", &self.rooms, s);
        }
        if is_sigilled_id(s, '$') {
            return placeholder("event", &self.events, s);
        }
        self.servers_replaced(s)
    }
}

/// Whether the value of `key` is masked: a token or device id that is there.
fn is_masked(key: &str, item: &Value) -> bool {
    MASKED_KEYS.contains(&key) && !item.is_null()
}

/// `[kind:N]` for an id numbered N in `seen`, `[kind]` for one not numbered yet.
fn placeholder(kind: &str, seen: &[String], id: &str) -> String {
    match seen.iter().position(|known| known == id) {
        Some(i) => format!("[{kind}:{}]", i + 1),
        None => format!("[{kind}]"),
    }
}

/// A stable 64-bit digest of `text` (FNV-1a), the same on every platform and toolchain.
fn digest(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// True for a Matrix identifier with the given sigil: no white space, at least one character after it.
fn is_sigilled_id(s: &str, sigil: char) -> bool {
    s.strip_prefix(sigil).is_some_and(|rest| {
        !rest.is_empty() && !rest.starts_with('{') && !rest.contains(char::is_whitespace)
    })
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

    /// `value` with every array rotated by `turn` places and every object's keys reversed when
    /// `turn` is odd: one of its permutations.
    fn permuted(value: &Value, turn: usize) -> Value {
        match value {
            Value::Array(items) => {
                let mut items: Vec<Value> = items.iter().map(|i| permuted(i, turn)).collect();
                let len = items.len().max(1);
                items.rotate_left(turn % len);
                Value::Array(items)
            }
            Value::Object(map) => {
                let mut entries: Vec<(String, Value)> = map
                    .iter()
                    .map(|(k, v)| (k.clone(), permuted(v, turn)))
                    .collect();
                if turn % 2 == 1 {
                    entries.reverse();
                }
                Value::Object(entries.into_iter().collect())
            }
            other => other.clone(),
        }
    }

    /// The normalised `value` with every array sorted, as a fresh normaliser of the case gives it.
    fn normalised(value: &Value, saved: &[&str]) -> String {
        let mut n = Normaliser::new();
        n.actor("bob", "@mxc-1-bob:hs");
        n.actor("carol", "@mxc-1-carol:hs");
        for id in saved {
            n.observe(&json!(id));
        }
        sorted_arrays(&n.normalise(value)).to_string()
    }

    /// `value` with keys and, recursively, every array sorted.
    fn sorted_arrays(value: &Value) -> Value {
        match value {
            Value::Array(items) => {
                let mut items: Vec<Value> = items.iter().map(sorted_arrays).collect();
                items.sort_by_key(Value::to_string);
                Value::Array(items)
            }
            Value::Object(map) => crate::matcher::sorted_keys(&Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), sorted_arrays(v)))
                    .collect(),
            )),
            other => other.clone(),
        }
    }

    #[test]
    fn permutations_of_one_value_normalise_alike() {
        // Proves new ids are numbered by their places, not by the order keys and elements come in.
        let value = json!({
            "@mxc-1-bob:hs": ["!a:hs", "!b:hs"],
            "@mxc-1-carol:hs": ["!b:hs"],
            "rooms": {"join": {"!c:hs": {"state": {"events": [
                {"event_id": "$m", "type": "m.room.member", "room_id": "!a:hs"},
                {"event_id": "$n", "type": "m.room.name", "room_id": "!c:hs"},
                {"event_id": "$o", "type": "m.room.member", "room_id": "!b:hs"}
            ]}}}}
        });
        let first = normalised(&value, &[]);
        for turn in 1..6 {
            assert_eq!(
                normalised(&permuted(&value, turn), &[]),
                first,
                "turn {turn}"
            );
        }
        assert!(
            first.contains(r#""@carol:[server]":["[room:1]"]"#),
            "{first}"
        );
    }

    #[test]
    fn ids_alike_but_for_their_names_number_alike_in_any_order() {
        // Proves the document-order tie-break only ever separates ids that are interchangeable.
        let value =
            json!([{"room_id": "!a:hs", "event_id": "$a"}, {"room_id": "!b:hs", "event_id": "$b"}]);
        let first = normalised(&value, &[]);
        assert_eq!(normalised(&permuted(&value, 1), &[]), first);
        assert_eq!(
            first,
            r#"[{"event_id":"[event:1]","room_id":"[room:2]"},{"event_id":"[event:2]","room_id":"[room:1]"}]"#
        );
    }

    #[test]
    fn many_ids_alike_are_all_numbered() {
        // Proves the last round numbers every id left, so no new id stays without a number.
        let rooms: Vec<String> = (0..40).map(|i| format!("!r{i}:hs")).collect();
        let mut n = Normaliser::new();
        let value = n.normalise(&json!({"@mxc-1-bob:hs": rooms}));
        let shown = value.to_string();
        assert!(
            shown.contains("[room:40]") && !shown.contains("[room]"),
            "{shown}"
        );
    }

    #[test]
    fn saved_ids_keep_their_numbers_and_new_ones_follow() {
        // Proves ids a case saved before keep their numbers whatever the order of a later value.
        let value =
            json!({"@mxc-1-bob:hs": ["!new:hs", "!saved:hs"], "@mxc-1-carol:hs": ["!other:hs"]});
        for turn in 0..4 {
            assert_eq!(
                normalised(&permuted(&value, turn), &["!saved:hs"]),
                r#"{"@bob:[server]":["[room:1]","[room:2]"],"@carol:[server]":["[room:3]"]}"#,
                "turn {turn}"
            );
        }
    }
}
