//! One event id, one event: every event a case sees, wherever it is served, compared by
//! `event_id` with the first sighting of that id.
//!
//! The specification names `event_id` the globally unique identifier of an event, so every read
//! serving an id serves the same event: the same `type`, `state_key`, `sender` and `content`.
//! `unsigned` (ages, `prev_content`) is the server's to add per read and is not compared.

use std::collections::HashMap;

use serde_json::Value;

use crate::matcher::short;

/// The keys of an event every read serving it must agree on.
pub const COMPARED_KEYS: [&str; 4] = ["type", "state_key", "sender", "content"];

/// Where an event was first seen, and what it carried there.
#[derive(Debug, Clone)]
struct Sighting {
    /// The 1-based step that saw it.
    step: usize,
    /// What the step did, e.g. `alice: GET /rooms/!r/state`.
    action: String,
    /// The compared keys, as served there (`None` for an absent key).
    keys: Vec<Option<Value>>,
}

/// The same event id served with different keys by two reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// The event id.
    pub event_id: String,
    /// The key that differs.
    pub key: &'static str,
    /// The first read: its step and action, and the value it served.
    pub first: (usize, String, String),
    /// The later read: its step and action, and the value it served.
    pub then: (usize, String, String),
}

/// Every event id a case saw, with its first sighting, and the conflicts found.
#[derive(Debug, Default)]
pub struct Ledger {
    seen: HashMap<String, Sighting>,
    /// How many sightings of an id already seen were compared.
    pub compared: usize,
    /// The conflicts, in the order found.
    pub conflicts: Vec<Conflict>,
}

impl Ledger {
    /// Records every event in `body`, an answer to step `step` (1-based) doing `action`.
    pub fn record(&mut self, step: usize, action: &str, body: &Value) {
        let mut events = Vec::new();
        collect(body, &mut events);
        for event in events {
            self.sighting(step, action, event);
        }
    }

    fn sighting(&mut self, step: usize, action: &str, event: &Value) {
        let Some(id) = event.get("event_id").and_then(Value::as_str) else {
            return;
        };
        let Some(first) = self.seen.get(id) else {
            let keys = COMPARED_KEYS
                .iter()
                .map(|key| event.get(key).cloned())
                .collect();
            self.seen.insert(
                id.to_string(),
                Sighting {
                    step,
                    action: action.to_string(),
                    keys,
                },
            );
            return;
        };
        self.compared += 1;
        let differing = COMPARED_KEYS
            .iter()
            .zip(&first.keys)
            .find(|(key, was)| was.as_ref() != event.get(**key));
        if let Some((key, was)) = differing {
            let shown = |v: Option<&Value>| v.map_or("nothing".to_string(), short);
            self.conflicts.push(Conflict {
                event_id: id.to_string(),
                key,
                first: (first.step, first.action.clone(), shown(was.as_ref())),
                then: (step, action.to_string(), shown(event.get(*key))),
            });
        }
    }
}

/// Every object of `value` that is an event: it has a string `event_id` and a string `type`.
/// An event is not searched further: what its `unsigned` and `content` hold is its own.
fn collect<'a>(value: &'a Value, out: &mut Vec<&'a Value>) {
    match value {
        Value::Object(map) => {
            let is_event = map.get("event_id").is_some_and(Value::is_string)
                && map.get("type").is_some_and(Value::is_string);
            if is_event {
                out.push(value);
            } else {
                map.values().for_each(|v| collect(v, out));
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect(v, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn member(id: &str, content: Value) -> Value {
        json!({"event_id": id, "type": "m.room.member", "state_key": "@b:hs", "sender": "@a:hs",
               "content": content, "unsigned": {"age": 1}})
    }

    // Two reads serving one id with the same keys agree, whatever unsigned says and in any key order.
    #[test]
    fn the_same_event_twice_agrees() {
        let mut ledger = Ledger::default();
        let first = member("$1", json!({"membership": "invite", "is_direct": true}));
        let mut second = member("$1", json!({"is_direct": true, "membership": "invite"}));
        second["unsigned"] = json!({"age": 99, "prev_content": {"membership": "leave"}});
        ledger.record(1, "GET /state", &json!([first]));
        ledger.record(2, "GET /members", &json!({"chunk": [second]}));
        assert_eq!(ledger.compared, 1);
        assert!(ledger.conflicts.is_empty());
    }

    // One id served with another content is a conflict naming both reads and the key.
    #[test]
    fn another_content_under_one_id_is_a_conflict() {
        let mut ledger = Ledger::default();
        ledger.record(
            1,
            "GET /state",
            &json!([member(
                "$1",
                json!({"membership": "invite", "is_direct": true})
            )]),
        );
        ledger.record(
            3,
            "sync",
            &json!({"rooms": {"join": {"!r": {"timeline": {"events": [
                member("$2", json!({"membership": "join"})),
                member("$1", json!({"membership": "invite"}))
            ]}}}}}),
        );
        assert_eq!(ledger.compared, 1);
        let conflict = &ledger.conflicts[0];
        assert_eq!(conflict.event_id, "$1");
        assert_eq!(conflict.key, "content");
        assert_eq!((conflict.first.0, conflict.then.0), (1, 3));
    }

    // Stripped events have no id and are never compared; nested events are not searched.
    #[test]
    fn events_without_an_id_are_not_compared() {
        let mut ledger = Ledger::default();
        let stripped = json!({"type": "m.room.member", "state_key": "@b:hs", "sender": "@a:hs", "content": {}});
        ledger.record(
            1,
            "sync",
            &json!({"invite_state": {"events": [stripped.clone()]}}),
        );
        ledger.record(2, "sync", &json!({"invite_state": {"events": [stripped]}}));
        assert_eq!(ledger.compared, 0);
        let mut missing_key = member("$1", json!({}));
        missing_key.as_object_mut().map(|m| m.remove("state_key"));
        ledger.record(3, "GET /state", &json!([member("$1", json!({}))]));
        ledger.record(4, "GET /event", &missing_key);
        assert_eq!(ledger.conflicts[0].key, "state_key");
        assert_eq!(ledger.conflicts[0].then.2, "nothing");
    }
}
