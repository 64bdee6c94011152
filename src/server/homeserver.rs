//! HTTP access to a homeserver's client-server API, with bounded retries on rate limits.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use super::limits::{Breaker, Limits};
use super::transcript::{Exchange, record};
use crate::case::Home;

/// How many times a rate-limited request is retried before its 429 is returned.
const RATE_LIMIT_RETRIES: u32 = 5;
/// The longest wait a server's `retry_after_ms` may impose on one retry.
const LONGEST_RETRY_WAIT: Duration = Duration::from_secs(10);
/// How long to wait for a TCP connection before calling the target unreachable.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// How long the first `/versions` probe may take before the target counts as unreachable.
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// Why a request could not be carried out (as opposed to a response the case did not expect).
#[derive(Debug, Clone, thiserror::Error)]
pub enum TargetError {
    /// No connection could be made, or `/versions` did not answer as a homeserver.
    #[error("homeserver at {url} is unreachable: {reason}")]
    Unreachable { url: String, reason: String },
    /// A user could not be registered.
    #[error("could not provision user `{user}`: {reason}")]
    Provisioning { user: String, reason: String },
    /// A managed homeserver could not be installed or started.
    #[error("{0}")]
    Setup(String),
    /// A request failed in transport (connection reset, timeout, unreadable body).
    #[error("{method} {path} failed: {reason}")]
    Transport {
        method: String,
        path: String,
        reason: String,
    },
}

impl TargetError {
    /// A transport failure of `method path`.
    fn transport(method: &str, path: &str, reason: String) -> Self {
        TargetError::Transport {
            method: method.to_string(),
            path: path.to_string(),
            reason,
        }
    }
}

/// A request body.
#[derive(Debug, Clone)]
pub enum Payload {
    /// Serialised as JSON.
    Json(Value),
    /// Sent as it is, labelled `application/json`.
    Text(String),
}

/// A response: status and body (JSON when it parses, else the text as a JSON string).
#[derive(Debug, Clone)]
pub struct Response {
    /// HTTP status code.
    pub status: u16,
    /// The body as JSON; `Value::Null` when empty.
    pub body: Value,
}

/// One homeserver, reached through a shared HTTP client, within the run's [`Limits`].
#[derive(Debug, Clone)]
pub struct Homeserver {
    base: String,
    client: reqwest::Client,
    limits: Limits,
    breaker: Arc<Breaker>,
    home: Home,
    idle_is_final: bool,
}

/// The HTTP client shared by every request of a run; each request's own deadline comes from [`Limits`].
pub fn client() -> reqwest::Client {
    builder().build().unwrap_or_default()
}

/// A client for a server spoken to over plain HTTP only, such as the in-process fake: it loads no
/// TLS roots, which `mutants` would otherwise read from the system once per target.
pub fn plain_http_client() -> reqwest::Client {
    builder()
        .tls_certs_only(Vec::new())
        .build()
        .unwrap_or_default()
}

/// The settings every client of the harness shares: the connect timeout and the user agent.
fn builder() -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .user_agent(concat!("mxconform/", env!("CARGO_PKG_VERSION")))
}

impl Homeserver {
    /// A homeserver at `base` (e.g. `http://127.0.0.1:8008`).
    pub fn new(base: &str, client: reqwest::Client) -> Self {
        Homeserver {
            base: base.trim_end_matches('/').to_string(),
            client,
            limits: Limits::default(),
            breaker: Arc::default(),
            home: Home::Target,
            idle_is_final: false,
        }
    }

    /// The same homeserver, known to be the in-process fake: deterministic, its state changed
    /// only by requests, so an idle answer to a case's `/sync` is final (see [`Self::idle_is_final`]).
    pub fn in_process_fake(self) -> Self {
        Homeserver {
            idle_is_final: true,
            ..self
        }
    }

    /// Whether an idle `/sync` answer (`next_batch` equal to `since`) ends a wait at once: true only
    /// for the in-process fake, where a case's actors are its own fresh users and its steps run one
    /// at a time, so while a step long-polls nothing else of the case is in flight and nothing new
    /// can reach those users.
    pub fn idle_is_final(&self) -> bool {
        self.idle_is_final
    }

    /// The same homeserver, its exchanges marked as going to `home` in transcripts.
    pub fn at(self, home: Home) -> Self {
        Homeserver { home, ..self }
    }

