//! A hand-built report with every outcome, every problem kind, a transcript, expectations and a
//! mutation matrix: the fixture the schema, merge, compare and expectations tests read and write.

use serde_json::json;

use super::model::{
    CaseReport, ClaimCase, ClaimReport, Cost, ExpectationsReport, Expected, MutantRow,
    MutantsReport, PeerInfo, RunReport, Selection, ServerInfo, TargetInfo,
};
use crate::case::{Home, Level, Subject};
use crate::server::Exchange;
use crate::verdict::{Answer, ClaimVerdict, Failure, Observation, Outcome, Problem, Tally};

/// A report of eight cases, one per outcome, against a Synapse.
pub(crate) fn sample() -> RunReport {
    let cases = vec![
        case("account_data.a-pass", Level::Must, Outcome::Pass),
        case(
            "account_data.b-fail",
            Level::Must,
            Outcome::Fail(failure(vec![
                Problem::Status {
                    expected: "200".into(),
                    found: 404,
                },
                Problem::Errcode {
                    expected: vec!["M_NOT_FOUND".into()],
                    found: None,
                },
                Problem::Body {
                    pointer: "/content/a".into(),
                    expected: "1".into(),
                    found: "2".into(),
                },
            ])),
        ),
        case(
            "dm.c-non-strict",
            Level::Should,
            Outcome::NonStrict(failure(vec![
                Problem::Snapshot {
                    file: "snapshots/dm__c.snap".into(),
                    diff: Some("-a\n+b\n".into()),
                    produced: "{}".into(),
                },
                Problem::Snapshot {
                    file: "snapshots/dm__c2.snap".into(),
                    diff: None,
                    produced: "{}".into(),
                },
            ])),
        ),
        case(
            "dm.d-informational",
            Level::Info,
            Outcome::Informational(Observation {
                observed: vec!["/is_direct: absent".into()],
                departure: Some(failure(vec![Problem::SyncDeadline {
                    awaited: "/rooms/join/[room:1]".into(),
                    last_seen: "nothing".into(),
                    waited_ms: 10_000,
                    idle: false,
                }])),
            }),
        ),
        case(
            "dm.e-skipped",
            Level::Must,
            Outcome::Skipped("needs v1.16".into()),
        ),
        case(
            "membership.f-blocked",
            Level::Must,
            Outcome::Blocked(failure(vec![Problem::Save {
                name: "room".into(),
                pointer: "/room_id".into(),
            }])),
        ),
        case(
            "membership.g-not-reached",
            Level::Must,
            Outcome::NotReached("step 2 broke before it".into()),
        ),
        case(
            "membership.h-error",
            Level::Must,
            Outcome::Error(failure(vec![
                Problem::Transport {
                    reason: "connection refused".into(),
                },
                Problem::Provisioning {
                    reason: "registration is disabled".into(),
                },
                Problem::Harness {
                    reason: "task panicked".into(),
                },
                Problem::TimedOut {
                    what: "the case (--case-timeout)".into(),
                    limit_ms: 60_000,
                },
            ])),
        ),
    ];
    let mut totals = Tally::default();
    for case in &cases {
        totals.add(&case.outcome);
    }
    let mut cases = cases;
    cases[0].claims.push(ClaimVerdict {
        claim: "dm.informed".into(),
        level: Level::Info,
        outcome: Outcome::Informational(Observation::default()),
    });
    cases[1].transcript = transcript();
    cases[1].replay = Some("curl -X GET 'http://127.0.0.1:8008/_matrix/client/versions'".into());
    cases[1].expected = Some(Expected {
        outcome: "fail".into(),
        reason: "https://github.com/element-hq/synapse/issues/1".into(),
        met: true,
        allowed: false,
    });
    RunReport {
        format_version: super::FORMAT_VERSION,
        mxconform_version: "0.1.0".into(),
        target: TargetInfo {
            spec: "synapse@1.98.0".into(),
            url: "http://127.0.0.1:8008".into(),
            server: Some(ServerInfo {
                name: "Synapse".into(),
                version: "1.98.0".into(),
            }),
            advertised_versions: vec!["v1.1".into(), "v1.11".into()],
            peer: Some(PeerInfo {
                spec: "synapse@1.163.2".into(),
                url: "http://127.0.0.1:41234".into(),
                server_name: "localhost:41235".into(),
            }),
        },
        started: "2026-01-02T03:04:05Z".into(),
        duration_ms: 1234,
        selection: Selection {
            suite_cases: 40,
            selectors: vec!["id:dm.*".into()],
            partition: Some("1/2".into()),
        },
        totals,
        claims: vec![
            ClaimReport {
                id: "account_data.a".into(),
                subject: Subject::Server,
                level: Level::Must,
                since: "v1.1".into(),
                section: "https://spec.matrix.org/v1.11/client-server-api/#client-config".into(),
                quote: "Servers MUST".into(),
                spec_gap: Some("silent on x".into()),
                not_testable: None,
                verdict: "fail".into(),
                cases: vec![
                    claim_case("account_data.a-pass", "pass"),
                    claim_case("account_data.b-fail", "fail"),
                ],
            },
            ClaimReport {
                id: "dm.client".into(),
                subject: Subject::Client,
                level: Level::Should,
                since: "v1.1".into(),
                section: "https://spec.matrix.org/v1.11/client-server-api/#direct-messaging".into(),
                quote: "Clients SHOULD".into(),
                spec_gap: None,
                not_testable: Some("a client claim".into()),
                verdict: "not testable: a client claim".into(),
                cases: Vec::new(),
            },
        ],
        cases,
        expectations: Some(ExpectationsReport {
            file: "expectations/synapse.yaml".into(),
            expected_failures: vec!["account_data.b-fail".into()],
            unexpected_passes: Vec::new(),
            unexpected_outcomes: Vec::new(),
        }),
        mutants: Some(MutantsReport {
            rows: vec![
                MutantRow {
                    profile: "conformant".into(),
                    kind: "baseline".into(),
                    claim: None,
                    finding: "passed".into(),
                    marks: Vec::new(),
                },
                MutantRow {
                    profile: "no-is-direct".into(),
                    kind: "fault".into(),
                    claim: Some("dm.is-direct".into()),
                    finding: "caught".into(),
                    marks: vec!["dm.c: fail dm.is-direct: expected true".into()],
                },
            ],
            unguarded: vec!["dm.unguarded".into()],
            beyond_the_fake: vec!["dm.federation.sent-invite-flagged".into()],
            duration_ms: 99,
        }),
        cost: Some(Cost {
            wall_ms: 41_000,
            requests: 812,
            harness_cpu_ms: Some(400),
            server_cpu_ms: Some(39_500),
        }),
    }
}

