//! Running one case from provisioning to verdict.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::actor::{Minter, provision, unminted};
use super::bounds::{Bounds, Deadline};
use super::ledger::Ledger;
use super::step::{StepFailure, StepScope, execute, label};
use super::vars::Vars;
use crate::case::SpecVersion;
use crate::case::{Action, Case, Home, Step, SyncUntil};
use crate::matcher::short;
use crate::server::Recorder;
use crate::server::transcript::at_step;
use crate::server::{Homeserver, Registration};
use crate::snapshot::{Normaliser, SnapshotContext};
use crate::verdict::{
    Answer, EventIdentity, Execution, Failure, Outcome, Problem, Stop, Verdict, every_claim, judge,
};

/// Everything the cases of one run share.
#[derive(Debug)]
pub struct Run {
    /// The target homeserver.
    pub hs: Homeserver,
    /// How actors are registered.
    pub registration: Registration,
    /// The federation peer that actors declared `name@peer` live on, or why the run has none.
    pub peer: Result<Peer, String>,
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
    /// The deadlines of cases and of the run.
    pub bounds: Bounds,
    /// When the run started.
    pub started: tokio::time::Instant,
}

/// A second homeserver federating with the target, and how actors are registered on it.
#[derive(Debug, Clone)]
pub struct Peer {
    /// The peer homeserver; its exchanges are marked as the peer's in transcripts.
    pub hs: Homeserver,
    /// How actors are registered on it.
    pub registration: Registration,
}

impl Run {
    /// The homeserver `home` names and how actors are registered there; the peer's only when the
    /// run has one.
    fn server(&self, home: Home) -> Option<(&Homeserver, &Registration)> {
        match home {
            Home::Target => Some((&self.hs, &self.registration)),
            Home::Peer => self.peer.as_ref().ok().map(|p| (&p.hs, &p.registration)),
        }
    }
}

/// Runs `case` against the run's target and returns its verdict, judged by the case's level.
///
/// A case whose claims need a specification version the server does not advertise is skipped.
pub async fn run_case(run: &Run, case: &Case) -> Verdict {
    let started = Instant::now();
    let recorder = Recorder::new();
    let ruled_out = unadvertised(run.advertised, case).or_else(|| without_peer(run, case));
    let (outcome, claims) = match ruled_out {
        Some(reason) => {
            let skipped = Outcome::Skipped(reason);
            (skipped.clone(), every_claim(case, &skipped))
        }
        None => judge(
            case,
            &recorder.scope(within_deadline(run, case, &recorder)).await,
        ),
    };
    let keeps_transcript = outcome.is_failure() || matches!(outcome, Outcome::NonStrict(_));
    Verdict {
        case_id: case.id.clone(),
        level: case.level(),
        outcome,
        claims,
        duration: started.elapsed(),
        transcript: if keeps_transcript {
            recorder.take()
        } else {
            Vec::new()
        },
    }
}

/// Carries the case out, ending it as an error when it runs into its deadline or the run's.
async fn within_deadline(run: &Run, case: &Case, recorder: &Recorder) -> Execution {
    let (deadline, left) = Deadline::for_case(&run.bounds, run.started);
    match tokio::time::timeout(left, execute_case(run, case)).await {
        Ok(execution) => execution,
        Err(_) => {
            let step = recorder.step();
            let location = match step.and_then(|s| case.steps.get(s - 1)) {
                Some(at) => format!("{}:{}", case.file.display(), at.line),
                None => case.file.display().to_string(),
            };
            deadline.passed(step, location)
        }
    }
}

