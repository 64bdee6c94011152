//! The JUnit XML report, for CI systems that show test results.
//!
//! One `testsuite` per area, one `testcase` per case. `fail` and `blocked` are failures and
//! `error` is an error, each carrying the failure in full, every claim's verdict, the transcript
//! and the replay command. JUnit has no warning, so a `non-strict` case (a SHOULD claim broken)
//! passes and says what it broke in its `system-out`, as an `informational` case says what was
//! observed; `skipped` and `not reached` are skipped. A case whose outcome an expectations file
//! expects is skipped, so it does not fail the CI job; one expected not to pass that passed is a
//! failure of type `unexpected-pass`. The root element has no properties in JUnit, so each
//! `testsuite` carries the run's: target, URL, server and mxconform version.

use std::collections::BTreeMap;
use std::time::Duration;

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use super::detail::{self, Standing};
use super::model::CaseReport;
use super::{Emitter, RunReport};
use crate::verdict::Outcome;

/// Writes the report as JUnit XML.
pub struct Junit;

impl Emitter for Junit {
    fn format(&self) -> &'static str {
        "junit"
    }

    fn render(&self, report: &RunReport) -> Result<String, String> {
        let mut junit = Report::new("mxconform");
        if let Ok(started) = chrono::DateTime::parse_from_rfc3339(&report.started) {
            junit.set_timestamp(started);
        }
        junit.set_time(Duration::from_millis(report.duration_ms));
        let mut areas: BTreeMap<&str, Vec<&CaseReport>> = BTreeMap::new();
        for case in &report.cases {
            areas.entry(case.area.as_str()).or_default().push(case);
        }
        for (area, cases) in areas {
            let mut suite = TestSuite::new(area);
            suite.add_properties(run_properties(report));
            suite.set_time(Duration::from_millis(
                cases.iter().map(|c| c.duration_ms).sum(),
            ));
            suite.add_test_cases(cases.into_iter().map(test_case));
            junit.add_test_suite(suite);
        }
        junit.to_string().map_err(|e| e.to_string())
    }
}

/// What each suite says of the run.
fn run_properties(report: &RunReport) -> Vec<(String, String)> {
    let mut properties = vec![
        ("target".to_string(), report.target.spec.clone()),
        ("url".to_string(), report.target.url.clone()),
    ];
    if let Some(server) = &report.target.server {
        properties.push(("server.name".into(), server.name.clone()));
        properties.push(("server.version".into(), server.version.clone()));
    }
    if let Some(peer) = &report.target.peer {
        properties.push(("peer".into(), peer.spec.clone()));
        properties.push(("peer.url".into(), peer.url.clone()));
        properties.push(("peer.server_name".into(), peer.server_name.clone()));
    }
    properties.push(("mxconform.version".into(), report.mxconform_version.clone()));
    properties
}

/// One case as a `testcase`.
fn test_case(case: &CaseReport) -> TestCase {
    let mut test = TestCase::new(case.id.as_str(), status(case));
    test.set_classname(format!("mxconform.{}", case.area));
    test.set_time(Duration::from_millis(case.duration_ms));
    let claims: Vec<&str> = case.claims.iter().map(|c| c.claim.as_str()).collect();
    test.add_properties([
        ("level".to_string(), case.level.to_string()),
        ("claims".to_string(), claims.join(",")),
        ("file".to_string(), case.file.clone()),
    ]);
    match &case.outcome {
        Outcome::NonStrict(failure) if detail::standing(case) == Standing::AsIs => {
            test.set_system_out(format!(
                "broke a SHOULD claim: {}\n\n{}",
                failure.headline(),
                detail::account_with_replay(case)
            ));
        }
        Outcome::Informational(observation) => {
            test.set_system_out(match &observation.departure {
                Some(departure) => format!("{}\n{departure}", observation.summary()),
                None => observation.summary(),
            });
        }
        _ => {}
    }
    test
}

/// The `testcase` status: the outcome, as the expectations file changes it.
fn status(case: &CaseReport) -> TestCaseStatus {
    match detail::standing(case) {
        Standing::Expected(expected) => {
            let mut status = TestCaseStatus::skipped();
            status.set_message(detail::expectation(expected));
            status.set_type(case.outcome.label());
            if case.outcome.failure().is_some() {
                status.set_description(detail::account_with_replay(case));
            }
            status
        }
        Standing::UnexpectedPass(expected) => {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            status.set_type("unexpected-pass");
            status.set_message(format!("passed; {}", detail::expectation(expected)));
            status.set_description(detail::account(case));
            status
        }
        Standing::AsIs => match &case.outcome {
            Outcome::Fail(_) | Outcome::Blocked(_) => non_success(case, NonSuccessKind::Failure),
            Outcome::Error(_) => non_success(case, NonSuccessKind::Error),
            Outcome::Skipped(reason) | Outcome::NotReached(reason) => {
                let mut status = TestCaseStatus::skipped();
                status.set_message(reason.as_str());
                status.set_type(case.outcome.label());
                status
            }
            Outcome::Pass | Outcome::NonStrict(_) | Outcome::Informational(_) => {
                TestCaseStatus::success()
            }
        },
    }
}

