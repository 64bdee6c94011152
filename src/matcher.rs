//! JSON matchers: does an actual value contain an expected one? Policy lives with the callers.

use std::fmt;

use serde::Deserialize;
use serde_json::Value;

/// How arrays inside an expected value are matched.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ArrayMatch {
    /// Every expected element matches some actual element.
    #[default]
    Contains,
    /// Same length, and each element matches the one at the same index.
    Ordered,
}

/// Where and how an actual value departs from the expected one.
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    /// JSON pointer to the place of the difference.
    pub pointer: String,
    /// What was expected there.
    pub expected: String,
    /// What was found there.
    pub found: String,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = if self.pointer.is_empty() {
            "the top level"
        } else {
            &self.pointer
        };
        write!(
            f,
            "at {at}: expected {}, found {}",
            self.expected, self.found
        )
    }
}

/// Checks that `actual` contains `expected`: objects by subset, arrays per `arrays`, scalars by equality.
pub fn contains(actual: &Value, expected: &Value, arrays: ArrayMatch) -> Result<(), Mismatch> {
    walk(actual, expected, arrays, String::new())
}

/// True when `actual` contains `expected`.
pub fn is_contained(actual: &Value, expected: &Value, arrays: ArrayMatch) -> bool {
    contains(actual, expected, arrays).is_ok()
}

fn mismatch(pointer: &str, expected: impl Into<String>, found: &Value) -> Mismatch {
    Mismatch {
        pointer: pointer.to_string(),
        expected: expected.into(),
        found: short(found),
    }
}

fn walk(
    actual: &Value,
    expected: &Value,
    arrays: ArrayMatch,
    pointer: String,
) -> Result<(), Mismatch> {
    match (expected, actual) {
        (Value::Object(want), Value::Object(have)) => {
            for (key, want_value) in want {
                let here = format!("{pointer}/{}", escape(key));
                match have.get(key) {
                    Some(have_value) => walk(have_value, want_value, arrays, here)?,
                    None => {
                        return Err(Mismatch {
                            pointer: here,
                            expected: short(want_value),
                            found: "nothing (key absent)".into(),
                        });
                    }
                }
            }
            Ok(())
        }
        (Value::Array(want), Value::Array(have)) => match arrays {
            ArrayMatch::Ordered => {
                if want.len() != have.len() {
                    return Err(mismatch(
                        &pointer,
                        format!("an array of {} elements", want.len()),
                        actual,
                    ));
                }
                for (i, (w, h)) in want.iter().zip(have).enumerate() {
                    walk(h, w, arrays, format!("{pointer}/{i}"))?;
                }
                Ok(())
            }
            ArrayMatch::Contains => {
                for w in want {
                    if !have
                        .iter()
                        .any(|h| walk(h, w, arrays, String::new()).is_ok())
                    {
                        return Err(mismatch(
                            &pointer,
                            format!("an element containing {}", short(w)),
                            actual,
                        ));
                    }
                }
                Ok(())
            }
        },
        (want, have) if want == have => Ok(()),
        (want, have) => Err(mismatch(&pointer, short(want), have)),
    }
}

/// `key` as a JSON pointer reference token (RFC 6901: `~` → `~0`, `/` → `~1`).
pub fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// The value at a JSON pointer in which a `*` segment stands for every element of an array (or
/// every value of an object): `/events/*/type` is the list of the events' types. `None` when a
/// plain segment does not resolve; elements where the rest does not resolve are left out.
pub fn select(value: &Value, pointer: &str) -> Option<Value> {
    let Some((head, rest)) = pointer.split_once("/*") else {
        return value.pointer(pointer).cloned();
    };
    if !(rest.is_empty() || rest.starts_with('/')) {
        return value.pointer(pointer).cloned();
    }
    let items: Vec<&Value> = match value.pointer(head)? {
        Value::Array(items) => items.iter().collect(),
        Value::Object(map) => map.values().collect(),
        _ => return None,
    };
    Some(Value::Array(
        items
            .into_iter()
            .filter_map(|item| select(item, rest))
            .collect(),
    ))
}

/// `value` with the keys of every object in sorted order, for text that does not depend on key order.
pub fn sorted_keys(value: &Value) -> Value {
    match value {
        Value::Array(items) => Value::Array(items.iter().map(sorted_keys).collect()),
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(key, item)| (key.clone(), sorted_keys(item)))
                    .collect(),
            )
        }
        other => other.clone(),
    }
}

/// `value` in a form that does not depend on order where order carries no meaning: keys sorted,
/// and each array at one of the `unordered` pointers (`*` segments as in [`select`]) sorted by the
/// text of its elements, so two values equal as multisets there come out equal.
pub fn canonical(value: &Value, unordered: &[String]) -> Value {
    let mut pointers: Vec<&String> = unordered.iter().collect();
    pointers.sort_by_key(|pointer| std::cmp::Reverse(pointer.matches('/').count()));
    let mut out = value.clone();
    for pointer in pointers {
        sort_arrays_at(&mut out, pointer);
    }
    sorted_keys(&out)
}

