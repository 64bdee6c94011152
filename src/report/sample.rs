//! A report with one case of every outcome, an expected failure and an unexpected pass, for the
//! emitters' tests.

use serde_json::json;

use super::Emitter;
use super::model::{
    CaseReport, ClaimCase, ClaimReport, Expected, RunReport, Selection, ServerInfo, TargetInfo,
};
use crate::case::{Home, Level, Subject};
use crate::server::Exchange;
use crate::verdict::{Answer, ClaimVerdict, Failure, Observation, Outcome, Problem, Tally};

/// The sample report: ten cases over three areas, and a claims table.
pub(crate) fn sample() -> RunReport {
    let cases = vec![
        case("account_data.global.round-trip", Level::Must, Outcome::Pass),
        case(
            "account_data.room.unknown-room",
            Level::Must,
            Outcome::Skipped("the server does not advertise v1.11".into()),
        ),
        failing(),
        case(
            "dm.invite.later-invites-unflagged",
            Level::Should,
            Outcome::NonStrict(failure(
                "dm/later.yaml:14",
                Problem::Body {
                    pointer: "/is_direct".into(),
                    expected: "absent".into(),
                    found: "true".into(),
                },
            )),
        ),
        case(
            "dm.invite.repeat-keeps-flag",
            Level::Info,
            Outcome::Informational(Observation {
                observed: vec!["/is_direct: true".into()],
                departure: None,
            }),
        ),
        expected(
            case("dm.known-gap", Level::Must, Outcome::Fail(status_failure())),
            "fail",
            true,
        ),
        expected(
            case("dm.since-fixed", Level::Must, Outcome::Pass),
            "fail",
            false,
        ),
        case(
            "membership.ban.provisioning",
            Level::Must,
            Outcome::Error(failure(
                "membership/ban.yaml:3",
                Problem::Provisioning {
                    reason: "registering bob: 403 M_FORBIDDEN".into(),
                },
            )),
        ),
        case(
            "membership.join.flag-on-join",
            Level::Must,
            Outcome::NotReached("setup step 1 broke before it".into()),
        ),
        case(
            "membership.leave.keeps-flag",
            Level::Must,
            Outcome::Blocked(status_failure()),
        ),
    ];
    RunReport {
        format_version: super::FORMAT_VERSION,
        mxconform_version: "0.1.0".into(),
        target: TargetInfo {
            spec: "synapse@1.163.2".into(),
            url: "http://127.0.0.1:8008".into(),
            server: Some(ServerInfo {
                name: "Synapse".into(),
                version: "1.163.2".into(),
            }),
            advertised_versions: vec!["v1.11".into(), "v1.12".into()],
            peer: None,
        },
        started: "2026-05-04T10:20:30.123Z".into(),
        duration_ms: 4_321,
        selection: Selection::default(),
        totals: Tally {
            passed: 2,
            failed: 2,
            non_strict: 1,
            informational: 1,
            skipped: 1,
            blocked: 2,
            errors: 1,
        },
        cases,
        claims: claims(),
        expectations: None,
        mutants: None,
        cost: None,
    }
}

/// The sample report as `emitter` renders it.
pub(crate) fn rendered(emitter: &dyn Emitter) -> String {
    emitter
        .render(&sample())
        .unwrap_or_else(|e| panic!("{} cannot render the sample: {e}", emitter.format()))
}

