//! Carrying out one step: the request, its expectations, saved values and snapshot.

use super::expect::problems;
use super::ledger::Ledger;
use super::sync::{SyncFailure, sync_until};
use super::vars::Vars;
use serde_json::{Value, json};

use crate::case::{Action, Body, Focus, Step};
use crate::matcher::{ArrayMatch, is_contained, select, short};
use crate::redact::redacted;
use crate::server::{Homeserver, Payload, Response, TargetError};
use crate::snapshot::{Normaliser, SnapshotContext, arranged, check, project};
use crate::verdict::Problem;

/// Why a step did not succeed.
#[derive(Debug)]
pub enum StepFailure {
    /// The server's answer broke expectations: each broken part with the claims it checks (none for
    /// a setup expectation), and the answer when one came.
    Broken {
        /// The broken parts.
        charges: Vec<Charge>,
        /// The answer (secrets redacted); `None` when a `/sync` wait ran out.
        answer: Option<Response>,
    },
    /// The step could not be carried out.
    Error(Problem),
}

/// One broken part of a step (an `expect` block, the snapshot, the `/sync` wait, a save) and the
/// claims it checks.
#[derive(Debug, Clone)]
pub struct Charge {
    /// The claims the part checks; empty for a part that only sets up.
    pub claims: Vec<String>,
    /// What did not hold.
    pub problems: Vec<Problem>,
}

impl StepFailure {
    /// A failure of one part checking `claims`.
    fn broken(claims: &[String], problem: Problem, answer: Option<&Response>) -> StepFailure {
        StepFailure::Broken {
            charges: vec![Charge {
                claims: claims.to_vec(),
                problems: vec![problem],
            }],
            answer: answer.cloned(),
        }
    }
}

/// What carrying out one step produced.
#[derive(Debug)]
pub struct StepReport {
    /// The values of the step's `observe` pointers in the answer, `pointer: value` or `pointer: absent`.
    pub observed: Vec<String>,
    /// Whether the answer was judged: false when no answer came (transport, a `/sync` wait that
    /// ran out), so the step's `expect` blocks and snapshot were never evaluated.
    pub judged: bool,
    /// Whether the step held.
    pub result: Result<(), StepFailure>,
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
    /// Every event the case has seen, by id; the step's answer is recorded in it.
    pub ledger: &'a mut Ledger,
    /// The step's 1-based number, for the ledger.
    pub number: usize,
    /// What the step does, as `label` says it, for the ledger.
    pub action: &'a str,
}

/// A readable label for the step: actor, method and rendered path.
pub fn label(step: &Step, vars: &Vars) -> String {
    let who = step.actor.as_deref().unwrap_or("anonymous");
    let done = match &step.action {
        Action::Call(call) => format!("{who}: {} {}", call.method, vars.path(&call.path)),
        Action::SyncUntil(sync) => format!("{who}: sync until {}", vars.pointer(&sync.at)),
    };
    match step.read {
        Some(read) => format!("{done} (read: {read})"),
        None => done,
    }
}

/// Runs `step`; on success the step's saves are in `scope.vars`.
pub async fn execute(step: &Step, scope: StepScope<'_>) -> StepReport {
    let response = match respond(step, &scope).await {
        Ok(response) => response,
        Err(failure) => {
            return StepReport {
                observed: Vec::new(),
                judged: false,
                result: Err(failure),
            };
        }
    };
    scope
        .ledger
        .record(scope.number, scope.action, &response.body);
    let response = match focused(step, scope.vars, response) {
        Ok(response) => response,
        Err(broken) => {
            // The event is what the step's own checks are about; a block naming other claims
            // (a type check, say) judges it only where it was found.
            let (problem, answer) = *broken;
            let claims = &step.checks;
            return StepReport {
                observed: Vec::new(),
                judged: true,
                result: Err(StepFailure::broken(claims, problem, Some(&answer))),
            };
        }
    };
    let status = (!step.observe.is_empty()).then(|| format!("status {}", response.status));
    let observed = status
        .into_iter()
        .chain(step.observe.iter().map(|template| {
            let pointer = scope.vars.pointer(template);
            let name = if template.is_empty() {
                "body"
            } else {
                template
            };
            match select(&response.body, &pointer) {
                Some(value) => format!("{name}: {}", short(&scope.normaliser.normalise(&value))),
                None => format!("{name}: absent"),
            }
        }))
        .collect();
    StepReport {
        observed,
        judged: true,
        result: judge_response(step, scope, &response),
    }
}

