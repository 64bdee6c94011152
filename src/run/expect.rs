//! Checking a response against a step's `expect` block: the assertion policy over the matchers.

use serde_json::Value;

use super::vars::Vars;
use crate::case::Expect;
use crate::case::model::Every;
use crate::case::model::JsonType;
use crate::matcher::{ArrayMatch, Mismatch, canonical, contains, short};
use crate::server::Response;
use crate::verdict::Problem;

/// Every expectation of `expect` that `response` breaks; empty when all hold.
///
/// Without an explicit `status`, any 2xx status is expected.
pub fn problems(expect: &Expect, response: &Response, vars: &Vars) -> Vec<Problem> {
    let mut found = Vec::new();
    if let Some(guard) = &expect.if_present
        && response.body.pointer(&vars.pointer(guard)).is_none()
    {
        return found;
    }
    match &expect.status {
        Some(status) if !status.accepts(response.status) => found.push(Problem::Status {
            expected: status.to_string(),
            found: response.status,
        }),
        None if !(200..300).contains(&response.status) => found.push(Problem::Status {
            expected: "a 2xx status".into(),
            found: response.status,
        }),
        _ => {}
    }
    for pointer in &expect.present {
        let pointer = vars.pointer(pointer);
        if response.body.pointer(&pointer).is_none() {
            found.push(body(&pointer, "something", "nothing".into()));
        }
    }
    for (pointer, required) in &expect.required_keys {
        let pointer = vars.pointer(pointer);
        match response.body.pointer(&pointer) {
            Some(value) => {
                found.extend(missing_keys(value, required).into_iter().map(|(at, key)| {
                    body(
                        &format!("{pointer}{at}"),
                        &format!("the keys {}", required.join(", ")),
                        format!("no `{key}`"),
                    )
                }))
            }
            None => found.push(body(&pointer, "an object or array", "nothing".into())),
        }
    }
    if let Some(every) = &expect.every {
        found.extend(every_problems(every, &response.body, vars));
    }
    if !expect.errcode.is_empty() {
        let errcode = response.body.get("errcode").and_then(Value::as_str);
        if !errcode.is_some_and(|code| expect.errcode.iter().any(|e| e == code)) {
            found.push(Problem::Errcode {
                expected: expect.errcode.clone(),
                found: errcode.map(str::to_string),
            });
        }
    }
    if let Some(wanted) = &expect.body
        && let Err(mismatch) = contains(&response.body, &vars.value(wanted), expect.arrays)
    {
        found.push(from_mismatch("", mismatch));
    }
    if let Some(exact) = &expect.exact {
        found.extend(exact_problem(
            exact,
            &expect.unordered,
            &response.body,
            vars,
        ));
    }
    if let Some(excludes) = &expect.excludes {
        let excludes = vars.value(excludes);
        if contains(&response.body, &excludes, ArrayMatch::Contains).is_ok() {
            found.push(body(
                "",
                &format!("not to contain {}", short(&excludes)),
                "it does".into(),
            ));
        }
    }
    for pointer in &expect.absent {
        let pointer = vars.pointer(pointer);
        if let Some(value) = response.body.pointer(&pointer) {
            found.push(body(&pointer, "nothing", short(value)));
        }
    }
    for (pointer, wanted) in &expect.types {
        let pointer = vars.pointer(pointer);
        if let Some(value) = response.body.pointer(&pointer)
            && JsonType::of(value) != *wanted
        {
            found.push(body(
                &pointer,
                &format!("a value of type {wanted:?} where present"),
                short(value),
            ));
        }
    }
    for (pointer, allowed) in &expect.only_keys {
        let pointer = vars.pointer(pointer);
        match response.body.pointer(&pointer) {
            Some(value) => found.extend(extra_keys(value, allowed).into_iter().map(|(at, key)| {
                body(
                    &format!("{pointer}{at}"),
                    &format!("only the keys {}", allowed.join(", ")),
                    format!("`{key}` as well"),
                )
            })),
            None => found.push(body(&pointer, "an object or array", "nothing".into())),
        }
    }
    found
}

/// How `answer` departs from `exact`, where the arrays at the `unordered` pointer templates may
/// come in any order; both sides are shown with sorted keys and those arrays sorted.
fn exact_problem(
    exact: &Value,
    unordered: &[String],
    answer: &Value,
    vars: &Vars,
) -> Option<Problem> {
    let unordered: Vec<String> = unordered.iter().map(|p| vars.pointer(p)).collect();
    let wanted = canonical(&vars.value(exact), &unordered);
    let found = canonical(answer, &unordered);
    if wanted == found {
        return None;
    }
    let in_any_order = if unordered.is_empty() {
        String::new()
    } else {
        format!(" (the arrays at {} in any order)", unordered.join(", "))
    };
    Some(body(
        "",
        &format!("exactly {}{in_any_order}", short(&wanted)),
        short(&found),
    ))
}

