//! Transcripts: a case's HTTP exchanges, recorded as they are made, with secrets redacted.

use std::future::Future;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::case::Home;
use crate::redact::redacted;

/// The largest body a transcript keeps, in bytes of JSON; a larger one is replaced by a note.
const LARGEST_BODY: usize = 32 * 1024;

/// The placeholder a replay command puts where the access token goes.
pub const TOKEN_PLACEHOLDER: &str = "$MXCONFORM_ACCESS_TOKEN";

tokio::task_local! {
    static RECORDER: Recorder;
}

/// One request and its answer, as a transcript keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exchange {
    /// The 1-based step that made the request; `None` while the case's users are set up.
    pub step: Option<usize>,
    /// The server the request went to: the target, or the federation peer.
    #[serde(default, skip_serializing_if = "Home::is_target")]
    pub server: Home,
    /// The HTTP method.
    pub method: String,
    /// The path and query, relative to the homeserver's base URL.
    pub path: String,
    /// Whether the request carried an access token (never recorded).
    pub authenticated: bool,
    /// The request body, secrets redacted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<Value>,
    /// The status of the answer; `None` when none came.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// The answer's body, secrets redacted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<Value>,
    /// How long the exchange took, in milliseconds.
    pub duration_ms: u64,
    /// Why no answer came, when none did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Exchange {
    /// A `curl` command that sends the request again to `base`, with the token as a placeholder.
    pub fn curl(&self, base: &str) -> String {
        let mut command = format!(
            "curl -X {} {}",
            self.method,
            quoted(&format!("{}{}", base.trim_end_matches('/'), self.path))
        );
        if self.authenticated {
            // Double quotes, so the shell puts in the token the reader exports.
            command.push_str(&format!(
                " -H \"Authorization: Bearer {TOKEN_PLACEHOLDER}\""
            ));
        }
        if let Some(body) = &self.request {
            let text = match body {
                Value::String(raw) => raw.clone(),
                other => other.to_string(),
            };
            command.push_str(" -H 'Content-Type: application/json' --data-raw ");
            command.push_str(&quoted(&text));
        }
        command
    }
}

/// `text` in single quotes for a POSIX shell.
fn quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

/// Collects the exchanges made inside [`Recorder::scope`].
#[derive(Debug, Clone, Default)]
pub struct Recorder {
    state: Arc<Mutex<State>>,
}

#[derive(Debug, Default)]
struct State {
    step: Option<usize>,
    exchanges: Vec<Exchange>,
}

impl Recorder {
    /// An empty recorder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs `future`, recording every exchange it makes through a [`crate::server::Homeserver`].
    pub async fn scope<F: Future>(&self, future: F) -> F::Output {
        RECORDER.scope(self.clone(), future).await
    }

    /// The 1-based step the case is at; `None` while its users are set up.
    pub fn step(&self) -> Option<usize> {
        self.lock().step
    }

    /// The exchanges recorded so far, bodies redacted and large ones dropped, leaving none behind.
    pub fn take(&self) -> Vec<Exchange> {
        let mut exchanges = std::mem::take(&mut self.lock().exchanges);
        for exchange in &mut exchanges {
            exchange.request = exchange.request.as_ref().map(kept);
            exchange.response = exchange.response.as_ref().map(kept);
        }
        exchanges
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Marks the exchanges made from now on as step `step`'s (1-based), in the current recorder if any.
pub fn at_step(step: Option<usize>) {
    let _ = RECORDER.try_with(|recorder| recorder.lock().step = step);
}

/// Adds an exchange to the current recorder, if any. Its bodies are redacted when the transcript
/// is taken, so the many transcripts no report keeps cost nothing more.
pub(crate) fn record(mut exchange: Exchange) {
    let _ = RECORDER.try_with(|recorder| {
        let mut state = recorder.lock();
        exchange.step = state.step;
        state.exchanges.push(exchange);
    });
}

/// A body as a transcript keeps it: redacted, a raw text parsed when it is JSON, large ones noted.
fn kept(body: &Value) -> Value {
    let body = match body {
        Value::String(raw) => serde_json::from_str::<Value>(raw)
            .map(|parsed| redacted(&parsed))
            .unwrap_or_else(|_| Value::String(raw.clone())),
        other => redacted(other),
    };
    let size = body.to_string().len();
    if size > LARGEST_BODY {
        Value::String(format!("[{size} bytes of JSON, not kept]"))
    } else {
        body
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn exchange(request: Option<Value>) -> Exchange {
        Exchange {
            step: None,
            server: Home::Target,
            method: "POST".into(),
            path: "/_matrix/client/v3/login".into(),
            authenticated: true,
            request,
            status: Some(200),
            response: Some(json!({"access_token": "syt_x"})),
            duration_ms: 3,
            error: None,
        }
    }

    #[tokio::test]
    async fn exchanges_are_recorded_per_step_with_secrets_redacted() {
        let recorder = Recorder::new();
        recorder
            .scope(async {
                record(exchange(Some(json!({"password": "pw"}))));
                at_step(Some(2));
                record(exchange(Some(Value::String(
                    "{\"password\": \"pw\"}".into(),
                ))));
            })
            .await;
        record(exchange(None));
        let exchanges = recorder.take();
        assert_eq!(exchanges.len(), 2);
        assert_eq!(exchanges[0].step, None);
        assert_eq!(exchanges[1].step, Some(2));
        let text = serde_json::to_string(&exchanges).unwrap();
        assert!(!text.contains("pw\"") && !text.contains("syt_x"), "{text}");
    }

    #[test]
    fn the_replay_command_has_a_token_placeholder_and_the_body() {
        let curl = exchange(Some(json!({"type": "it's"}))).curl("http://hs/");
        assert!(
            curl.starts_with("curl -X POST 'http://hs/_matrix/client/v3/login'"),
            "{curl}"
        );
        assert!(
            curl.contains("\"Authorization: Bearer $MXCONFORM_ACCESS_TOKEN\""),
            "{curl}"
        );
        assert!(
            curl.ends_with("--data-raw '{\"type\":\"it'\\''s\"}'"),
            "{curl}"
        );
    }
}
