//! The values `${name}` stands for while a case runs, and how they are rendered into each context.

use std::collections::BTreeMap;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::Value;

use crate::case::template::{render_str, render_value, text_of};
use crate::matcher::escape;

/// Characters left as they are in a path segment: unreserved ones and the sigils of Matrix ids.
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'@')
    .remove(b':')
    .remove(b'!')
    .remove(b'$');

/// Variables of one running case: actors' user ids, `server`, and saved values.
#[derive(Debug, Default, Clone)]
pub struct Vars {
    values: BTreeMap<String, Value>,
}

impl Vars {
    /// Sets `name` to `value`.
    pub fn set(&mut self, name: &str, value: Value) {
        self.values.insert(name.to_string(), value);
    }

    /// The value of `name`.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.values.get(name)
    }

    /// A JSON template rendered with these values.
    pub fn value(&self, template: &Value) -> Value {
        render_value(template, &|name| self.get(name).cloned())
    }

    /// A text template rendered with these values.
    pub fn text(&self, template: &str) -> String {
        render_str(template, &|name| self.get(name).map(text_of))
    }

    /// A URL path template, with each value percent-encoded as a path segment.
    pub fn path(&self, template: &str) -> String {
        render_str(template, &|name| {
            self.get(name)
                .map(|v| utf8_percent_encode(&text_of(v), PATH_SEGMENT).to_string())
        })
    }

    /// A JSON pointer template, with each value escaped as a reference token.
    pub fn pointer(&self, template: &str) -> String {
        render_str(template, &|name| {
            self.get(name).map(|v| escape(&text_of(v)))
        })
    }
}

/// A query-string value, percent-encoded.
pub fn query_value(value: &str) -> String {
    utf8_percent_encode(value, NON_ALPHANUMERIC).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn each_context_gets_its_own_escaping() {
        let mut vars = Vars::default();
        vars.set("bob", json!("@bob:hs"));
        vars.set("odd", json!("a/b c"));
        assert_eq!(
            vars.path("/user/${bob}/x/${odd}"),
            "/user/@bob:hs/x/a%2Fb%20c"
        );
        assert_eq!(vars.pointer("/rooms/${odd}"), "/rooms/a~1b c");
        assert_eq!(vars.text("${odd}"), "a/b c");
    }
}
