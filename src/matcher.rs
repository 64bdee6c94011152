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
    fn scalars_compare_by_type_and_value() {
        assert!(!is_contained(
            &json!("true"),
            &json!(true),
            ArrayMatch::Contains
        ));
        assert!(!is_contained(&json!(1), &json!(1.5), ArrayMatch::Contains));
    }
}