/// A case with one claim, named after the case, judged as the case is.
fn case(id: &str, level: Level, outcome: Outcome) -> CaseReport {
    CaseReport {
        id: id.into(),
        area: id.split('.').next().unwrap_or_default().into(),
        summary: format!("{id} does what it says"),
        file: format!("cases/{id}.yaml"),
        tags: vec!["sync".into()],
        level,
        claims: vec![ClaimVerdict {
            claim: id.into(),
            level,
            outcome: outcome.clone(),
        }],
        outcome,
        duration_ms: 7,
        transcript: Vec::new(),
        replay: None,
        expected: None,
    }
}

fn claim_case(case: &str, outcome: &str) -> ClaimCase {
    ClaimCase {
        case: case.into(),
        outcome: outcome.into(),
    }
}

fn failure(problems: Vec<Problem>) -> Failure {
    Failure {
        step: Some(2),
        location: "cases/x.yaml:12".into(),
        action: "alice: GET /_matrix/client/v3/user/[user:1]/account_data/m.direct".into(),
        problems,
        answer: Some(Answer {
            status: 404,
            body: "{\"errcode\":\"M_NOT_FOUND\"}".into(),
        }),
    }
}

/// Two exchanges: one answered, one that got no answer.
fn transcript() -> Vec<Exchange> {
    vec![
        Exchange {
            step: None,
            server: Home::Target,
            method: "POST".into(),
            path: "/_matrix/client/v3/login".into(),
            authenticated: false,
            request: Some(json!({"type": "m.login.password", "password": "[redacted]"})),
            status: Some(200),
            response: Some(json!({"user_id": "[user:1]"})),
            duration_ms: 3,
            error: None,
        },
        Exchange {
            step: Some(2),
            server: Home::Peer,
            method: "GET".into(),
            path: "/_matrix/client/v3/sync".into(),
            authenticated: true,
            request: None,
            status: None,
            response: None,
            duration_ms: 30_000,
            error: Some("timed out".into()),
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{Emitter, Html, Junit, Markdown};

    // Every human and CI format names the federation peer of a run that had one.
    #[test]
    fn every_format_names_the_federation_peer() {
        let report = sample();
        for emitter in [&Markdown as &dyn Emitter, &Html, &Junit] {
            let text = emitter.render(&report).expect("the sample renders");
            assert!(
                text.contains("synapse@1.163.2") && text.contains("localhost:41235"),
                "{}:\n{text}",
                emitter.format()
            );
        }
    }
}
