//! `sync_until`: long-polling `GET /_matrix/client/v3/sync` until a predicate holds, within a deadline.

use std::time::Duration;

use serde_json::Value;
use tokio::time::Instant;

use super::vars::{Vars, query_value};
use crate::case::SyncUntil;
use crate::matcher::{ArrayMatch, contains, short};
use crate::redact::redacted;
use crate::server::{Homeserver, Response, TargetError};
use crate::verdict::Problem;

/// The longest single long-poll; the server answers sooner when something arrives.
const LONGEST_POLL: Duration = Duration::from_secs(5);

/// Why waiting on `/sync` ended without the predicate holding.
#[derive(Debug)]
pub enum SyncFailure {
    /// `/sync` answered with an error status.
    Status(Response),
    /// The deadline passed; the problem says what the last response had instead.
    Deadline(Problem),
    /// The request could not be carried out.
    Target(TargetError),
}

/// Polls `/sync` as the actor with `token` until the response satisfies `sync`, returning that response.
///
/// Against the in-process fake ([`Homeserver::idle_is_final`]) no poll asks the server to hold,
/// and an idle answer that does not satisfy `sync` ends the wait at once: nothing more can come.
pub async fn sync_until(
    hs: &Homeserver,
    token: &str,
    sync: &SyncUntil,
    vars: &Vars,
) -> Result<Response, SyncFailure> {
    let deadline = Instant::now() + sync.within;
    let pointer = vars.pointer(&sync.at);
    let wanted = sync.contains.as_ref().map(|c| vars.value(c));
    let filter = sync.filter.as_ref().map(|f| match vars.value(f) {
        Value::String(id) => id,
        inline => inline.to_string(),
    });
    let mut since = sync.since.as_ref().map(|s| vars.text(s));
    let mut last_seen = String::from("no response");
    loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            let problem = describe_wait(sync, &pointer, wanted.as_ref(), &last_seen, false);
            return Err(SyncFailure::Deadline(problem));
        }
        let path = sync_path(poll_for(remaining, hs), since.as_deref(), filter.as_deref());
        let response = hs
            .request("GET", &path, Some(token), None)
            .await
            .map_err(SyncFailure::Target)?;
        let response = Response {
            status: response.status,
            body: redacted(&response.body),
        };
        if response.status != 200 {
            return Err(SyncFailure::Status(response));
        }
        match satisfies(&response.body, &pointer, wanted.as_ref()) {
            Ok(()) => return Ok(response),
            Err(seen) => last_seen = seen,
        }
        let next_batch = response.body.get("next_batch").and_then(Value::as_str);
        if hs.idle_is_final() && idle(since.as_deref(), next_batch) {
            let problem = describe_wait(sync, &pointer, wanted.as_ref(), &last_seen, true);
            return Err(SyncFailure::Deadline(problem));
        }
        since = next_batch.map(str::to_string).or(since);
    }
}

/// Whether an answer's `body` satisfies the wait; when not, what it had at `pointer` instead.
fn satisfies(body: &Value, pointer: &str, wanted: Option<&Value>) -> Result<(), String> {
    let found = body
        .pointer(pointer)
        .ok_or_else(|| format!("nothing at {pointer}"))?;
    let holds =
        wanted.is_none_or(|w| contains(found, &singleton(found, w), ArrayMatch::Contains).is_ok());
    if holds { Ok(()) } else { Err(short(found)) }
}

/// The `/sync` request asking the server to hold for `timeout`, from `since`, through `filter`.
fn sync_path(timeout: Duration, since: Option<&str>, filter: Option<&str>) -> String {
    let mut path = format!("/_matrix/client/v3/sync?timeout={}", timeout.as_millis());
    if let Some(since) = since {
        path.push_str(&format!("&since={}", query_value(since)));
    }
    if let Some(filter) = filter {
        path.push_str(&format!("&filter={}", query_value(filter)));
    }
    path
}

/// Whether an answer is idle: it had nothing new since `since`, so its `next_batch` is that token.
fn idle(since: Option<&str>, next_batch: Option<&str>) -> bool {
    since.is_some() && since == next_batch
}

/// How long one long-poll asks the server to hold: nothing against the in-process fake, whose idle
/// answer ends the wait anyway; otherwise what is left of the wait, at most [`LONGEST_POLL`], and
/// at most half the request timeout so the answer fits inside it.
fn poll_for(remaining: Duration, hs: &Homeserver) -> Duration {
    if hs.idle_is_final() {
        return Duration::ZERO;
    }
    remaining.min(LONGEST_POLL).min(hs.limits().request / 2)
}

/// Against an array, a `contains` object names one element that must be present.
fn singleton(found: &Value, wanted: &Value) -> Value {
    if found.is_array() && !wanted.is_array() {
        Value::Array(vec![wanted.clone()])
    } else {
        wanted.clone()
    }
}

