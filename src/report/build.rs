//! Building the report model from a run's verdicts, its cases and the claims registry.

use std::time::Duration;

use super::model::{CaseReport, ClaimCase, ClaimReport, Cost, RunReport, Selection, TargetInfo};
use crate::case::{Case, Claim, Home, Registry, Subject};
use crate::verdict::{Outcome, Tally, Verdict};

/// What the report says of the run besides its verdicts.
#[derive(Debug, Clone)]
pub struct RunFacts {
    /// The target.
    pub target: TargetInfo,
    /// When the run started, RFC 3339 in UTC.
    pub started: String,
    /// How long it took.
    pub duration: Duration,
    /// Which cases were asked for.
    pub selection: Selection,
    /// What running the cases cost, where it was measured.
    pub cost: Option<Cost>,
}

/// The report of a run: one entry per verdict, with its case's metadata, and the claims table.
pub fn build(
    facts: RunFacts,
    registry: &Registry,
    cases: &[Case],
    verdicts: &[Verdict],
) -> RunReport {
    let base = facts.target.url.clone();
    let peer_base = facts.target.peer.as_ref().map(|p| p.url.clone());
    let case_reports: Vec<CaseReport> = verdicts
        .iter()
        .filter_map(|verdict| {
            let case = cases.iter().find(|c| c.id == verdict.case_id)?;
            let failing_step = verdict.outcome.failure().and_then(|f| f.step);
            let replay = verdict
                .transcript
                .iter()
                .rev()
                .find(|e| failing_step.is_some() && e.step == failing_step)
                .or(verdict.transcript.last())
                .map(|exchange| match (exchange.server, &peer_base) {
                    (Home::Peer, Some(peer)) => exchange.curl(peer),
                    _ => exchange.curl(&base),
                });
            Some(CaseReport {
                id: case.id.clone(),
                area: case.id.split('.').next().unwrap_or_default().to_string(),
                summary: case.summary.clone(),
                file: case.file.display().to_string(),
                tags: case.tags.clone(),
                level: verdict.level,
                outcome: verdict.outcome.clone(),
                claims: verdict.claims.clone(),
                duration_ms: millis(verdict.duration),
                transcript: verdict.transcript.clone(),
                replay,
                expected: None,
            })
        })
        .collect();
    let claims = registry
        .iter()
        .map(|claim| claim_report(claim, verdicts))
        .collect();
    RunReport {
        format_version: super::FORMAT_VERSION,
        mxconform_version: env!("CARGO_PKG_VERSION").to_string(),
        target: facts.target,
        started: facts.started,
        duration_ms: millis(facts.duration),
        selection: facts.selection,
        totals: Tally::of(verdicts),
        cases: case_reports,
        claims,
        expectations: None,
        mutants: None,
        cost: facts.cost,
    }
}

/// A duration in whole milliseconds.
pub fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// Each case that judged the claim `id`, with the claim's outcome there.
pub fn judged<'a>(id: &str, verdicts: &'a [Verdict]) -> Vec<(&'a str, &'a Outcome)> {
    verdicts
        .iter()
        .flat_map(|v| {
            v.claims
                .iter()
                .filter(|c| c.claim == id)
                .map(|c| (v.case_id.as_str(), &c.outcome))
        })
        .collect()
}

fn claim_report(claim: &Claim, verdicts: &[Verdict]) -> ClaimReport {
    let judged = judged(&claim.id, verdicts);
    ClaimReport {
        id: claim.id.clone(),
        subject: claim.subject,
        level: claim.level,
        since: claim.since.to_string(),
        section: claim.section.clone(),
        quote: claim.quote.trim().to_string(),
        spec_gap: claim.spec_gap.as_ref().map(|g| g.trim().to_string()),
        not_testable: claim.not_testable.as_ref().map(|r| r.trim().to_string()),
        verdict: claim_verdict(claim, judged.iter().map(|(_, o)| *o)),
        cases: judged
            .iter()
            .map(|(case, outcome)| ClaimCase {
                case: case.to_string(),
                outcome: outcome.label().to_string(),
            })
            .collect(),
    }
}

/// A claim's verdict over its outcomes: the worst of them, `not run` when none, and the reason
/// for a client or untestable claim.
pub fn claim_verdict<'a>(claim: &Claim, outcomes: impl Iterator<Item = &'a Outcome>) -> String {
    match (&claim.not_testable, claim.subject) {
        (Some(reason), _) => format!("not testable: {}", reason.trim()),
        (None, Subject::Client) => "client claim: never judged against a server".into(),
        (None, Subject::Server) => outcomes
            .max_by_key(|o| o.severity())
            .map_or("not run".to_string(), |o| o.label().to_string()),
    }
}
