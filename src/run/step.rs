//! Carrying out one step: the request, its expectations, saved values and snapshot.

use serde_json::Value;

use super::expect::problems;
use super::sync::{SyncFailure, sync_until};
use super::vars::Vars;
use crate::case::{Action, Body, Step};
use crate::matcher::short;
use crate::snapshot::{Normaliser, SnapshotContext, check, project};
use crate::target::{Homeserver, Payload, Response};

/// Keys whose values never appear in failure output.
const SECRET_KEYS: &[&str] = &["access_token", "refresh_token", "password", "mac"];

/// Why a step did not succeed.
#[derive(Debug)]
pub enum StepFailure {
    /// The server's answer broke an expectation.
    Fail(String),
    /// The step could not be carried out.
    Error(String),
}

/// What a step needs from the case that runs it.
pub struct StepScope<'a> {
    /// The target.
    pub hs: &'a Homeserver,
    /// The access token of the step's actor, if it has one.
    pub token: Option<&'a str>,
    /// The case's variables; `save` adds to them.
    pub vars: &'a mut Vars,
    /// The case's placeholders; saved values are registered with it.
    pub normaliser: &'a mut Normaliser,
    /// Where the case's snapshots are stored.
    pub snapshots: &'a SnapshotContext,
}

/// A readable label for the step: actor, method and rendered path.
pub fn label(step: &Step, vars: &Vars) -> String {
    let who = step.actor.as_deref().unwrap_or("anonymous");
    match &step.action {
        Action::Call(call) => format!("{who}: {} {}", call.method, vars.path(&call.path)),
        Action::SyncUntil(sync) => format!("{who}: sync until {}", vars.pointer(&sync.at)),
    }
}

/// Runs `step`; on success the step's saves are in `scope.vars`.
pub async fn execute(step: &Step, scope: StepScope<'_>) -> Result<(), StepFailure> {
    let response = match &step.action {
        Action::Call(call) => {
            let payload = call.body.as_ref().map(|body| match body {
                Body::Json(template) => Payload::Json(scope.vars.value(template)),
                Body::Raw(text) => Payload::Text(scope.vars.text(text)),
            });
            scope
                .hs
                .request(
                    &call.method,
                    &scope.vars.path(&call.path),
                    scope.token,
                    payload.as_ref(),
                )
                .await
                .map_err(|e| StepFailure::Error(e.to_string()))?
        }
        Action::SyncUntil(sync) => {
            let token = scope
                .token
                .ok_or_else(|| StepFailure::Error("sync_until needs an actor".into()))?;
            match sync_until(scope.hs, token, sync, scope.vars).await {
                Ok(response) => response,
                Err(SyncFailure::Status(response)) => {
                    return Err(StepFailure::Fail(format!(
                        "/sync answered with an error\n{}",
                        shown(&response)
                    )));
                }
                Err(SyncFailure::Deadline(text)) => return Err(StepFailure::Fail(text)),
                Err(SyncFailure::Target(e)) => return Err(StepFailure::Error(e.to_string())),
            }
        }
    };
    let broken = problems(&step.expect, &response, scope.vars);
    if !broken.is_empty() {
        return Err(StepFailure::Fail(format!(
            "{}\n{}",
            broken.join("\n"),
            shown(&response)
        )));
    }
    for (name, pointer) in &step.save {
        let value = response.body.pointer(pointer).ok_or_else(|| {
            StepFailure::Fail(format!(
                "nothing at {pointer} to save as `{name}`\n{}",
                shown(&response)
            ))
        })?;
        scope.normaliser.observe(value);
        scope.vars.set(name, value.clone());
    }
    if let Some(spec) = &step.snapshot {
        let select = spec.select.as_ref().map(|s| scope.vars.pointer(s));
        let filter = spec.filter.as_ref().map(|f| scope.vars.value(f));
        let projected = project(
            &response.body,
            select.as_deref(),
            filter.as_ref(),
            &spec.fields,
        )
        .map_err(|e| {
            StepFailure::Fail(format!(
                "snapshot `{}`: {e}\n{}",
                spec.name,
                shown(&response)
            ))
        })?;
        let normalised = scope.normaliser.normalise(&projected);
        check(scope.snapshots, &spec.name, &normalised).map_err(StepFailure::Fail)?;
    }
    Ok(())
}

/// The response as failure output shows it: status and body, with secrets masked.
fn shown(response: &Response) -> String {
    format!(
        "response: {} {}",
        response.status,
        short(&masked(&response.body))
    )
}

fn masked(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let v = if SECRET_KEYS.contains(&k.as_str()) {
                        Value::String("[redacted]".into())
                    } else {
                        masked(v)
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(masked).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn failure_output_never_shows_tokens() {
        let response = Response {
            status: 200,
            body: json!({"user_id": "@a:hs", "access_token": "syt_abc", "nested": [{"password": "pw"}]}),
        };
        let text = shown(&response);
        assert!(
            !text.contains("syt_abc") && !text.contains("\"pw\""),
            "{text}"
        );
        assert!(text.contains("@a:hs"));
    }
}