/// Where an `every` rule breaks: each picked element that does not contain the required subset.
fn every_problems(every: &Every, answer: &Value, vars: &Vars) -> Vec<Problem> {
    let at = vars.pointer(&every.at);
    let filter = every.filter.as_ref().map(|f| vars.value(f));
    let wanted = vars.value(&every.contains);
    let items = match answer.pointer(&at) {
        Some(Value::Array(items)) => items,
        Some(other) => return vec![body(&at, "an array", short(other))],
        None => return vec![body(&at, "an array", "nothing".into())],
    };
    items
        .iter()
        .enumerate()
        .filter(|(_, item)| {
            filter
                .as_ref()
                .is_none_or(|f| contains(item, f, ArrayMatch::Contains).is_ok())
        })
        .filter_map(|(i, item)| {
            contains(item, &wanted, ArrayMatch::Contains)
                .err()
                .map(|mismatch| from_mismatch(&format!("{at}/{i}"), mismatch))
        })
        .collect()
}

/// A body problem at `pointer`.
fn body(pointer: &str, expected: &str, found: String) -> Problem {
    Problem::Body {
        pointer: pointer.to_string(),
        expected: expected.to_string(),
        found,
    }
}

/// A body problem from a matcher's mismatch inside the value at `base`.
fn from_mismatch(base: &str, mismatch: Mismatch) -> Problem {
    Problem::Body {
        pointer: format!("{base}{}", mismatch.pointer),
        expected: mismatch.expected,
        found: mismatch.found,
    }
}

/// The object `value`, or each object of the array `value`, with its index as a pointer suffix.
fn objects(value: &Value) -> Vec<(String, &serde_json::Map<String, Value>)> {
    let items: Vec<(String, &Value)> = match value {
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| (format!("/{i}"), item))
            .collect(),
        other => vec![(String::new(), other)],
    };
    items
        .into_iter()
        .filter_map(|(at, item)| item.as_object().map(|map| (at, map)))
        .collect()
}

