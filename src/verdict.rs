//! What a case's run amounts to, judged by the requirement level of the claims it checks.

mod failure;

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::case::{Case, Claim, Level};
use crate::server::Exchange;

pub use failure::{Answer, Failure, Problem, SNAPSHOT_HINT};

/// The result of running one case, or of judging one claim within it.
///
/// In JSON: `{"status": "fail", "detail": {failure}}`, `{"status": "skipped", "detail": "reason"}`,
/// `{"status": "pass"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", content = "detail", rename_all = "snake_case")]
pub enum Outcome {
    /// Every step did what the claim says.
    Pass,
    /// A MUST claim is broken.
    Fail(Failure),
    /// A SHOULD claim is broken: reported, but not a failure of the run.
    NonStrict(Failure),
    /// An INFO or MAY claim: what the server did is recorded, no verdict.
    Informational(Observation),
    /// Not run: the server does not advertise the specification version the claim needs.
    Skipped(String),
    /// A step that checks no claim (setup) did not get the answer it needs; the case's claims
    /// after it were not reached.
    Blocked(Failure),
    /// A claim whose checking steps were not all carried out, because an earlier step broke.
    NotReached(String),
    /// The case could not be carried out: provisioning, transport.
    Error(Failure),
}

/// What an informational claim recorded of the server's behaviour.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Observation {
    /// What the server answered where the case looked: `pointer: value` or `pointer: absent`.
    pub observed: Vec<String>,
    /// Where the server departed from what the case describes, if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub departure: Option<Failure>,
}

impl Observation {
    /// One line: the departure's headline, if any, then what was observed.
    pub fn summary(&self) -> String {
        let observed = self.observed.join("; ");
        match (&self.departure, observed.is_empty()) {
            (Some(f), true) => format!("differs: {}", f.headline()),
            (Some(f), false) => format!("differs: {}; observed {observed}", f.headline()),
            (None, true) => "held; nothing recorded".into(),
            (None, false) => format!("observed {observed}"),
        }
    }
}

/// Where carrying out a case's steps stopped early, before judging.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    /// An expectation of step `step` (0-based) broke; it charges the claims it checks.
    Broken {
        /// 0-based index of the step.
        step: usize,
        /// Each claim charged, with what was expected and found by the parts that check it.
        charges: Vec<(String, Failure)>,
        /// Everything that broke at the step.
        failure: Failure,
        /// Whether the step's answer was judged; when it was not (a `/sync` wait ran out), the claims
        /// its `expect` blocks check were never evaluated.
        judged: bool,
    },
    /// Step `step` (0-based), which checks none of the claims it broke, did not get what it needs.
    Blocked {
        /// 0-based index of the step.
        step: usize,
        /// What was expected and found.
        failure: Failure,
    },
    /// A step could not be carried out (provisioning, transport); `step` is `None` before the first.
    Aborted {
        /// 0-based index of the step, if one had started.
        step: Option<usize>,
        /// What went wrong.
        failure: Failure,
    },
}

/// What carrying out a case's steps produced, before judging.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Execution {
    /// Why the steps stopped early; `None` when every step ran and held.
    pub stop: Option<Stop>,
    /// What each step recorded under `observe`, by 0-based step index.
    pub observed: Vec<(usize, Vec<String>)>,
    /// Steps left out because a variable their `when` names was not saved, by 0-based index.
    pub left_out: Vec<usize>,
    /// What comparing every event with the other sightings of its id found.
    pub events: EventIdentity,
}

/// The events a case saw more than once, by `event_id`, compared.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EventIdentity {
    /// How many sightings of an id already seen were compared.
    pub compared: usize,
    /// Each id served with different keys by two reads, as a failure of the later read.
    pub conflicts: Vec<Failure>,
}

/// How one claim fared in one case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimVerdict {
    /// The claim id.
    pub claim: String,
    /// The claim's level, which its outcome is judged at.
    pub level: Level,
    /// The claim's outcome in this case.
    pub outcome: Outcome,
}

