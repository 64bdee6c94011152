//! One incoming request as a handler sees it: decoded path parameters, query parameters
//! and the JSON body.

use serde_json::{Map, Value};
use wiremock::Request;

use super::error::ApiError;

/// A request matched to an endpoint.
pub struct Call<'a> {
    /// The raw request.
    pub request: &'a Request,
    params: Vec<String>,
}

impl<'a> Call<'a> {
    /// Wraps a request with its percent-decoded path parameters.
    pub fn new(request: &'a Request, params: Vec<String>) -> Call<'a> {
        Call { request, params }
    }

    /// The `index`-th path parameter (the `{}` placeholders of the route, in order).
    pub fn param(&self, index: usize) -> &str {
        self.params.get(index).map_or("", String::as_str)
    }

    /// The first value of query parameter `name`.
    pub fn query(&self, name: &str) -> Option<String> {
        self.request
            .url
            .query_pairs()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.into_owned())
    }

    /// The body as a JSON object: 400 `M_NOT_JSON` if it is not JSON, 400 `M_BAD_JSON`
    /// if it is JSON but not an object.
    pub fn json_object(&self) -> Result<Map<String, Value>, ApiError> {
        match serde_json::from_slice::<Value>(&self.request.body) {
            Ok(Value::Object(object)) => Ok(object),
            Ok(_) => Err(ApiError::bad_json("Content must be a JSON object.")),
            Err(_) => Err(ApiError::not_json("Content not JSON.")),
        }
    }

    /// Like [`Call::json_object`], but an empty body counts as `{}`.
    pub fn json_object_or_empty(&self) -> Result<Map<String, Value>, ApiError> {
        if self.request.body.is_empty() {
            Ok(Map::new())
        } else {
            self.json_object()
        }
    }
}

/// Decodes `%XX` escapes in a path segment; `None` if an escape is malformed or the
/// result is not UTF-8.
pub fn percent_decode(segment: &str) -> Option<String> {
    let bytes = segment.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let hex = bytes.get(index + 1..index + 3)?;
            let text = std::str::from_utf8(hex).ok()?;
            decoded.push(u8::from_str_radix(text, 16).ok()?);
            index += 3;
        } else {
            decoded.push(bytes[index]);
            index += 1;
        }
    }
    String::from_utf8(decoded).ok()
}

/// A string field of a JSON object: `Ok(None)` when absent, 400 `M_BAD_JSON` when
/// present but not a string.
pub fn optional_string<'b>(
    object: &'b Map<String, Value>,
    key: &str,
) -> Result<Option<&'b str>, ApiError> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(_) => Err(ApiError::bad_json(format!("'{key}' must be a string"))),
    }
}

#[cfg(test)]
mod tests {
    use super::percent_decode;

    #[test]
    fn percent_escapes_are_decoded() {
        assert_eq!(
            percent_decode("%40bob%3Aserver").as_deref(),
            Some("@bob:server")
        );
        assert_eq!(
            percent_decode("%21room%3aserver").as_deref(),
            Some("!room:server")
        );
        assert_eq!(percent_decode("plain").as_deref(), Some("plain"));
        assert_eq!(percent_decode("bad%2"), None);
        assert_eq!(percent_decode("bad%zz"), None);
        assert_eq!(percent_decode("%ff"), None);
    }
}
