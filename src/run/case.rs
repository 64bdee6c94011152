//! Running one case from provisioning to verdict.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::actor::{Minter, provision};
use super::step::{StepFailure, StepScope, execute, label};
use super::vars::Vars;
use crate::case::SpecVersion;
use crate::case::{Action, Case, Step, SyncUntil};
use crate::server::{Homeserver, Registration};
use crate::snapshot::{Normaliser, SnapshotContext};
use crate::verdict::{Execution, Failure, Outcome, Stop, Verdict, every_claim, judge};

/// Everything the cases of one run share.
#[derive(Debug)]
pub struct Run {
    /// The target homeserver.
    pub hs: Homeserver,
    /// How actors are registered.
    pub registration: Registration,
    /// Unique localparts for this run.
    pub minter: Minter,
    /// Where snapshots are stored.
    pub snapshots: PathBuf,
    /// The highest specification version the server advertises in `/versions`.
    pub advertised: Option<SpecVersion>,
    /// Compare snapshots with the stored files only, never writing (runs that expect mismatches).
    pub compare_only: bool,
    /// The longest any `sync_until` waits, whatever its case asks (for targets that answer at once).
    pub within_cap: Option<Duration>,
}

/// Runs `case` against the run's target and returns its verdict, judged by the case's level.
///
/// A case whose claims need a specification version the server does not advertise is skipped.
pub async fn run_case(run: &Run, case: &Case) -> Verdict {
    let started = Instant::now();
    let (outcome, claims) = match unadvertised(run.advertised, case) {
        Some(reason) => {
            let skipped = Outcome::Skipped(reason);
            (skipped.clone(), every_claim(case, &skipped))
        }
        None => judge(case, &execute_case(run, case).await),
    };
    Verdict {
        case_id: case.id.clone(),
        level: case.level(),
        outcome,
        claims,
        duration: started.elapsed(),
    }
}

/// The version every case needs whatever its claims: the harness speaks the `/v3` endpoints, added in v1.1.
const V3_ENDPOINTS: &str = "v1.1";

/// Why the server's advertised versions rule the case out, if they do.
fn unadvertised(advertised: Option<SpecVersion>, case: &Case) -> Option<String> {
    let floor: SpecVersion = V3_ENDPOINTS.parse().ok()?;
    let needed = case.since().map_or(floor, |since| since.max(floor));
    if advertised.is_some_and(|highest| highest >= needed) {
        return None;
    }
    let has = advertised.map_or("no version it can read".to_string(), |v| {
        format!("versions up to {v}")
    });
    let claims: Vec<&str> = case
        .claims
        .iter()
        .filter(|c| c.since == needed)
        .map(|c| c.id.as_str())
        .collect();
    let why = if claims.is_empty() {
        format!("the harness's /v3 requests need {needed}")
    } else {
        format!("claim {} needs {needed}", claims.join(", "))
    };
    Some(format!("the server advertises {has}; {why}"))
}

/// A snapshot's description: the claims its step checks, with level, section and quote.
fn described(case: &Case, step: &Step) -> String {
    case.claims
        .iter()
        .filter(|c| step.checks.contains(&c.id))
        .map(|c| format!("{} {}: {}", c.level, c.section, c.quote))
        .collect::<Vec<_>>()
        .join("\n")
}

