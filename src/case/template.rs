//! `${name}` placeholders in paths, bodies and expectations.

use serde_json::Value;

/// A `${name}` reference found in a template string, with its byte offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// The variable's name, without `${` and `}`.
    pub name: String,
    /// Byte offset of `$` within the string.
    pub offset: usize,
}

/// Every `${name}` in `text`, in order. An unterminated `${` is not a reference.
pub fn references(text: &str) -> Vec<Reference> {
    let mut found = Vec::new();
    let mut rest = text;
    let mut base = 0;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else { break };
        found.push(Reference {
            name: after[..end].to_string(),
            offset: base + start,
        });
        let consumed = start + 2 + end + 1;
        base += consumed;
        rest = &rest[consumed..];
    }
    found
}

/// Every `${name}` in the strings and object keys of a JSON value, in document order.
pub fn value_references(value: &Value) -> Vec<Reference> {
    let mut found = Vec::new();
    collect(value, &mut found);
    found
}

fn collect(value: &Value, found: &mut Vec<Reference>) {
    match value {
        Value::String(s) => found.extend(references(s)),
        Value::Array(items) => items.iter().for_each(|item| collect(item, found)),
        Value::Object(map) => {
            for (key, item) in map {
                found.extend(references(key));
                collect(item, found);
            }
        }
        _ => {}
    }
}

/// Replaces every `${name}` in `text` using `lookup`; a name `lookup` does not know is left as written.
pub fn render_str(text: &str, lookup: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for reference in references(text) {
        out.push_str(&text[last..reference.offset]);
        let end = reference.offset + reference.name.len() + 3;
        match lookup(&reference.name) {
            Some(value) => out.push_str(&value),
            None => out.push_str(&text[reference.offset..end]),
        }
        last = end;
    }
    out.push_str(&text[last..]);
    out
}

/// Renders a JSON template: a string that is exactly `${name}` becomes the variable's JSON value,
/// other strings and all object keys are interpolated as text.
pub fn render_value(value: &Value, lookup: &dyn Fn(&str) -> Option<Value>) -> Value {
    let as_text = |name: &str| lookup(name).map(|v| text_of(&v));
    match value {
        Value::String(s) => {
            let refs = references(s);
            if let [only] = refs.as_slice()
                && only.offset == 0
                && only.name.len() + 3 == s.len()
                && let Some(v) = lookup(&only.name)
            {
                return v;
            }
            Value::String(render_str(s, &as_text))
        }
        Value::Array(items) => {
            Value::Array(items.iter().map(|i| render_value(i, lookup)).collect())
        }
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (render_str(k, &as_text), render_value(v, lookup)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The text a value takes when interpolated into a string: strings bare, anything else as JSON.
pub fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn vars(name: &str) -> Option<Value> {
        match name {
            "bob" => Some(json!("@bob:hs")),
            "n" => Some(json!(3)),
            _ => None,
        }
    }

    #[test]
    fn finds_references_with_offsets() {
        let refs = references("/rooms/${room}/state/m.room.member/${bob}");
        let names: Vec<_> = refs.iter().map(|r| (r.name.as_str(), r.offset)).collect();
        assert_eq!(names, vec![("room", 7), ("bob", 35)]);
        assert!(references("no ${ end").is_empty());
    }

    #[test]
    fn whole_string_reference_keeps_the_json_type() {
        let rendered = render_value(
            &json!({"count": "${n}", "who": "user ${bob}", "${bob}": ["${bob}"]}),
            &vars,
        );
        assert_eq!(
            rendered,
            json!({"count": 3, "who": "user @bob:hs", "@bob:hs": ["@bob:hs"]})
        );
    }

    #[test]
    fn unknown_names_stay_as_written() {
        let lookup = |name: &str| vars(name).map(|v| text_of(&v));
        assert_eq!(render_str("${bob}/${nope}", &lookup), "@bob:hs/${nope}");
    }
}