    /// Which server this is to the run: the target or the federation peer.
    pub fn home(&self) -> Home {
        self.home
    }

    /// The same homeserver with other limits, and a breaker of its own.
    pub fn with_limits(self, limits: Limits) -> Self {
        Homeserver {
            limits,
            breaker: Arc::default(),
            ..self
        }
    }

    /// The limits every request keeps to.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Why no more requests are sent, once the target has stopped answering.
    pub fn breaker_open(&self) -> Option<String> {
        self.breaker.open()
    }

    /// How many requests were sent to this homeserver (and its clones) so far.
    pub fn requests_sent(&self) -> u64 {
        self.breaker.sent()
    }

    /// The base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Checks that a homeserver answers `GET /_matrix/client/versions`, returning its body.
    pub async fn versions(&self) -> Result<Value, TargetError> {
        let unreachable = |reason: String| TargetError::Unreachable {
            url: self.base.clone(),
            reason,
        };
        let probe = self.request("GET", "/_matrix/client/versions", None, None);
        let response = tokio::time::timeout(PROBE_TIMEOUT, probe)
            .await
            .map_err(|_| {
                unreachable(format!(
                    "no answer to GET /_matrix/client/versions within {PROBE_TIMEOUT:?}"
                ))
            })?
            .map_err(|e| unreachable(e.to_string()))?;
        match (response.status, response.body.get("versions")) {
            (200, Some(Value::Array(_))) => Ok(response.body),
            (status, _) => Err(unreachable(format!(
                "GET /_matrix/client/versions answered {status} without a `versions` list"
            ))),
        }
    }