/// What a wait that ran out (or ended `idle`) was waiting for, and what it saw last.
fn describe_wait(
    sync: &SyncUntil,
    pointer: &str,
    wanted: Option<&Value>,
    last_seen: &str,
    idle: bool,
) -> Problem {
    let awaited = match wanted {
        Some(w) => format!("{pointer} to contain {}", short(w)),
        None => format!("something at {pointer}"),
    };
    Problem::SyncDeadline {
        awaited,
        last_seen: last_seen.to_string(),
        waited_ms: u64::try_from(sync.within.as_millis()).unwrap_or(u64::MAX),
        idle,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    use super::*;
    use crate::run::actor::{Minter, provision};
    use crate::server::homeserver::client;
    use crate::server::{Limits, Registration, TargetSpec};

    /// A wait for `at` (from `since`, if given), far longer than any of these tests takes.
    fn wait_for(at: &str, since: Option<&str>) -> SyncUntil {
        SyncUntil {
            at: at.into(),
            contains: None,
            since: since.map(str::to_string),
            filter: None,
            within: Duration::from_secs(20),
        }
    }

    /// The in-process fake, and the access token of a fresh user on it.
    async fn fake_with_user() -> (crate::server::Connected, String) {
        let connected = TargetSpec::Fake(None)
            .connect(Limits::default(), None)
            .await
            .expect("the fake starts");
        let actor = provision(
            &connected.homeserver,
            &Registration::Open,
            &Minter::new(),
            "alice",
        )
        .await
        .expect("alice registers");
        (connected, actor.account.access_token)
    }

    // Nothing is in flight and the fake has nothing new for alice: the wait ends, idle, at once.
    #[tokio::test]
    async fn against_the_idle_fake_a_wait_for_what_never_comes_ends_idle() {
        let (connected, token) = fake_with_user().await;
        let sync = wait_for("/rooms/join/!never:x", None);
        let failure = sync_until(&connected.homeserver, &token, &sync, &Vars::default()).await;
        let Err(SyncFailure::Deadline(Problem::SyncDeadline {
            idle, last_seen, ..
        })) = failure
        else {
            panic!("the wait must end without the room: {failure:?}")
        };
        assert!(idle);
        assert_eq!(last_seen, "nothing at /rooms/join/!never:x");
    }

    // An idle answer is judged before it ends anything: a wait it satisfies succeeds.
    #[tokio::test]
    async fn an_idle_answer_that_satisfies_the_wait_ends_it_with_success() {
        let (connected, token) = fake_with_user().await;
        let hs = &connected.homeserver;
        let first = sync_until(hs, &token, &wait_for("/next_batch", None), &Vars::default())
            .await
            .expect("an initial sync has a next_batch");
        let since = first.body["next_batch"]
            .as_str()
            .expect("a token")
            .to_string();
        let settled = sync_until(
            hs,
            &token,
            &wait_for("/next_batch", Some(&since)),
            &Vars::default(),
        )
        .await
        .expect("an idle answer has a next_batch");
        assert_eq!(settled.body["next_batch"], json!(since));
    }

    /// A server answering `/sync` from `s1` idle once, then with a joined room.
    async fn idle_then_joined() -> MockServer {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/_matrix/client/v3/sync"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"next_batch": "s1"})))
            .up_to_n_times(1)
            .with_priority(1)
            .mount(&server)
            .await;
        let joined = json!({"next_batch": "s2", "rooms": {"join": {"!r:x": {}}}});
        Mock::given(method("GET"))
            .and(path("/_matrix/client/v3/sync"))
            .respond_with(ResponseTemplate::new(200).set_body_json(joined))
            .mount(&server)
            .await;
        server
    }

    // Any other server may still deliver after an idle answer: the wait long-polls on until it does.
    #[tokio::test]
    async fn against_another_server_an_idle_answer_is_polled_past() {
        let server = idle_then_joined().await;
        let hs = Homeserver::new(&server.uri(), client());
        let sync = wait_for("/rooms/join/!r:x", Some("s1"));
        sync_until(&hs, "t", &sync, &Vars::default())
            .await
            .expect("the room arrives on the second poll");
        let asked = server.received_requests().await.expect("recorded");
        assert_eq!(asked.len(), 2);
        assert!(
            asked
                .iter()
                .all(|r| r.url.query_pairs().any(|(k, v)| k == "timeout" && v != "0")),
            "every poll asks the server to hold"
        );
    }

    // The same answers from a server known to be the in-process fake end the wait at the idle one,
    // and no poll asks it to hold.
    #[tokio::test]
    async fn against_a_server_known_as_the_fake_the_idle_answer_ends_the_wait() {
        let server = idle_then_joined().await;
        let hs = Homeserver::new(&server.uri(), client()).in_process_fake();
        let sync = wait_for("/rooms/join/!r:x", Some("s1"));
        let failure = sync_until(&hs, "t", &sync, &Vars::default()).await;
        assert!(
            matches!(
                failure,
                Err(SyncFailure::Deadline(Problem::SyncDeadline {
                    idle: true,
                    ..
                }))
            ),
            "{failure:?}"
        );
        let asked = server.received_requests().await.expect("recorded");
        assert_eq!(asked.len(), 1);
        assert!(
            asked[0]
                .url
                .query_pairs()
                .any(|(k, v)| k == "timeout" && v == "0")
        );
    }
}
