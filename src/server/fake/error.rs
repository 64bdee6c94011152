//! Standard Matrix error responses: `{"errcode": ..., "error": ...}` with an HTTP status.

use serde_json::{Map, Value, json};
use wiremock::ResponseTemplate;

use super::profile::Deviation;

/// An error answer: an HTTP status and its JSON body.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// HTTP status code.
    pub status: u16,
    /// JSON body, normally `{errcode, error}`.
    pub body: Value,
}

impl ApiError {
    /// An error with the standard `{errcode, error}` body.
    pub fn new(status: u16, errcode: &str, error: impl Into<String>) -> ApiError {
        ApiError {
            status,
            body: json!({ "errcode": errcode, "error": error.into() }),
        }
    }

    /// An error whose body is given whole (for example a user-interactive auth challenge).
    pub fn with_body(status: u16, body: Value) -> ApiError {
        ApiError { status, body }
    }

    /// Adds one more field to the error body.
    pub fn field(mut self, key: &str, value: Value) -> ApiError {
        if let Some(object) = self.body.as_object_mut() {
            object.insert(key.to_owned(), value);
        }
        self
    }

    /// 403 `M_FORBIDDEN`.
    pub fn forbidden(error: impl Into<String>) -> ApiError {
        ApiError::new(403, "M_FORBIDDEN", error)
    }

    /// 404 `M_NOT_FOUND`.
    pub fn not_found(error: impl Into<String>) -> ApiError {
        ApiError::new(404, "M_NOT_FOUND", error)
    }

    /// 400 `M_BAD_JSON`: JSON of the wrong shape.
    pub fn bad_json(error: impl Into<String>) -> ApiError {
        ApiError::new(400, "M_BAD_JSON", error)
    }

    /// 400 `M_NOT_JSON`: the body does not parse as JSON.
    pub fn not_json(error: impl Into<String>) -> ApiError {
        ApiError::new(400, "M_NOT_JSON", error)
    }

    /// 400 `M_INVALID_PARAM`.
    pub fn invalid_param(error: impl Into<String>) -> ApiError {
        ApiError::new(400, "M_INVALID_PARAM", error)
    }

    /// 400 `M_MISSING_PARAM`.
    pub fn missing_param(name: &str) -> ApiError {
        ApiError::new(
            400,
            "M_MISSING_PARAM",
            format!("Missing params: ['{name}']"),
        )
    }

    /// An `M_UNKNOWN` error with the given status.
    pub fn unknown(status: u16, error: impl Into<String>) -> ApiError {
        ApiError::new(status, "M_UNKNOWN", error)
    }

    /// 404 `M_UNRECOGNIZED`: no such endpoint.
    pub fn unrecognized() -> ApiError {
        ApiError::new(404, "M_UNRECOGNIZED", "Unrecognized request")
    }

    /// 405 `M_UNRECOGNIZED`: a known endpoint asked with a method it does not serve.
    pub fn method_not_allowed() -> ApiError {
        ApiError::new(405, "M_UNRECOGNIZED", "Unrecognized request")
    }

    /// The error as a server running with `deviation` words it: extra fields or other
    /// message texts in standard `{errcode, error}` bodies.
    pub fn worded_for(mut self, deviation: Option<Deviation>) -> ApiError {
        let Some(object) = self.body.as_object_mut() else {
            return self;
        };
        if !object.contains_key("errcode") {
            return self;
        }
        match deviation {
            Some(Deviation::ErrorExtraFields) => {
                object.insert("org.example.request_id".into(), json!("req-1"));
                object.insert("status".into(), json!(self.status));
            }
            Some(Deviation::ErrorOtherTexts) => {
                object.insert(
                    "error".into(),
                    json!(format!("Request refused (HTTP {})", self.status)),
                );
            }
            _ => {}
        }
        self
    }

    /// The wiremock response carrying this error.
    pub fn into_template(self) -> ResponseTemplate {
        ResponseTemplate::new(self.status).set_body_json(self.body)
    }
}

/// A successful answer: a JSON body, sent after an optional delay.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// JSON body.
    pub body: Value,
    /// Time to wait before answering.
    pub delay: std::time::Duration,
}

impl Reply {
    /// A 200 answer sent at once.
    pub fn ok(body: Value) -> Reply {
        Reply {
            body,
            delay: std::time::Duration::ZERO,
        }
    }

    /// The `{}` answer.
    pub fn empty() -> Reply {
        Reply::ok(Value::Object(Map::new()))
    }

    /// The wiremock response carrying this answer.
    pub fn into_template(self) -> ResponseTemplate {
        let template = ResponseTemplate::new(200).set_body_json(self.body);
        if self.delay.is_zero() {
            template
        } else {
            template.set_delay(self.delay)
        }
    }
}

/// What an endpoint handler produces.
pub type Outcome = Result<Reply, ApiError>;
