//! Running one case from provisioning to verdict.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Instant;

use serde_json::Value;

use super::actor::{Minter, provision};
use super::step::{StepFailure, StepScope, execute, label};
use super::vars::Vars;
use crate::case::Case;
use crate::snapshot::{Normaliser, SnapshotContext};
use crate::target::{Homeserver, Registration};
use crate::verdict::{Failure, Outcome, Verdict};

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
}

/// Runs `case` against the run's target and returns its verdict.
pub async fn run_case(run: &Run, case: &Case) -> Verdict {
    let started = Instant::now();
    let outcome = outcome(run, case).await;
    Verdict {
        case_id: case.id.clone(),
        level: case.claim.level,
        outcome,
        duration: started.elapsed(),
    }
}

async fn outcome(run: &Run, case: &Case) -> Outcome {
    let mut vars = Vars::default();
    let mut normaliser = Normaliser::new();
    let mut tokens = HashMap::new();
    for name in &case.actors {
        match provision(&run.hs, &run.registration, &run.minter, name).await {
            Ok(account) => {
                normaliser.actor(name, &account.user_id);
                if vars.get("server").is_none()
                    && let Some((_, server)) = account.user_id.split_once(':')
                {
                    vars.set("server", Value::String(server.to_string()));
                }
                vars.set(name, Value::String(account.user_id));
                tokens.insert(name.clone(), account.access_token);
            }
            Err(err) => {
                return Outcome::Error(Failure {
                    step: None,
                    location: case.file.display().to_string(),
                    action: format!("registering actor `{name}`"),
                    detail: err.to_string(),
                });
            }
        }
    }
    let snapshots = SnapshotContext {
        dir: run.snapshots.clone(),
        case_id: case.id.clone(),
        case_file: case.file.clone(),
        description: format!(
            "{} {}: {}",
            case.claim.level, case.claim.section, case.claim.quote
        ),
    };
    for (index, step) in case.steps.iter().enumerate() {
        let action = label(step, &vars);
        let scope = StepScope {
            hs: &run.hs,
            token: step
                .actor
                .as_ref()
                .and_then(|a| tokens.get(a))
                .map(String::as_str),
            vars: &mut vars,
            normaliser: &mut normaliser,
            snapshots: &snapshots,
        };
        if let Err(failure) = execute(step, scope).await {
            let (detail, is_error) = match failure {
                StepFailure::Fail(detail) => (detail, false),
                StepFailure::Error(detail) => (detail, true),
            };
            let failure = Failure {
                step: Some(index + 1),
                location: format!("{}:{}", case.file.display(), step.line),
                action,
                detail,
            };
            return if is_error {
                Outcome::Error(failure)
            } else {
                Outcome::Fail(failure)
            };
        }
    }
    Outcome::Pass
}