/// The answer as the step's expectations see it: for a 2xx answer of a step with a `focus`, the
/// event the focus picks; otherwise the answer itself. An event the answer lacks is a problem of
/// the step's claims, returned with the whole answer.
fn focused(
    step: &Step,
    vars: &Vars,
    response: Response,
) -> Result<Response, Box<(Problem, Response)>> {
    let Some(focus) = &step.focus else {
        return Ok(response);
    };
    if !(200..300).contains(&response.status) {
        return Ok(response);
    }
    let picked = match focus {
        Focus::Content {
            event_type,
            state_key,
        } => Ok(json!({
            "type": vars.text(event_type),
            "state_key": vars.text(state_key),
            "content": response.body,
        })),
        Focus::Element { at, pick, inner } => {
            let pointer = vars.pointer(at);
            let pick = pick.as_ref().map(|p| vars.value(p));
            element(&response.body, &pointer, pick.as_ref()).and_then(|picked| {
                picked.pointer(inner).cloned().ok_or_else(|| Problem::Body {
                    pointer: format!("{pointer}{inner}"),
                    expected: "something".into(),
                    found: "nothing".into(),
                })
            })
        }
    };
    match picked {
        Ok(body) => Ok(Response {
            status: response.status,
            body,
        }),
        Err(problem) => Err(Box::new((problem, response))),
    }
}

/// The value at `pointer` in `body`, or when `pick` is given, the first element of the array
/// there that contains it.
fn element(body: &Value, pointer: &str, pick: Option<&Value>) -> Result<Value, Problem> {
    let at = body.pointer(pointer);
    let expected = match pick {
        Some(pick) => format!("an event containing {}", short(pick)),
        None => "an event".to_string(),
    };
    let found = match (at, pick) {
        (Some(value), None) => return Ok(value.clone()),
        (Some(Value::Array(items)), Some(pick)) => {
            if let Some(item) = items
                .iter()
                .find(|item| is_contained(item, pick, ArrayMatch::Contains))
            {
                return Ok(item.clone());
            }
            short(&Value::Array(items.clone()))
        }
        (Some(other), Some(_)) => short(other),
        (None, _) => "nothing".to_string(),
    };
    Err(Problem::Body {
        pointer: pointer.to_string(),
        expected,
        found,
    })
}

/// Sends the step's request, or polls `/sync` until its predicate holds; secrets in the answer masked.
async fn respond(step: &Step, scope: &StepScope<'_>) -> Result<Response, StepFailure> {
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
                .map_err(|e| transport(&e))?
        }
        Action::SyncUntil(sync) => {
            let token = scope.token.ok_or_else(|| {
                StepFailure::Error(Problem::Harness {
                    reason: "sync_until needs an actor".into(),
                })
            })?;
            match sync_until(scope.hs, token, sync, scope.vars).await {
                Ok(response) => response,
                Err(SyncFailure::Status(response)) => {
                    let problem = Problem::Status {
                        expected: "200 from /sync".into(),
                        found: response.status,
                    };
                    return Err(StepFailure::broken(&step.checks, problem, Some(&response)));
                }
                Err(SyncFailure::Deadline(problem)) => {
                    return Err(StepFailure::broken(&step.checks, problem, None));
                }
                Err(SyncFailure::Target(e)) => return Err(transport(&e)),
            }
        }
    };
    // Secrets in the answer are masked once, here, so no expectation, saved value, snapshot or
    // failure message can carry them.
    Ok(Response {
        status: response.status,
        body: redacted(&response.body),
    })
}