    /// The server's own name and version: from the federation API's `GET /version`, else Synapse's
    /// admin `server_version`; `None` when neither answers within the probe timeout.
    pub async fn software(&self) -> Option<(String, String)> {
        let ask = |path: &'static str| async move {
            tokio::time::timeout(PROBE_TIMEOUT, self.request("GET", path, None, None))
                .await
                .ok()?
                .ok()
                .filter(|r| r.status == 200)
                .map(|r| r.body)
        };
        let (federation, admin) = tokio::join!(
            ask("/_matrix/federation/v1/version"),
            ask("/_synapse/admin/v1/server_version")
        );
        if let Some(body) = federation
            && let (Some(name), Some(version)) = (
                body.pointer("/server/name").and_then(Value::as_str),
                body.pointer("/server/version").and_then(Value::as_str),
            )
        {
            return Some((name.to_string(), version.to_string()));
        }
        let admin = admin?;
        let version = admin.get("server_version").and_then(Value::as_str)?;
        Some(("Synapse".to_string(), version.to_string()))
    }

    /// Sends one request; a 429 `M_LIMIT_EXCEEDED` is retried after the wait the server asks for.
    pub async fn request(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        payload: Option<&Payload>,
    ) -> Result<Response, TargetError> {
        let mut attempt = 0;
        loop {
            let started = std::time::Instant::now();
            let sent = match self.breaker.open() {
                Some(reason) => Err(TargetError::transport(
                    method,
                    path,
                    format!("not sent: {reason}"),
                )),
                None => self.send_bounded(method, path, token, payload).await,
            };
            record(Exchange {
                step: None,
                server: self.home,
                method: method.to_string(),
                path: path.to_string(),
                authenticated: token.is_some(),
                request: payload.map(|p| match p {
                    Payload::Json(value) => value.clone(),
                    Payload::Text(text) => Value::String(text.clone()),
                }),
                status: sent.as_ref().ok().map(|r| r.status),
                response: sent.as_ref().ok().map(|r| r.body.clone()),
                duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
                error: sent.as_ref().err().map(ToString::to_string),
            });
            let response = sent?;
            if response.status != 429 || attempt >= RATE_LIMIT_RETRIES {
                return Ok(response);
            }
            attempt += 1;
            tokio::time::sleep(retry_wait(&response, attempt)).await;
        }
    }

    /// Sends one request within the request deadline, keeping the breaker's count.
    async fn send_bounded(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        payload: Option<&Payload>,
    ) -> Result<Response, TargetError> {
        self.breaker.sending();
        let limit = self.limits.request;
        let sent = tokio::time::timeout(limit, self.send_once(method, path, token, payload))
            .await
            .unwrap_or_else(|_| {
                let waited = humantime::format_duration(limit);
                let reason = format!("no complete answer within {waited} (--request-timeout)");
                Err(TargetError::transport(method, path, reason))
            });
        match &sent {
            Ok(_) => self.breaker.answered(),
            Err(err) => self.breaker.failed(&err.to_string()),
        }
        sent
    }

    async fn send_once(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        payload: Option<&Payload>,
    ) -> Result<Response, TargetError> {
        let transport = |reason: String| TargetError::transport(method, path, reason);
        let method_value =
            reqwest::Method::from_bytes(method.as_bytes()).map_err(|e| transport(e.to_string()))?;
        let mut request = self
            .client
            .request(method_value, format!("{}{}", self.base, path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request = match payload {
            Some(Payload::Json(value)) => request.json(value),
            Some(Payload::Text(text)) => request
                .header("content-type", "application/json")
                .body(text.clone()),
            None if method == "POST" || method == "PUT" => request.json(&serde_json::json!({})),
            None => request,
        };
        let response = request.send().await.map_err(|e| transport(describe(e)))?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        let text = self.read_body(response).await.map_err(transport)?;
        let mut body = if text.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        if status == 429
            && let (Some(seconds), Value::Object(map)) = (retry_after, &mut body)
        {
            map.entry("retry_after_ms")
                .or_insert(Value::from(seconds.saturating_mul(1000)));
        }
        Ok(Response { status, body })
    }
}

impl Homeserver {
    /// Reads an answer's body as text, refusing one larger than the limit before reading it all.
    async fn read_body(&self, mut response: reqwest::Response) -> Result<String, String> {
        let cap = self.limits.largest_body;
        let too_large = || format!("the answer's body is larger than {cap} bytes");
        if response
            .content_length()
            .is_some_and(|length| length > cap as u64)
        {
            return Err(too_large());
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(describe)? {
            if bytes.len() + chunk.len() > cap {
                return Err(too_large());
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }
}

/// The wait before retry number `attempt`: the server's `retry_after_ms`, else a growing default.
fn retry_wait(response: &Response, attempt: u32) -> Duration {
    let asked = response
        .body
        .get("retry_after_ms")
        .and_then(Value::as_u64)
        .map(Duration::from_millis);
    asked
        .unwrap_or(Duration::from_millis(200 * u64::from(attempt)))
        .min(LONGEST_RETRY_WAIT)
}

/// A transport error with its causes, without the URL (tokens never travel in URLs here, but stay safe).
fn describe(err: reqwest::Error) -> String {
    let err = err.without_url();
    let mut text = err.to_string();
    let mut source = std::error::Error::source(&err);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    #[tokio::test]
    async fn rate_limited_requests_are_retried_after_the_asked_wait() {
        let server = MockServer::start().await;
        let limited =
            json!({"errcode": "M_LIMIT_EXCEEDED", "error": "slow down", "retry_after_ms": 20});
        Mock::given(method("GET"))
            .and(path("/x"))
            .respond_with(ResponseTemplate::new(429).set_body_json(limited))
            .up_to_n_times(2)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/x"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": true})))
            .mount(&server)
            .await;
        let hs = Homeserver::new(&server.uri(), client());
        let response = hs.request("GET", "/x", None, None).await.unwrap();
        assert_eq!((response.status, response.body), (200, json!({"ok": true})));
        assert_eq!(server.received_requests().await.map(|r| r.len()), Some(3));
    }

    #[tokio::test]
    async fn retries_are_bounded() {
        let server = MockServer::start().await;
        let limited = json!({"errcode": "M_LIMIT_EXCEEDED", "retry_after_ms": 1});
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(429).set_body_json(limited))
            .mount(&server)
            .await;
        let hs = Homeserver::new(&server.uri(), client());
        let response = hs.request("GET", "/x", None, None).await.unwrap();
        assert_eq!(response.status, 429);
        assert_eq!(
            server.received_requests().await.map(|r| r.len()),
            Some(1 + RATE_LIMIT_RETRIES as usize)
        );
    }

    #[tokio::test]
    async fn a_server_that_is_not_a_homeserver_is_unreachable() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(404))
            .mount(&server)
            .await;
        let err = Homeserver::new(&server.uri(), client())
            .versions()
            .await
            .unwrap_err();
        assert!(matches!(err, TargetError::Unreachable { .. }), "{err}");
    }
}