/// Keys of `required` missing from the object `value` (or from each object in the array `value`).
fn missing_keys(value: &Value, required: &[String]) -> Vec<(String, String)> {
    objects(value)
        .into_iter()
        .flat_map(|(at, map)| {
            required
                .iter()
                .filter(|key| !map.contains_key(*key))
                .map(move |key| (at.clone(), key.clone()))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Keys of the object `value` (or of each object in the array `value`) that are not in `allowed`,
/// with the element index as a pointer suffix.
fn extra_keys(value: &Value, allowed: &[String]) -> Vec<(String, String)> {
    objects(value)
        .into_iter()
        .flat_map(|(at, map)| {
            map.keys()
                .filter(|key| !allowed.contains(key))
                .map(move |key| (at.clone(), key.clone()))
                .collect::<Vec<_>>()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The problems as the reports print them.
    fn texts(expect: &Expect, response: &Response, vars: &Vars) -> Vec<String> {
        problems(expect, response, vars)
            .iter()
            .map(ToString::to_string)
            .collect()
    }
    use crate::case::model::Status;
    use serde_json::json;

    fn response(status: u16, body: Value) -> Response {
        Response { status, body }
    }

    #[test]
    fn all_broken_expectations_are_listed() {
        let expect = Expect {
            status: Some(Status::OneOf(vec![200])),
            errcode: vec!["M_BAD_JSON".into(), "M_NOT_JSON".into()],
            excludes: Some(json!({"is_direct": true})),
            absent: vec!["/is_direct".into()],
            ..Expect::default()
        };
        let found = texts(
            &expect,
            &response(400, json!({"is_direct": true})),
            &Vars::default(),
        );
        assert_eq!(found.len(), 4, "{found:?}");
        assert!(found[1].contains("M_BAD_JSON or M_NOT_JSON"));
    }

    #[test]
    fn only_keys_names_each_extra_key_and_where() {
        let expect = Expect {
            only_keys: vec![("/events".into(), vec!["type".into(), "content".into()])],
            ..Expect::default()
        };
        let body = json!({"events": [{"type": "a", "content": {}}, {"type": "b", "content": {}, "event_id": "$e"}]});
        let found = texts(&expect, &response(200, body), &Vars::default());
        assert_eq!(
            found,
            vec![
                "body at /events/1: expected only the keys type, content, found `event_id` as well"
            ]
        );
        assert!(
            texts(
                &expect,
                &response(200, json!({"events": [{"type": "a"}]})),
                &Vars::default()
            )
            .is_empty()
        );
        assert_eq!(
            texts(&expect, &response(200, json!({})), &Vars::default()).len(),
            1
        );
    }

    #[test]
    fn types_hold_where_the_value_is_present() {
        let expect = Expect {
            types: vec![("/is_direct".into(), JsonType::Boolean)],
            ..Expect::default()
        };
        assert!(
            texts(
                &expect,
                &response(200, json!({"is_direct": false})),
                &Vars::default()
            )
            .is_empty()
        );
        assert!(texts(&expect, &response(200, json!({})), &Vars::default()).is_empty());
        let found = texts(
            &expect,
            &response(200, json!({"is_direct": "true"})),
            &Vars::default(),
        );
        assert_eq!(
            found,
            vec![
                "body at /is_direct: expected a value of type Boolean where present, found \"true\""
            ]
        );
    }

    #[test]
    fn status_lists_and_any() {
        let of = |status| Expect {
            status: Some(status),
            ..Expect::default()
        };
        let vars = Vars::default();
        let listed = of(Status::OneOf(vec![200, 404]));
        assert!(texts(&listed, &response(404, json!({})), &vars).is_empty());
        assert_eq!(
            texts(&listed, &response(500, json!({})), &vars),
            vec!["expected status 200 or 404, got 500"]
        );
        assert!(texts(&of(Status::Any), &response(500, json!({})), &vars).is_empty());
    }

    #[test]
    fn present_and_required_keys_name_what_is_missing() {
        let expect = Expect {
            present: vec!["/errcode".into()],
            required_keys: vec![("/events".into(), vec!["type".into(), "sender".into()])],
            ..Expect::default()
        };
        let body = json!({"events": [{"type": "a", "sender": "@a:hs"}, {"type": "b"}]});
        assert_eq!(
            texts(&expect, &response(200, body), &Vars::default()),
            vec![
                "body at /errcode: expected something, found nothing",
                "body at /events/1: expected the keys type, sender, found no `sender`"
            ]
        );
    }

    #[test]
    fn every_applies_to_picked_elements_and_if_present_guards_a_block() {
        let expect = Expect {
            every: Some(Every {
                at: "/events".into(),
                filter: Some(json!({"type": "m.room.member"})),
                contains: json!({"content": {"is_direct": true}}),
            }),
            ..Expect::default()
        };
        let vars = Vars::default();
        assert_eq!(
            texts(&expect, &response(200, json!({})), &vars),
            vec!["body at /events: expected an array, found nothing"]
        );
        let none_picked = json!({"events": [{"type": "m.room.create", "content": {}}]});
        assert!(texts(&expect, &response(200, none_picked), &vars).is_empty());
        let unflagged = json!({"events": [{"type": "m.room.member", "content": {}}]});
        assert_eq!(
            texts(&expect, &response(200, unflagged.clone()), &vars).len(),
            1
        );
        let guarded = Expect {
            if_present: Some("/elsewhere".into()),
            ..expect
        };
        assert!(texts(&guarded, &response(200, unflagged), &vars).is_empty());
    }

    #[test]
    fn default_status_is_any_success() {
        let expect = Expect::default();
        assert!(texts(&expect, &response(200, json!({})), &Vars::default()).is_empty());
        assert_eq!(
            texts(&expect, &response(500, json!({})), &Vars::default()).len(),
            1
        );
    }

    #[test]
    fn exact_compares_the_whole_body_with_saved_values() {
        let mut vars = Vars::default();
        vars.set("room", json!("!r:hs"));
        let expect = Expect {
            exact: Some(json!({"@b:hs": ["${room}"]})),
            ..Expect::default()
        };
        assert!(texts(&expect, &response(200, json!({"@b:hs": ["!r:hs"]})), &vars).is_empty());
        assert_eq!(
            texts(
                &expect,
                &response(200, json!({"@b:hs": ["!r:hs"], "x": 1})),
                &vars
            )
            .len(),
            1
        );
    }

    #[test]
    fn exact_takes_the_unordered_arrays_as_multisets() {
        // Proves `unordered` makes room lists order-free but still counts and compares their elements.
        let mut vars = Vars::default();
        vars.set("bob", json!("@b:hs"));
        let expect = Expect {
            exact: Some(json!({"${bob}": ["!1:hs", "!2:hs"], "@c:hs": ["!3:hs"]})),
            unordered: vec!["/*".into()],
            ..Expect::default()
        };
        let reordered = json!({"@c:hs": ["!3:hs"], "@b:hs": ["!2:hs", "!1:hs"]});
        assert!(texts(&expect, &response(200, reordered.clone()), &vars).is_empty());
        let ordered = Expect {
            unordered: Vec::new(),
            ..expect.clone()
        };
        assert_eq!(texts(&ordered, &response(200, reordered), &vars).len(), 1);
        let twice = json!({"@c:hs": ["!3:hs"], "@b:hs": ["!2:hs", "!1:hs", "!1:hs"]});
        assert_eq!(
            texts(&expect, &response(200, twice), &vars),
            vec![
                r#"body at the top level: expected exactly {"@b:hs":["!1:hs","!2:hs"],"@c:hs":["!3:hs"]} (the arrays at /* in any order), found {"@b:hs":["!1:hs","!1:hs","!2:hs"],"@c:hs":["!3:hs"]}"#
            ]
        );
    }

    #[test]
    fn exact_never_depends_on_key_order() {
        // Proves two answers differing only in key order meet the same `exact`, with no `unordered`.
        let expect = Expect {
            exact: Some(json!({"a": 1, "b": {"c": 2, "d": 3}})),
            ..Expect::default()
        };
        let answer = json!({"b": {"d": 3, "c": 2}, "a": 1});
        assert!(texts(&expect, &response(200, answer), &Vars::default()).is_empty());
    }
}