async fn execute_case(run: &Run, case: &Case) -> Execution {
    let mut vars = Vars::default();
    let mut normaliser = Normaliser::new();
    let mut tokens: HashMap<(String, u8), String> = HashMap::new();
    let mut actors = HashMap::new();
    for name in &case.actors {
        match provision(&run.hs, &run.registration, &run.minter, name).await {
            Ok(actor) => {
                let account = &actor.account;
                normaliser.actor(name, &account.user_id);
                if vars.get("server").is_none()
                    && let Some((_, server)) = account.user_id.split_once(':')
                {
                    vars.set("server", Value::String(server.to_string()));
                }
                vars.set(name, Value::String(account.user_id.clone()));
                tokens.insert((name.clone(), 1), account.access_token.clone());
                actors.insert(name.clone(), actor);
            }
            Err(err) => {
                return Execution {
                    stop: Some(Stop::Aborted {
                        step: None,
                        failure: Failure {
                            step: None,
                            location: case.file.display().to_string(),
                            action: format!("registering actor `{name}`"),
                            detail: err.to_string(),
                        },
                    }),
                    ..Execution::default()
                };
            }
        }
    }
    let base = SnapshotContext {
        dir: run.snapshots.clone(),
        case_id: case.id.clone(),
        case_file: case.file.clone(),
        description: String::new(),
        compare_only: run.compare_only,
    };
    let mut execution = Execution::default();
    for (index, step) in case.steps.iter().enumerate() {
        if let Some(missing) = step.when.iter().find(|name| vars.get(name).is_none()) {
            let note = format!("step {} left out: `{missing}` was not saved", index + 1);
            execution.observed.push((index, vec![note]));
            execution.left_out.push(index);
            continue;
        }
        let action = label(step, &vars);
        let snapshots = SnapshotContext {
            description: described(case, step),
            ..base.clone()
        };
        if let Some(name) = &step.actor
            && !tokens.contains_key(&(name.clone(), step.device))
            && let Some(actor) = actors.get(name)
        {
            match actor.log_in(&run.hs).await {
                Ok(account) => {
                    tokens.insert((name.clone(), step.device), account.access_token);
                }
                Err(err) => {
                    execution.stop = Some(Stop::Aborted {
                        step: Some(index),
                        failure: Failure {
                            step: Some(index + 1),
                            location: format!("{}:{}", case.file.display(), step.line),
                            action: format!("logging `{name}` in on device {}", step.device),
                            detail: err.to_string(),
                        },
                    });
                    break;
                }
            }
        }
        let scope = StepScope {
            hs: &run.hs,
            token: step
                .actor
                .as_ref()
                .and_then(|a| tokens.get(&(a.clone(), step.device)))
                .map(String::as_str),
            vars: &mut vars,
            normaliser: &mut normaliser,
            snapshots: &snapshots,
        };
        let report = match (&step.action, run.within_cap) {
            (Action::SyncUntil(sync), Some(cap)) if sync.within > cap => {
                let mut capped = step.clone();
                capped.action = Action::SyncUntil(SyncUntil {
                    within: cap,
                    ..sync.clone()
                });
                execute(&capped, scope).await
            }
            _ => execute(step, scope).await,
        };
        if !report.observed.is_empty() {
            execution.observed.push((index, report.observed));
        }
        let Err(failure) = report.result else {
            continue;
        };
        let failed = |detail: String| Failure {
            step: Some(index + 1),
            location: format!("{}:{}", case.file.display(), step.line),
            action: action.clone(),
            detail,
        };
        execution.stop = Some(match failure {
            StepFailure::Error(detail) => Stop::Aborted {
                step: Some(index),
                failure: failed(detail),
            },
            StepFailure::Broken(parts) => {
                let mut lines: Vec<&str> = Vec::new();
                for line in parts.iter().flat_map(|p| p.detail.lines()) {
                    if !lines.contains(&line) {
                        lines.push(line);
                    }
                }
                let whole = failed(lines.join("\n"));
                let mut charges: Vec<(String, Failure)> = Vec::new();
                for claim in parts.iter().flat_map(|p| &p.claims) {
                    if charges.iter().any(|(id, _)| id == claim) {
                        continue;
                    }
                    let detail = parts
                        .iter()
                        .filter(|p| p.claims.contains(claim))
                        .map(|p| p.detail.as_str())
                        .collect::<Vec<_>>()
                        .join("\n");
                    charges.push((claim.clone(), failed(detail)));
                }
                if charges.is_empty() {
                    Stop::Blocked {
                        step: index,
                        failure: whole,
                    }
                } else {
                    Stop::Broken {
                        step: index,
                        charges,
                        failure: whole,
                        judged: report.judged,
                    }
                }
            }
        });
        break;
    }
    execution
}
