//! The `shuffled-order` variant: what JSON leaves unordered comes in a random order in every
//! answer. The keys of every object are permuted, and so are the elements of the arrays the
//! specification does not order (state lists, stripped state, account data events, the rooms of
//! `/joined_rooms` and of `m.direct`); timelines keep their order.

use rand::seq::SliceRandom;
use serde_json::{Map, Value};

/// Where the unordered arrays of a `/sync` answer are, as pointers in which `*` stands for every
/// element of an array or every value of an object.
const SYNC_UNORDERED: &[&str] = &[
    "/rooms/*/*/state/events",
    "/rooms/*/*/account_data/events",
    "/rooms/invite/*/invite_state/events",
    "/rooms/knock/*/knock_state/events",
    "/account_data/events",
];

/// The key of the stripped state an invite event carries in `unsigned`; unordered wherever it is.
const INVITE_ROOM_STATE: &str = "invite_room_state";

/// The event type whose content maps users to unordered lists of rooms.
const DIRECT: &str = "m.direct";

/// `body` as the answer to `path` (matched by the route `pattern`) comes with its order shuffled.
pub fn shuffled(pattern: &str, path: &str, mut body: Value) -> Value {
    let mut rng = rand::rng();
    for pointer in unordered_arrays(pattern, path) {
        shuffle_at(&mut body, pointer, &mut rng);
    }
    if pattern == "sync" {
        shuffle_direct_events(&mut body, &mut rng);
    }
    permute(body, &mut rng)
}

/// The pointers of the unordered arrays in the answer to `path`, served by the route `pattern`.
fn unordered_arrays(pattern: &str, path: &str) -> &'static [&'static str] {
    match pattern {
        "sync" => SYNC_UNORDERED,
        "rooms/{}/state" => &[""],
        "joined_rooms" => &["/joined_rooms"],
        "rooms/{}/members" => &["/chunk"],
        "rooms/{}/context/{}" => &["/state"],
        "user/{}/account_data/{}" if path.ends_with(&format!("/{DIRECT}")) => &["/*"],
        _ => &[],
    }
}

/// Shuffles every array at `pointer` in `value`, `*` segments standing for every element or value.
fn shuffle_at(value: &mut Value, pointer: &str, rng: &mut impl rand::Rng) {
    let Some(rest) = pointer.strip_prefix('/') else {
        if let Value::Array(items) = value {
            items.shuffle(rng);
        }
        return;
    };
    let (segment, tail) = rest.find('/').map_or((rest, ""), |at| rest.split_at(at));
    let children: Vec<&mut Value> = match (segment, value) {
        ("*", Value::Array(items)) => items.iter_mut().collect(),
        ("*", Value::Object(map)) => map.values_mut().collect(),
        (key, Value::Object(map)) => map.get_mut(key).into_iter().collect(),
        _ => Vec::new(),
    };
    for child in children {
        shuffle_at(child, tail, rng);
    }
}

/// Shuffles the room lists of every `m.direct` event in the top-level `account_data` of `/sync`.
fn shuffle_direct_events(body: &mut Value, rng: &mut impl rand::Rng) {
    let Some(Value::Array(events)) = body.pointer_mut("/account_data/events") else {
        return;
    };
    for event in events.iter_mut().filter(|event| event["type"] == DIRECT) {
        shuffle_at(event, "/content/*", rng);
    }
}

/// `value` with the keys of every object in a random order, and every `invite_room_state` shuffled.
fn permute(value: Value, rng: &mut impl rand::Rng) -> Value {
    match value {
        Value::Array(items) => Value::Array(items.into_iter().map(|i| permute(i, rng)).collect()),
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.shuffle(rng);
            let mut out = Map::new();
            for (key, item) in entries {
                let mut item = permute(item, rng);
                if key == INVITE_ROOM_STATE
                    && let Value::Array(items) = &mut item
                {
                    items.shuffle(rng);
                }
                out.insert(key, item);
            }
            Value::Object(out)
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::shuffled;

    /// The keys of an object, in the order they come.
    fn keys(value: &Value) -> Vec<String> {
        value
            .as_object()
            .map_or_else(Vec::new, |m| m.keys().cloned().collect())
    }

    /// Whether `produce` gives more than one answer in 20 tries.
    fn varies(produce: impl Fn() -> Value) -> bool {
        let first = produce().to_string();
        (0..20)
            .map(|_| produce().to_string())
            .any(|text| text != first)
    }

    #[test]
    fn keys_and_direct_room_lists_come_in_other_orders_but_the_same_content() {
        // Proves an m.direct answer is permuted in keys and room lists, and equal as a value.
        let direct = json!({"@a:x": ["!1:x", "!2:x", "!3:x"], "@b:x": [], "@c:x": [], "@d:x": []});
        let path = "/_matrix/client/v3/user/%40a%3Ax/account_data/m.direct";
        let answer = || shuffled("user/{}/account_data/{}", path, direct.clone());
        assert!(varies(|| json!(keys(&answer()))));
        assert!(varies(|| answer()["@a:x"].clone()));
        let mut rooms: Vec<Value> = answer()["@a:x"].as_array().cloned().unwrap_or_default();
        rooms.sort_by_key(Value::to_string);
        assert_eq!(
            rooms,
            direct["@a:x"].as_array().cloned().unwrap_or_default()
        );
    }

    #[test]
    fn timelines_keep_their_order_and_state_lists_do_not() {
        // Proves the shuffle tells the ordered timeline from the unordered state list of /sync.
        let events: Vec<Value> = (0..6).map(|n| json!({"n": n})).collect();
        let room = json!({"timeline": {"events": events}, "state": {"events": events}});
        let body = json!({"rooms": {"join": {"!r:x": room}}});
        let answer = || shuffled("sync", "/_matrix/client/v3/sync", body.clone());
        assert!(
            (0..20)
                .all(|_| answer()["rooms"]["join"]["!r:x"]["timeline"]["events"] == json!(events))
        );
        assert!(varies(|| {
            answer()["rooms"]["join"]["!r:x"]["state"]["events"].clone()
        }));
    }

    #[test]
    fn other_account_data_keeps_its_arrays() {
        // Proves only m.direct content counts as room lists: other account data arrays keep their order.
        let content = json!({"list": [1, 2, 3, 4, 5, 6]});
        let path = "/_matrix/client/v3/user/%40a%3Ax/account_data/org.example";
        let answer = || shuffled("user/{}/account_data/{}", path, content.clone());
        assert!((0..20).all(|_| answer() == content && answer()["list"] == content["list"]));
    }
}