/// Judges an execution claim by claim: each claim only by the steps that check it, at its own level.
/// The case's outcome is the worst broken claim, `blocked` when a setup step broke, `error` when
/// a step could not be carried out; otherwise `pass` when a claim passed, `informational` when only
/// INFO or MAY claims were judged, and `skipped` when steps left out by `when` judged nothing.
pub fn judge(case: &Case, execution: &Execution) -> (Outcome, Vec<ClaimVerdict>) {
    let mut claims: Vec<ClaimVerdict> = case
        .claims
        .iter()
        .map(|claim| ClaimVerdict {
            claim: claim.id.clone(),
            level: claim.level,
            outcome: judge_claim(case, claim, execution),
        })
        .collect();
    let outcome = match &execution.stop {
        Some(Stop::Aborted { failure, .. }) => Outcome::Error(failure.clone()),
        Some(Stop::Blocked { failure, .. }) => Outcome::Blocked(failure.clone()),
        _ => {
            let worst = claims
                .iter()
                .map(|c| &c.outcome)
                .filter(|o| o.is_broken())
                .max_by_key(|o| o.severity());
            let any = |pick: fn(&Outcome) -> bool| claims.iter().any(|c| pick(&c.outcome));
            match worst {
                Some(outcome) => outcome.clone(),
                None if any(|o| matches!(o, Outcome::Pass)) => Outcome::Pass,
                None if any(|o| matches!(o, Outcome::Informational(_))) => {
                    Outcome::Informational(Observation {
                        observed: observed_by(execution, |_| true),
                        departure: match &execution.stop {
                            Some(Stop::Broken { failure, .. }) => Some(failure.clone()),
                            _ => None,
                        },
                    })
                }
                None => Outcome::Skipped(format!(
                    "no claim was judged: {}",
                    observed_by(execution, |i| execution.left_out.contains(&i)).join("; ")
                )),
            }
        }
    };
    let Some(identity) = judge_identity(case, execution) else {
        return (outcome, claims);
    };
    let worse = identity.outcome.is_broken()
        && !matches!(outcome, Outcome::Error(_) | Outcome::Blocked(_))
        && identity.outcome.severity() > outcome.severity();
    let outcome = if worse {
        identity.outcome.clone()
    } else {
        outcome
    };
    claims.push(identity);
    (outcome, claims)
}

/// The event identity claim in a case that saw some event id twice: broken by the first conflict.
fn judge_identity(case: &Case, execution: &Execution) -> Option<ClaimVerdict> {
    let claim = case.event_identity.as_ref()?;
    let events = &execution.events;
    if events.compared == 0 {
        return None;
    }
    let observed = vec![format!(
        "{} sightings of an event id seen before, {} with other keys",
        events.compared,
        events.conflicts.len()
    )];
    Some(ClaimVerdict {
        claim: claim.id.clone(),
        level: claim.level,
        outcome: at_level(claim.level, events.conflicts.first().cloned(), observed),
    })
}

/// The same outcome for every claim of `case`: for a case skipped, or one that never ran its steps.
pub fn every_claim(case: &Case, outcome: &Outcome) -> Vec<ClaimVerdict> {
    case.claims
        .iter()
        .map(|claim| ClaimVerdict {
            claim: claim.id.clone(),
            level: claim.level,
            outcome: outcome.clone(),
        })
        .collect()
}

/// One claim's outcome in a case, from the steps that check it.
fn judge_claim(case: &Case, claim: &Claim, execution: &Execution) -> Outcome {
    let checking: Vec<usize> = (0..case.steps.len())
        .filter(|&i| case.steps[i].checks_claim(&claim.id))
        .filter(|i| !execution.left_out.contains(i))
        .collect();
    let Some(&last) = checking.last() else {
        return Outcome::NotReached("every step checking it was left out".into());
    };
    let held = || {
        at_level(
            claim.level,
            None,
            observed_by(execution, |i| checking.contains(&i)),
        )
    };
    match &execution.stop {
        None => held(),
        Some(Stop::Broken {
            step,
            charges,
            judged,
            ..
        }) => {
            if let Some((_, failure)) = charges.iter().find(|(id, _)| *id == claim.id) {
                at_level(
                    claim.level,
                    Some(failure.clone()),
                    observed_by(execution, |i| i == *step),
                )
            } else if last < *step || (last == *step && *judged) {
                held()
            } else {
                Outcome::NotReached(format!("step {} broke before it", step + 1))
            }
        }
        Some(Stop::Blocked { step, .. }) if last < *step => held(),
        Some(Stop::Blocked { step, .. }) => {
            Outcome::NotReached(format!("setup step {} broke before it", step + 1))
        }
        Some(Stop::Aborted {
            step: Some(step), ..
        }) if last < *step => held(),
        Some(Stop::Aborted { failure, .. }) => Outcome::Error(failure.clone()),
    }
}

/// Judges a claim by its level: a departure fails a MUST, is non-strict for a SHOULD and
/// is recorded for INFO and MAY.
pub fn at_level(level: Level, departure: Option<Failure>, observed: Vec<String>) -> Outcome {
    match (level, departure) {
        (Level::Must | Level::Should, None) => Outcome::Pass,
        (Level::Must, Some(failure)) => Outcome::Fail(failure),
        (Level::Should, Some(failure)) => Outcome::NonStrict(failure),
        (Level::May | Level::Info, departure) => Outcome::Informational(Observation {
            observed,
            departure,
        }),
    }
}

/// What the steps picked by `pick` recorded, in step order.
fn observed_by(execution: &Execution, pick: impl Fn(usize) -> bool) -> Vec<String> {
    execution
        .observed
        .iter()
        .filter(|(step, _)| pick(*step))
        .flat_map(|(_, lines)| lines.iter().cloned())
        .collect()
}

