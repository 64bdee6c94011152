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
            return Err(SyncFailure::Deadline(describe_wait(
                sync,
                &pointer,
                wanted.as_ref(),
                &last_seen,
            )));
        }
        let mut path = format!(
            "/_matrix/client/v3/sync?timeout={}",
            poll_for(remaining, hs.limits().request).as_millis()
        );
        if let Some(since) = &since {
            path.push_str(&format!("&since={}", query_value(since)));
        }
        if let Some(filter) = &filter {
            path.push_str(&format!("&filter={}", query_value(filter)));
        }
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
        match response.body.pointer(&pointer) {
            Some(found) => {
                let holds = wanted.as_ref().is_none_or(|w| {
                    contains(found, &singleton(found, w), ArrayMatch::Contains).is_ok()
                });
                if holds {
                    return Ok(response);
                }
                last_seen = short(found);
            }
            None => last_seen = format!("nothing at {pointer}"),
        }
        since = response
            .body
            .get("next_batch")
            .and_then(Value::as_str)
            .map(str::to_string)
            .or(since);
    }
}

/// How long one long-poll asks the server to hold: what is left of the wait, at most
/// [`LONGEST_POLL`], and at most half the request timeout so the answer fits inside it.
fn poll_for(remaining: Duration, request_timeout: Duration) -> Duration {
    remaining.min(LONGEST_POLL).min(request_timeout / 2)
}

/// Against an array, a `contains` object names one element that must be present.
fn singleton(found: &Value, wanted: &Value) -> Value {
    if found.is_array() && !wanted.is_array() {
        Value::Array(vec![wanted.clone()])
    } else {
        wanted.clone()
    }
}

/// What a wait that ran out was waiting for, and what it saw last.
fn describe_wait(
    sync: &SyncUntil,
    pointer: &str,
    wanted: Option<&Value>,
    last_seen: &str,
) -> Problem {
    let awaited = match wanted {
        Some(w) => format!("{pointer} to contain {}", short(w)),
        None => format!("something at {pointer}"),
    };
    Problem::SyncDeadline {
        awaited,
        last_seen: last_seen.to_string(),
        waited_ms: u64::try_from(sync.within.as_millis()).unwrap_or(u64::MAX),
        idle: false,
    }
}
