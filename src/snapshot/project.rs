//! The projection of a response a snapshot keeps: a selected part, chosen elements, chosen fields.

use serde_json::{Map, Value};

use super::normalise::identity_free_key;
use crate::matcher::{ArrayMatch, is_contained};

/// Projects `body`: the value at `select` (a rendered JSON pointer), the array elements containing
/// `filter`, and from each object only `fields` (dotted paths). Arrays come out in a server-independent
/// order, since servers may order events differently; an event delivered twice (the same `event_id`,
/// as a server's timeline batching may do) is kept once.
pub fn project(
    body: &Value,
    select: Option<&str>,
    filter: Option<&Value>,
    fields: &[String],
) -> Result<Value, String> {
    let selected = match select {
        Some(pointer) => body
            .pointer(pointer)
            .ok_or_else(|| format!("the response has nothing at {pointer}"))?,
        None => body,
    };
    Ok(match selected {
        Value::Array(items) => {
            let mut seen: Vec<&Value> = Vec::new();
            let mut kept: Vec<Value> = items
                .iter()
                .filter(|item| match item.get("event_id") {
                    Some(id) if seen.contains(&id) => false,
                    Some(id) => {
                        seen.push(id);
                        true
                    }
                    None => true,
                })
                .filter(|item| filter.is_none_or(|f| is_contained(item, f, ArrayMatch::Contains)))
                .map(|item| pick(item, fields))
                .collect();
            kept.sort_by_cached_key(identity_free_key);
            Value::Array(kept)
        }
        other => pick(other, fields),
    })
}

/// Only the dotted `fields` of `value` (all of it when `fields` is empty); absent fields stay absent.
fn pick(value: &Value, fields: &[String]) -> Value {
    if fields.is_empty() {
        return value.clone();
    }
    let mut out = Value::Object(Map::new());
    for field in fields {
        let path: Vec<&str> = field.split('.').collect();
        if let Some(found) = path.iter().try_fold(value, |v, key| v.get(key)) {
            insert(&mut out, &path, found.clone());
        }
    }
    out
}

fn insert(target: &mut Value, path: &[&str], value: Value) {
    let Value::Object(map) = target else { return };
    match path {
        [] => {}
        [last] => {
            map.insert(last.to_string(), value);
        }
        [first, rest @ ..] => {
            let child = map
                .entry(first.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            insert(child, rest, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn selects_filters_and_picks_fields() {
        let body = json!({"rooms": {"events": [
            {"type": "m.room.member", "state_key": "@b:hs", "sender": "@a:hs", "content": {"membership": "invite", "is_direct": true, "displayname": "b"}},
            {"type": "m.room.create", "state_key": "", "content": {}}
        ]}});
        let projected = project(
            &body,
            Some("/rooms/events"),
            Some(&json!({"type": "m.room.member"})),
            &[
                "type".into(),
                "content.membership".into(),
                "content.is_direct".into(),
                "content.absent".into(),
            ],
        )
        .unwrap();
        assert_eq!(
            projected,
            json!([{"type": "m.room.member", "content": {"membership": "invite", "is_direct": true}}])
        );
    }

    #[test]
    fn an_event_delivered_twice_is_kept_once() {
        let body = json!({"events": [
            {"event_id": "$a", "type": "m.room.member", "unsigned": {"age": 1}},
            {"event_id": "$b", "type": "m.room.member"},
            {"event_id": "$a", "type": "m.room.member", "unsigned": {"age": 2}},
        ]});
        let projected = project(&body, Some("/events"), None, &["type".to_string()]).unwrap();
        assert_eq!(
            projected,
            json!([{"type": "m.room.member"}, {"type": "m.room.member"}])
        );
    }

    #[test]
    fn missing_selection_is_an_error_and_order_does_not_matter() {
        assert!(project(&json!({}), Some("/x"), None, &[]).is_err());
        let a = project(&json!([{"t": "b"}, {"t": "a"}]), None, None, &[]).unwrap();
        let b = project(&json!([{"t": "a"}, {"t": "b"}]), None, None, &[]).unwrap();
        assert_eq!(a, b);
    }
}