/// The failing case: a body problem and a snapshot problem, a transcript whose answer holds a
/// redacted token and markup, and a replay command.
fn failing() -> CaseReport {
    let mut failure = Failure::new(
        Some(2),
        "dm/create.yaml:21".into(),
        "bob: GET /_matrix/client/v3/sync".into(),
        Problem::Body {
            pointer: "/rooms/invite/[room:1]/is_direct".into(),
            expected: "true".into(),
            found: "absent | missing".into(),
        },
    );
    failure.problems.push(Problem::Snapshot {
        file: "snapshots/dm.create.snap".into(),
        diff: Some("-  \"is_direct\": true\n+  \"membership\": \"invite\"\n".into()),
        produced: "{\"membership\": \"invite\"}".into(),
    });
    failure.answer = Some(Answer {
        status: 200,
        body: "{\"next_batch\": \"s1\"}".into(),
    });
    let mut case = case(
        "dm.create-room.invitees-flagged",
        Level::Must,
        Outcome::Fail(failure),
    );
    case.transcript = vec![
        Exchange {
            step: None,
            server: Home::Target,
            method: "POST".into(),
            path: "/_matrix/client/v3/register".into(),
            authenticated: false,
            request: Some(json!({"username": "bob", "password": "[redacted]"})),
            status: Some(200),
            response: Some(json!({"user_id": "@bob:hs", "access_token": "[redacted]"})),
            duration_ms: 12,
            error: None,
        },
        Exchange {
            step: Some(2),
            server: Home::Target,
            method: "GET".into(),
            path: "/_matrix/client/v3/sync?timeout=0".into(),
            authenticated: true,
            request: None,
            status: Some(200),
            response: Some(json!({"next_batch": "<script>alert(1)</script>"})),
            duration_ms: 34,
            error: None,
        },
    ];
    case.replay = Some(
        "curl -X GET 'http://127.0.0.1:8008/_matrix/client/v3/sync?timeout=0' \
         -H \"Authorization: Bearer $MXCONFORM_ACCESS_TOKEN\""
            .into(),
    );
    case
}

/// A case whose every claim has the case's outcome.
fn case(id: &str, level: Level, outcome: Outcome) -> CaseReport {
    let area = id.split('.').next().unwrap_or_default();
    CaseReport {
        id: id.into(),
        area: area.into(),
        summary: format!("checks {id}"),
        file: format!("cases/{area}/{id}.yaml"),
        tags: vec![area.into()],
        level,
        claims: vec![ClaimVerdict {
            claim: id.into(),
            level,
            outcome: outcome.clone(),
        }],
        outcome,
        duration_ms: 25,
        transcript: Vec::new(),
        replay: None,
        expected: None,
    }
}

/// `case` named by an expectations file.
fn expected(mut case: CaseReport, outcome: &str, met: bool) -> CaseReport {
    case.expected = Some(Expected {
        outcome: outcome.into(),
        reason: "https://github.com/element-hq/synapse/issues/1".into(),
        met,
        allowed: false,
    });
    case
}

fn failure(location: &str, problem: Problem) -> Failure {
    Failure::new(Some(1), location.into(), "alice: PUT /x".into(), problem)
}

fn status_failure() -> Failure {
    failure(
        "membership/leave.yaml:8",
        Problem::Status {
            expected: "200".into(),
            found: 500,
        },
    )
}

/// The claims table: one claim per judged case, a client claim and one not testable.
fn claims() -> Vec<ClaimReport> {
    let judged = [
        ("account_data.global.round-trip", Level::Must, "pass"),
        ("dm.create-room.invitees-flagged", Level::Must, "fail"),
        (
            "dm.invite.later-invites-unflagged",
            Level::Should,
            "non-strict",
        ),
        ("dm.invite.repeat-keeps-flag", Level::Info, "informational"),
        ("membership.leave.keeps-flag", Level::Must, "not reached"),
    ];
    let mut claims: Vec<ClaimReport> = judged
        .iter()
        .map(|(id, level, verdict)| ClaimReport {
            cases: vec![ClaimCase {
                case: id.to_string(),
                outcome: verdict.to_string(),
            }],
            ..claim(id, *level, verdict)
        })
        .collect();
    claims[4].cases.push(ClaimCase {
        case: "membership.join.flag-on-join".into(),
        outcome: "not reached".into(),
    });
    claims.push(ClaimReport {
        subject: Subject::Client,
        ..claim(
            "dm.client.shows-flag",
            Level::Should,
            "client claim: never judged against a server",
        )
    });
    claims.push(ClaimReport {
        not_testable: Some("needs federation | two servers".into()),
        ..claim(
            "dm.federation.flag",
            Level::Must,
            "not testable: needs federation | two servers",
        )
    });
    claims
}

fn claim(id: &str, level: Level, verdict: &str) -> ClaimReport {
    ClaimReport {
        id: id.into(),
        subject: Subject::Server,
        level,
        since: "v1.1".into(),
        section: "https://spec.matrix.org/v1.11/client-server-api/#direct-messaging".into(),
        quote: "The invitee's m.direct is flagged.".into(),
        spec_gap: None,
        not_testable: None,
        verdict: verdict.into(),
        cases: Vec::new(),
    }
}