/// Why the case cannot run without a federation peer, when it needs one and the run has none.
fn without_peer(run: &Run, case: &Case) -> Option<String> {
    let reason = run.peer.as_ref().err()?;
    let remote = case.actors.iter().find(|a| a.home == Home::Peer)?;
    Some(format!(
        "actor `{}@peer` needs a federation peer, and {reason}",
        remote.name
    ))
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
    for declared in &case.actors {
        let name = &declared.name;
        let Some((hs, registration)) = run.server(declared.home) else {
            continue;
        };
        match provision(hs, registration, &run.minter, name).await {
            Ok(actor) => {
                let account = &actor.account;
                normaliser.actor_at(name, &account.user_id, declared.home);
                if declared.home.is_target()
                    && vars.get("server").is_none()
                    && let Some((_, server)) = account.user_id.split_once(':')
                {
                    vars.set("server", Value::String(server.to_string()));
                }
                vars.set(name, Value::String(account.user_id.clone()));
                tokens.insert((name.clone(), 1), account.access_token.clone());
                actors.insert(name.clone(), (actor, hs));
            }
            Err(err) => {
                let failure = Failure::new(
                    None,
                    case.file.display().to_string(),
                    format!("registering actor `{name}`{}", on_peer(declared.home)),
                    Problem::Provisioning {
                        reason: err.to_string(),
                    },
                );
                return Execution {
                    stop: Some(Stop::Aborted {
                        step: None,
                        failure: presented(failure, &normaliser),
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
    let mut ledger = Ledger::default();
    for (index, step) in case.steps.iter().enumerate() {
        if let Some(missing) = step.when.iter().find(|name| vars.get(name).is_none()) {
            let note = format!("step {} left out: `{missing}` was not saved", index + 1);
            execution.observed.push((index, vec![note]));
            execution.left_out.push(index);
            continue;
        }
        at_step(Some(index + 1));
        let action = label(step, &vars);
        let snapshots = SnapshotContext {
            description: described(case, step),
            ..base.clone()
        };
        if let Some(name) = &step.actor
            && !tokens.contains_key(&(name.clone(), step.device))
            && let Some((actor, hs)) = actors.get(name)
        {
            match actor.log_in(hs).await {
                Ok(account) => {
                    tokens.insert((name.clone(), step.device), account.access_token);
                }
                Err(err) => {
                    let failure = Failure::new(
                        Some(index + 1),
                        format!("{}:{}", case.file.display(), step.line),
                        format!("logging `{name}` in on device {}", step.device),
                        Problem::Provisioning {
                            reason: err.to_string(),
                        },
                    );
                    execution.stop = Some(Stop::Aborted {
                        step: Some(index),
                        failure: presented(failure, &normaliser),
                    });
                    break;
                }
            }
        }
        let hs = step
            .actor
            .as_ref()
            .and_then(|a| actors.get(a))
            .map_or(&run.hs, |(_, hs)| *hs);
        let scope = StepScope {
            hs,
            token: step
                .actor
                .as_ref()
                .and_then(|a| tokens.get(&(a.clone(), step.device)))
                .map(String::as_str),
            vars: &mut vars,
            normaliser: &mut normaliser,
            snapshots: &snapshots,
            ledger: &mut ledger,
            number: index + 1,
            action: &action,
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
            let observed = report.observed.iter().map(|o| unminted(o)).collect();
            execution.observed.push((index, observed));
        }
        let Err(failure) = report.result else {
            continue;
        };
        let location = format!("{}:{}", case.file.display(), step.line);
        execution.stop = Some(stopped(
            index,
            location,
            action,
            failure,
            report.judged,
            &mut normaliser,
        ));
        break;
    }
    execution.events = identity(&ledger, case, &mut normaliser);
    execution
}

/// What the ledger found, with each conflict as a failure of the read that departed from the
/// first sighting of the event.
fn identity(ledger: &Ledger, case: &Case, normaliser: &mut Normaliser) -> EventIdentity {
    let conflicts = ledger
        .conflicts
        .iter()
        .map(|conflict| {
            let (step, action, found) = &conflict.then;
            let (first_step, first_action, was) = &conflict.first;
            let line = case.steps.get(step - 1).map_or(0, |s| s.line);
            normaliser.observe(&Value::String(conflict.event_id.clone()));
            let failure = Failure::new(
                Some(*step),
                format!("{}:{line}", case.file.display()),
                action.clone(),
                Problem::Body {
                    pointer: format!("/{}", conflict.key),
                    expected: format!(
                        "event {} as step {first_step} ({first_action}) served it: {was}",
                        conflict.event_id
                    ),
                    found: found.clone(),
                },
            );
            presented(failure, normaliser)
        })
        .collect();
    EventIdentity {
        compared: ledger.compared,
        conflicts,
    }
}

/// How a message names the peer as an actor's server: nothing for the target.
fn on_peer(home: Home) -> &'static str {
    match home {
        Home::Target => "",
        Home::Peer => " on the federation peer",
    }
}

/// A failure as reports show it: ids become their placeholders and minted names their actors'.
fn presented(mut failure: Failure, normaliser: &Normaliser) -> Failure {
    failure.rewrite(|text| unminted(&normaliser.rewrite(text)));
    failure
}

/// Where a step's failure leaves the case: aborted, blocked (a setup part broke) or broken, with
/// each claim charged by the parts that check it. Ids in the texts become their placeholders.
fn stopped(
    index: usize,
    location: String,
    action: String,
    failure: StepFailure,
    judged: bool,
    normaliser: &mut Normaliser,
) -> Stop {
    let (parts, answer) = match failure {
        StepFailure::Error(problem) => {
            let failure = Failure::new(Some(index + 1), location, action, problem);
            return Stop::Aborted {
                step: Some(index),
                failure: presented(failure, normaliser),
            };
        }
        StepFailure::Broken { charges, answer } => (charges, answer),
    };
    let answer = answer.map(|response| {
        let body = normaliser.normalise(&response.body);
        Answer {
            status: response.status,
            body: short(&body),
        }
    });
    let failed = |problems: Vec<Problem>| {
        let failure = Failure {
            step: Some(index + 1),
            location: location.clone(),
            action: action.clone(),
            problems,
            answer: answer.clone(),
        };
        presented(failure, normaliser)
    };
    let mut every: Vec<Problem> = Vec::new();
    for problem in parts.iter().flat_map(|p| &p.problems) {
        if !every.contains(problem) {
            every.push(problem.clone());
        }
    }
    let whole = failed(every);
    let mut charges: Vec<(String, Failure)> = Vec::new();
    for claim in parts.iter().flat_map(|p| &p.claims) {
        if charges.iter().any(|(id, _)| id == claim) {
            continue;
        }
        let problems = parts
            .iter()
            .filter(|p| p.claims.contains(claim))
            .flat_map(|p| p.problems.iter().cloned())
            .collect();
        charges.push((claim.clone(), failed(problems)));
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
            judged,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_provisioning_failure_names_actors_not_minted_localparts() {
        let mut normaliser = Normaliser::new();
        normaliser.actor("alice", "@mxc-1df67d-24-alice:hs.example");
        let failure = Failure::new(
            Some(2),
            "dm/create.yaml:9".into(),
            "logging `bob` in on device 2".into(),
            Problem::Provisioning {
                reason:
                    "403 for @mxc-1df67d-25-bob:hs.example after @mxc-1df67d-24-alice:hs.example"
                        .into(),
            },
        );
        let text = presented(failure, &normaliser).to_string();
        assert!(
            text.contains("403 for @bob:[server] after @alice:[server]"),
            "{text}"
        );
        assert!(!text.contains("mxc-"), "{text}");
    }
}