/// A failure or error: typed by the outcome, headed by the failure's headline, with the account.
fn non_success(case: &CaseReport, kind: NonSuccessKind) -> TestCaseStatus {
    let mut status = TestCaseStatus::non_success(kind);
    status.set_type(case.outcome.label());
    status.set_message(detail::headline(&case.outcome));
    status.set_description(detail::account_with_replay(case));
    status
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample::{rendered, sample};

    /// The `testcase` element named `id`.
    fn test_case<'a>(doc: &'a roxmltree::Document<'a>, id: &str) -> roxmltree::Node<'a, 'a> {
        doc.descendants()
            .find(|n| n.has_tag_name("testcase") && n.attribute("name") == Some(id))
            .unwrap_or_else(|| panic!("no testcase {id}"))
    }

    /// `node`'s child element `tag`.
    fn child<'a>(node: roxmltree::Node<'a, 'a>, tag: &str) -> roxmltree::Node<'a, 'a> {
        node.children()
            .find(|n| n.has_tag_name(tag))
            .unwrap_or_else(|| panic!("no {tag} in {node:?}"))
    }

    #[test]
    fn every_outcome_maps_to_its_junit_element() {
        let xml = rendered(&Junit);
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let count = |tag: &str| doc.descendants().filter(|n| n.has_tag_name(tag)).count();
        assert_eq!(count("testsuite"), 3, "{xml}");
        assert_eq!(count("testcase"), 10, "{xml}");
        // fail, blocked, unexpected pass; error; skipped, not reached, expected failure.
        assert_eq!(count("failure"), 3, "{xml}");
        assert_eq!(count("error"), 1, "{xml}");
        assert_eq!(count("skipped"), 3, "{xml}");
        let root = doc.root_element();
        assert_eq!(root.attribute("name"), Some("mxconform"));
        assert_eq!(root.attribute("failures"), Some("3"));
        assert!(
            root.attribute("timestamp")
                .is_some_and(|t| t.starts_with("2026-05-04T10:20:30")),
            "{xml}"
        );
    }

    #[test]
    fn a_failure_carries_its_account_and_the_redaction_stays() {
        let xml = rendered(&Junit);
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let case = test_case(&doc, "dm.create-room.invitees-flagged");
        assert_eq!(case.attribute("classname"), Some("mxconform.dm"));
        assert_eq!(case.attribute("time"), Some("0.025"));
        let failure = child(case, "failure");
        assert_eq!(failure.attribute("type"), Some("fail"));
        assert_eq!(
            failure.attribute("message"),
            Some("body at /rooms/invite/[room:1]/is_direct: expected true, found absent | missing")
        );
        let text = failure.text().unwrap();
        assert!(text.contains("\"access_token\": \"[redacted]\""), "{text}");
        assert!(text.contains("<script>alert(1)</script>"), "{text}");
        assert!(text.contains("replay:\n  curl -X GET"), "{text}");
        let property = |name: &str| {
            case.descendants()
                .find(|n| n.has_tag_name("property") && n.attribute("name") == Some(name))
                .and_then(|n| n.attribute("value"))
        };
        assert_eq!(property("level"), Some("MUST"));
        assert_eq!(property("claims"), Some("dm.create-room.invitees-flagged"));
        assert_eq!(
            property("file"),
            Some("cases/dm/dm.create-room.invitees-flagged.yaml")
        );
    }

    #[test]
    fn expectations_skip_expected_failures_and_fail_unexpected_passes() {
        let xml = rendered(&Junit);
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let skipped = child(test_case(&doc, "dm.known-gap"), "skipped");
        assert_eq!(
            skipped.attribute("message"),
            Some("expected fail: https://github.com/element-hq/synapse/issues/1")
        );
        let failure = child(test_case(&doc, "dm.since-fixed"), "failure");
        assert_eq!(failure.attribute("type"), Some("unexpected-pass"));
    }

    #[test]
    fn non_strict_and_informational_pass_with_what_they_found() {
        let xml = rendered(&Junit);
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let non_strict = test_case(&doc, "dm.invite.later-invites-unflagged");
        assert_eq!(non_strict.children().filter(|n| n.is_element()).count(), 2);
        assert!(
            child(non_strict, "system-out")
                .text()
                .is_some_and(|t| t.starts_with("broke a SHOULD claim: body at /is_direct")),
            "{xml}"
        );
        let informational = test_case(&doc, "dm.invite.repeat-keeps-flag");
        assert_eq!(
            child(informational, "system-out").text(),
            Some("observed /is_direct: true")
        );
        let skipped = child(test_case(&doc, "account_data.room.unknown-room"), "skipped");
        assert_eq!(
            skipped.attribute("message"),
            Some("the server does not advertise v1.11")
        );
    }

    #[test]
    fn a_run_with_no_cases_and_an_unreadable_start_still_renders() {
        let mut report = sample();
        report.cases.clear();
        report.started = "yesterday".into();
        let xml = Junit.render(&report).unwrap();
        let doc = roxmltree::Document::parse(&xml).unwrap();
        assert_eq!(doc.root_element().attribute("tests"), Some("0"));
        assert_eq!(doc.root_element().attribute("timestamp"), None);
    }
}