/// Checks every expectation block and the snapshot, then saves values for later steps.
///
/// Every check is evaluated, so a claim that is not charged at this step really held here.
fn judge_response(
    step: &Step,
    scope: StepScope<'_>,
    response: &Response,
) -> Result<(), StepFailure> {
    let mut charges: Vec<Charge> = Vec::new();
    let mut charge = |checks: &[String], problems: Vec<Problem>| {
        if !problems.is_empty() {
            charges.push(Charge {
                claims: checks.to_vec(),
                problems,
            });
        }
    };
    for block in &step.expect {
        charge(&block.checks, problems(block, response, scope.vars));
    }
    if let Some(spec) = &step.snapshot {
        let select = spec.select.as_ref().map(|s| scope.vars.pointer(s));
        let filter = spec.filter.as_ref().map(|f| scope.vars.value(f));
        let compared = project(
            &response.body,
            select.as_deref(),
            filter.as_ref(),
            &spec.fields,
        )
        .map_err(|reason| Problem::Body {
            pointer: select.clone().unwrap_or_default(),
            expected: format!("something to compare with snapshot `{}`", spec.name),
            found: reason,
        })
        .and_then(|projected| {
            let normalised = scope.normaliser.normalise(&projected);
            let unordered: Vec<String> = spec
                .unordered
                .iter()
                .map(|p| scope.vars.pointer(p))
                .collect();
            check(
                scope.snapshots,
                &spec.name,
                &arranged(&normalised, &unordered),
            )
            .map_err(|mismatch| Problem::Snapshot {
                file: mismatch.file.display().to_string(),
                diff: mismatch.diff,
                produced: mismatch.produced,
            })
        });
        charge(&step.checks, compared.err().into_iter().collect());
    }
    if !charges.is_empty() {
        return Err(StepFailure::Broken {
            charges,
            answer: Some(response.clone()),
        });
    }
    for (name, pointer) in &step.save {
        let pointer = &scope.vars.pointer(pointer);
        let value = response.body.pointer(pointer).ok_or_else(|| {
            let problem = Problem::Save {
                name: name.clone(),
                pointer: pointer.clone(),
            };
            StepFailure::broken(&[], problem, Some(response))
        })?;
        scope.normaliser.observe(value);
        scope.vars.set(name, value.clone());
    }
    for (name, pointer) in &step.save_if_present {
        if let Some(value) = response.body.pointer(&scope.vars.pointer(pointer)) {
            scope.normaliser.observe(value);
            scope.vars.set(name, value.clone());
        }
    }
    Ok(())
}

/// A request that could not be carried out.
fn transport(err: &TargetError) -> StepFailure {
    StepFailure::Error(Problem::Transport {
        reason: err.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use serde_json::json;
    use wiremock::matchers::method;
    use wiremock::{Mock, MockServer, ResponseTemplate};

    use super::*;
    use crate::case::{Call, Expect};
    use crate::server::homeserver::client;

    // A failing step that received a token reports the failure without the token.
    #[tokio::test]
    async fn failure_messages_never_carry_secrets_from_responses() {
        let server = MockServer::start().await;
        let body = json!({"user_id": "@a:hs", "access_token": "syt_secret", "nested": [{"password": "pw1"}]});
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .mount(&server)
            .await;
        let step = Step {
            line: 1,
            actor: None,
            device: 1,
            action: Action::Call(Call {
                method: "POST".into(),
                path: "/login".into(),
                body: None,
            }),
            expect: vec![Expect {
                exact: Some(json!({"user_id": "@b:hs"})),
                ..Expect::default()
            }],
            checks: Vec::new(),
            observe: vec!["/nested".into()],
            save: vec![("token".into(), "/access_token".into())],
            save_if_present: Vec::new(),
            when: Vec::new(),
            snapshot: None,
            focus: None,
            read: None,
        };
        let hs = Homeserver::new(&server.uri(), client());
        let (mut vars, mut normaliser) = (Vars::default(), Normaliser::new());
        let snapshots = SnapshotContext {
            dir: PathBuf::new(),
            case_id: "t".into(),
            case_file: PathBuf::new(),
            description: String::new(),
            compare_only: true,
        };
        let scope = StepScope {
            hs: &hs,
            token: None,
            vars: &mut vars,
            normaliser: &mut normaliser,
            snapshots: &snapshots,
            ledger: &mut Ledger::default(),
            number: 1,
            action: "test",
        };
        let report = execute(&step, scope).await;
        let observed = report.observed.join("; ");
        assert!(
            observed.contains("[redacted]") && !observed.contains("pw1"),
            "{observed}"
        );
        let Err(StepFailure::Broken { charges, answer }) = report.result else {
            panic!("the step must fail")
        };
        let message = format!("{:?} {:?}", charges[0].problems, answer);
        assert!(
            message.contains("[redacted]") && message.contains("@a:hs"),
            "{message}"
        );
        assert!(
            !message.contains("syt_secret") && !message.contains("pw1"),
            "{message}"
        );
    }
}