impl Outcome {
    /// The outcome's name as reports print it.
    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail(_) => "fail",
            Outcome::NonStrict(_) => "non-strict",
            Outcome::Informational(_) => "informational",
            Outcome::Skipped(_) => "skipped",
            Outcome::Blocked(_) => "blocked",
            Outcome::NotReached(_) => "not reached",
            Outcome::Error(_) => "error",
        }
    }

    /// The failure behind the outcome, for outcomes that have one.
    pub fn failure(&self) -> Option<&Failure> {
        match self {
            Outcome::Fail(f) | Outcome::NonStrict(f) | Outcome::Blocked(f) | Outcome::Error(f) => {
                Some(f)
            }
            Outcome::Informational(observation) => observation.departure.as_ref(),
            _ => None,
        }
    }

    /// True for a claim the server was found to break: `fail` or `non-strict`.
    pub fn is_broken(&self) -> bool {
        matches!(self, Outcome::Fail(_) | Outcome::NonStrict(_))
    }

    /// True for the outcomes that make the run fail: `fail`, `blocked` and `error`.
    pub fn is_failure(&self) -> bool {
        matches!(
            self,
            Outcome::Fail(_) | Outcome::Blocked(_) | Outcome::Error(_)
        )
    }

    /// How bad the outcome is, for summarising several into one: higher is worse.
    pub fn severity(&self) -> u8 {
        severity_of_label(self.label()).unwrap_or(u8::MAX)
    }
}

/// Every outcome's label, least severe first: the one ordering outcomes are summarised by.
pub const OUTCOME_LABELS: [&str; 8] = [
    "skipped",
    "pass",
    "informational",
    "not reached",
    "non-strict",
    "fail",
    "blocked",
    "error",
];

/// The severity of the outcome labelled `label` (higher is worse); `None` for a text that is
/// not an outcome's label.
pub fn severity_of_label(label: &str) -> Option<u8> {
    OUTCOME_LABELS
        .iter()
        .position(|known| *known == label)
        .and_then(|index| u8::try_from(index).ok())
}

/// One case's verdict, as recorded for the summary and for reports.
#[derive(Debug, Clone)]
pub struct Verdict {
    /// The case id.
    pub case_id: String,
    /// The level the case was judged at.
    pub level: Level,
    /// What happened.
    pub outcome: Outcome,
    /// How each claim the case checks fared, judged only by the steps that check it.
    pub claims: Vec<ClaimVerdict>,
    /// How long the case took.
    pub duration: Duration,
    /// The HTTP exchanges of a case that failed, was blocked or erred (secrets redacted); empty
    /// for the other outcomes.
    pub transcript: Vec<Exchange>,
}

/// A case's outcome, each claim's outcome with its level, quote and section, and the failure:
/// what a reader needs to see why a case failed.
pub fn explain(case: &Case, verdict: &Verdict) -> String {
    let claims: String = case
        .claims
        .iter()
        .map(|c| {
            let outcome = verdict
                .claims
                .iter()
                .find(|v| v.claim == c.id)
                .map_or("", |v| v.outcome.label());
            format!(
                "\n  {outcome}: {} {}: {}\n    {}",
                c.level, c.id, c.quote, c.section
            )
        })
        .collect();
    match verdict.outcome.failure() {
        Some(failure) => format!("{} — claims:{claims}\n{failure}", verdict.outcome.label()),
        None => format!("{} — claims:{claims}", verdict.outcome.label()),
    }
}

/// Counts of outcomes over a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    /// Cases that passed.
    pub passed: usize,
    /// Cases that broke a MUST claim.
    pub failed: usize,
    /// Cases that broke a SHOULD claim.
    pub non_strict: usize,
    /// INFO and MAY cases, recorded without a verdict.
    pub informational: usize,
    /// Cases not run for want of an advertised spec version.
    pub skipped: usize,
    /// Cases whose setup broke before their claims were reached.
    pub blocked: usize,
    /// Cases that could not be carried out.
    pub errors: usize,
}

impl Tally {
    /// Counts the outcomes of `verdicts`.
    pub fn of(verdicts: &[Verdict]) -> Self {
        let mut tally = Tally::default();
        for verdict in verdicts {
            tally.add(&verdict.outcome);
        }
        tally
    }

    /// Counts one more outcome; `not reached` counts as blocked.
    pub fn add(&mut self, outcome: &Outcome) {
        let count = match outcome {
            Outcome::Pass => &mut self.passed,
            Outcome::Fail(_) => &mut self.failed,
            Outcome::NonStrict(_) => &mut self.non_strict,
            Outcome::Informational(_) => &mut self.informational,
            Outcome::Skipped(_) => &mut self.skipped,
            Outcome::Blocked(_) | Outcome::NotReached(_) => &mut self.blocked,
            Outcome::Error(_) => &mut self.errors,
        };
        *count += 1;
    }
}

impl fmt::Display for Tally {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} passed, {} failed, {} non-strict, {} informational, {} skipped, {} blocked, {} errors",
            self.passed,
            self.failed,
            self.non_strict,
            self.informational,
            self.skipped,
            self.blocked,
            self.errors
        )
    }
}

#[cfg(test)]
mod tests;
