//! What the emitters say of one case: how an expectations file changes its standing, its failure
//! in full with each claim's verdict, and its transcript as text.

use std::fmt::Write;

use serde_json::Value;

use super::model::{CaseReport, Expected};
use super::text::describe;
use crate::case::Home;
use crate::server::Exchange;
use crate::verdict::Outcome;

/// How a case stands once an expectations file is taken into account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Standing<'a> {
    /// The outcome is the one the expectations file names: it does not fail the run.
    Expected(&'a Expected),
    /// The expectations file names an outcome other than a pass, and the case passed.
    UnexpectedPass(&'a Expected),
    /// The outcome stands as it is.
    AsIs,
}

/// The case's standing.
pub(crate) fn standing(case: &CaseReport) -> Standing<'_> {
    match &case.expected {
        Some(expected) if expected.met => Standing::Expected(expected),
        Some(expected) if matches!(case.outcome, Outcome::Pass) && !expected.allowed => {
            Standing::UnexpectedPass(expected)
        }
        _ => Standing::AsIs,
    }
}

/// `expected <outcome>: <reason>`.
pub(crate) fn expectation(expected: &Expected) -> String {
    format!("expected {}: {}", expected.outcome, expected.reason)
}

/// The one-line reason a case has no verdict, or the headline of its failure.
pub(crate) fn headline(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Skipped(reason) | Outcome::NotReached(reason) => reason.clone(),
        Outcome::Informational(observation) => observation.summary(),
        other => other.failure().map(|f| f.headline()).unwrap_or_default(),
    }
}

/// The case's failure in full, each claim's verdict, and the transcript, as plain text.
pub(crate) fn account(case: &CaseReport) -> String {
    let mut out = verdicts(case);
    if !case.transcript.is_empty() {
        let _ = write!(out, "\ntranscript:\n{}", transcript(&case.transcript));
    }
    out
}

/// The case's failure in full and each claim's verdict, as plain text: [`account`] without
/// the transcript.
pub(crate) fn verdicts(case: &CaseReport) -> String {
    let mut out = String::new();
    if let Some(failure) = case.outcome.failure() {
        let _ = writeln!(out, "{failure}");
    }
    let _ = writeln!(out, "claims:");
    for claim in &case.claims {
        let _ = writeln!(
            out,
            "  {} ({}): {}",
            claim.claim,
            claim.level,
            describe(&claim.outcome)
        );
    }
    out
}

/// [`account`], then the replay command when there is one.
pub(crate) fn account_with_replay(case: &CaseReport) -> String {
    match &case.replay {
        Some(curl) => format!("{}\nreplay:\n  {curl}\n", account(case)),
        None => account(case),
    }
}

/// Each exchange: its heading line, then its bodies indented.
pub(crate) fn transcript(exchanges: &[Exchange]) -> String {
    let mut out = String::new();
    for exchange in exchanges {
        let _ = writeln!(out, "  {}", heading(exchange));
        for (name, body) in [
            ("request", &exchange.request),
            ("response", &exchange.response),
        ] {
            if let Some(body) = body {
                let _ = writeln!(out, "    {name}:");
                for line in pretty(body).lines() {
                    let _ = writeln!(out, "      {line}");
                }
            }
        }
    }
    out
}

/// The step that made the request, or `setup` for one made while users were set up.
pub(crate) fn step(exchange: &Exchange) -> String {
    exchange
        .step
        .map_or("setup".to_string(), |n| format!("step {n}"))
}

/// The answer's status, or why none came.
pub(crate) fn status(exchange: &Exchange) -> String {
    match (exchange.status, &exchange.error) {
        (Some(status), _) => status.to_string(),
        (None, Some(error)) => format!("no answer: {error}"),
        (None, None) => "no answer".to_string(),
    }
}

/// `step 2: GET /path → 200 (34 ms)`, with `to the peer` before the method for an exchange with
/// the federation peer.
pub(crate) fn heading(exchange: &Exchange) -> String {
    let server = match exchange.server {
        Home::Target => "",
        Home::Peer => "to the peer ",
    };
    format!(
        "{}: {server}{} {} → {} ({} ms)",
        step(exchange),
        exchange.method,
        exchange.path,
        status(exchange),
        exchange.duration_ms
    )
}

/// A body as a reader wants it: JSON pretty-printed, a text that is not JSON as it came.
pub(crate) fn pretty(body: &Value) -> String {
    match body {
        Value::String(raw) => raw.clone(),
        other => serde_json::to_string_pretty(other).unwrap_or_else(|_| other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample::sample;

    fn case(id: &str) -> CaseReport {
        sample().cases.into_iter().find(|c| c.id == id).unwrap()
    }

    #[test]
    fn expectations_change_a_case_standing() {
        assert!(matches!(
            standing(&case("dm.known-gap")),
            Standing::Expected(_)
        ));
        assert!(matches!(
            standing(&case("dm.since-fixed")),
            Standing::UnexpectedPass(_)
        ));
        assert_eq!(
            standing(&case("dm.create-room.invitees-flagged")),
            Standing::AsIs
        );
    }

    #[test]
    fn the_account_has_the_failure_the_claims_the_transcript_and_the_replay() {
        let text = account_with_replay(&case("dm.create-room.invitees-flagged"));
        let order = [
            "step 2 (dm/create.yaml:21)",
            "snapshot snapshots/dm.create.snap does not match",
            "claims:\n  dm.create-room.invitees-flagged (MUST): fail at step 2",
            "setup: POST /_matrix/client/v3/register → 200 (12 ms)",
            "\"access_token\": \"[redacted]\"",
            "step 2: GET /_matrix/client/v3/sync?timeout=0 → 200 (34 ms)",
            "replay:\n  curl -X GET",
        ];
        let at: Vec<usize> = order
            .iter()
            .map(|part| text.find(part).unwrap_or_else(|| panic!("{part}:\n{text}")))
            .collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "{text}");
    }

    #[test]
    fn the_verdicts_are_the_account_without_the_transcript() {
        let case = case("dm.create-room.invitees-flagged");
        let (verdicts, account) = (verdicts(&case), account(&case));
        assert!(account.starts_with(&verdicts), "{account}");
        assert!(verdicts.contains("claims:\n  dm.create-room"), "{verdicts}");
        assert!(!verdicts.contains("transcript:"), "{verdicts}");
        assert!(
            !verdicts.contains("/_matrix/client/v3/register"),
            "{verdicts}"
        );
    }

    #[test]
    fn an_exchange_with_the_peer_says_so_in_its_heading() {
        let mut exchange = case("dm.create-room.invitees-flagged").transcript[1].clone();
        assert_eq!(
            heading(&exchange),
            "step 2: GET /_matrix/client/v3/sync?timeout=0 → 200 (34 ms)"
        );
        exchange.server = Home::Peer;
        assert_eq!(
            heading(&exchange),
            "step 2: to the peer GET /_matrix/client/v3/sync?timeout=0 → 200 (34 ms)"
        );
    }
}