/// Sorts every array at `pointer` in `value` by the key-sorted text of its elements.
fn sort_arrays_at(value: &mut Value, pointer: &str) {
    let Some(rest) = pointer.strip_prefix('/') else {
        if let Value::Array(items) = value {
            items.sort_by_cached_key(|item| sorted_keys(item).to_string());
        }
        return;
    };
    let (segment, tail) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    match value {
        Value::Array(items) if segment == "*" => {
            items.iter_mut().for_each(|item| sort_arrays_at(item, tail));
        }
        Value::Array(items) => {
            if let Some(item) = segment.parse::<usize>().ok().and_then(|i| items.get_mut(i)) {
                sort_arrays_at(item, tail);
            }
        }
        Value::Object(map) if segment == "*" => {
            map.values_mut().for_each(|item| sort_arrays_at(item, tail));
        }
        Value::Object(map) => {
            if let Some(item) = map.get_mut(&unescape(segment)) {
                sort_arrays_at(item, tail);
            }
        }
        _ => {}
    }
}

/// A JSON pointer reference token as the key it stands for (RFC 6901: `~1` → `/`, `~0` → `~`).
fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// A compact rendering of a value, cut to a readable length.
pub fn short(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 300 {
        format!("{}…", text.chars().take(300).collect::<String>())
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn select_maps_star_segments_over_arrays() {
        let v = serde_json::json!({"events": [{"type": "a", "c": {"x": 1}}, {"type": "b"}]});
        assert_eq!(
            select(&v, "/events/*/type"),
            Some(serde_json::json!(["a", "b"]))
        );
        assert_eq!(select(&v, "/events/*/c/x"), Some(serde_json::json!([1])));
        assert_eq!(select(&v, "/events/0/type"), Some(serde_json::json!("a")));
        assert_eq!(select(&v, "/nothing/*/type"), None);
        assert_eq!(select(&v, "/events/*x"), None);
    }
    use serde_json::json;

    #[test]
    fn objects_match_by_subset() {
        let actual = json!({"membership": "invite", "is_direct": true, "displayname": "bob"});
        assert!(is_contained(
            &actual,
            &json!({"membership": "invite", "is_direct": true}),
            ArrayMatch::Contains
        ));
        let err =
            contains(&actual, &json!({"is_direct": false}), ArrayMatch::Contains).unwrap_err();
        assert_eq!(err.pointer, "/is_direct");
        assert_eq!(err.found, "true");
    }

    #[test]
    fn absent_key_is_reported_as_absent() {
        let err = contains(
            &json!({}),
            &json!({"is_direct": true}),
            ArrayMatch::Contains,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "at /is_direct: expected true, found nothing (key absent)"
        );
    }

    #[test]
    fn arrays_match_by_contains_or_in_order() {
        let actual = json!([{"type": "a"}, {"type": "b", "x": 1}]);
        assert!(is_contained(
            &actual,
            &json!([{"type": "b"}]),
            ArrayMatch::Contains
        ));
        assert!(!is_contained(
            &actual,
            &json!([{"type": "b"}]),
            ArrayMatch::Ordered
        ));
        assert!(is_contained(
            &actual,
            &json!([{"type": "a"}, {"x": 1}]),
            ArrayMatch::Ordered
        ));
        assert!(!is_contained(
            &actual,
            &json!([{"type": "c"}]),
            ArrayMatch::Contains
        ));
    }

    #[test]
    fn canonical_sorts_keys_and_the_arrays_it_is_told_of_only() {
        // Proves unordered arrays compare as multisets and keys never matter, while other arrays keep their order.
        let a =
            json!({"@b:x": ["!2:x", "!1:x"], "@c:x": [{"k": 1, "j": 2}, {"j": 0}], "n": [2, 1]});
        let b =
            json!({"n": [2, 1], "@c:x": [{"j": 0}, {"j": 2, "k": 1}], "@b:x": ["!1:x", "!2:x"]});
        let unordered = ["/*".to_string()];
        assert_eq!(
            canonical(&a, &unordered).to_string(),
            canonical(&b, &unordered).to_string()
        );
        let other =
            json!({"n": [1, 2], "@c:x": [{"j": 0}, {"j": 2, "k": 1}], "@b:x": ["!1:x", "!2:x"]});
        assert_ne!(
            canonical(&a, &["/@b:x".into(), "/@c:x".into()]),
            canonical(&other, &unordered)
        );
        assert_ne!(canonical(&a, &[]), canonical(&b, &[]));
    }

    #[test]
    fn canonical_sorts_nested_arrays_inside_unordered_ones() {
        // Proves deeper pointers are sorted before the arrays holding them, so nesting does not defeat the sort.
        let a = json!({"l": [{"r": [2, 1]}, {"r": [0]}]});
        let b = json!({"l": [{"r": [0]}, {"r": [1, 2]}]});
        let unordered = ["/l".to_string(), "/l/*/r".to_string()];
        assert_eq!(canonical(&a, &unordered), canonical(&b, &unordered));
        assert_ne!(
            canonical(&a, &unordered[..1]),
            canonical(&b, &unordered[..1])
        );
    }

    #[test]
    fn scalars_compare_by_type_and_value() {
        assert!(!is_contained(
            &json!("true"),
            &json!(true),
            ArrayMatch::Contains
        ));
        assert!(!is_contained(&json!(1), &json!(1.5), ArrayMatch::Contains));
    }
}
