//! The projection of a response a snapshot keeps: a selected part, chosen elements, chosen fields.

use serde_json::{Map, Value};

use crate::matcher::{ArrayMatch, canonical, is_contained};

/// Projects `body`: the value at `select` (a rendered JSON pointer), the array elements containing
/// `filter`, and from each object only `fields` (dotted paths). An event delivered twice (the same
/// `event_id`, as a server's timeline batching may do) is kept once; [`arranged`] puts the
/// projection, once normalised, in a server-independent order.
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
            let kept: Vec<Value> = items
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
            Value::Array(kept)
        }
        other => pick(other, fields),
    })
}

/// The normalised `projection` in the order it is compared in: keys sorted, a selected array's
/// elements sorted (servers may order events differently), and so the arrays at the `unordered`
/// pointer templates of the snapshot.
pub fn arranged(projection: &Value, unordered: &[String]) -> Value {
    let mut pointers = unordered.to_vec();
    if projection.is_array() {
        pointers.push(String::new());
    }
    canonical(projection, &pointers)
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
        assert_eq!(arranged(&a, &[]), arranged(&b, &[]));
    }

    #[test]
    fn arranged_sorts_the_unordered_arrays_of_an_object_and_its_keys() {
        // Proves a snapshot of m.direct content reads the same text whatever the order of its keys and room lists.
        let a = json!({"@c:[server]": ["[room:2]"], "@b:[server]": ["[room:3]", "[room:1]"]});
        let b = json!({"@b:[server]": ["[room:1]", "[room:3]"], "@c:[server]": ["[room:2]"]});
        let unordered = ["/*".to_string()];
        assert_eq!(
            arranged(&a, &unordered).to_string(),
            arranged(&b, &unordered).to_string()
        );
        assert_ne!(arranged(&a, &[]), arranged(&b, &[]));
    }
}
