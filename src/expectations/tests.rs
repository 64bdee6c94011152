//! Expectations tests: loading, its errors at their lines, applying to a report, and writing back.

use super::*;
use crate::report::full_sample::sample;
use crate::verdict::Outcome;

fn parsed(text: &str) -> Result<Expectations, ExpectationsError> {
    parse(Path::new("expect/synapse.yaml"), text)
}

const FILE: &str = "# Synapse 1.98.0: known departures
account_data.b-fail:
  outcome: fail
  reason: https://github.com/element-hq/synapse/issues/1
account_data.a-pass:
  outcome: non_strict
  reason: 'a SHOULD, once'
membership.h-error:
  outcome: blocked
  reason: flaky
";

#[test]
fn entries_keep_their_order_labels_and_lines() {
    let expectations = parsed(FILE).unwrap();
    let entries = expectations.entries();
    assert_eq!(entries.len(), 3);
    assert_eq!(
        (
            entries[0].case.as_str(),
            entries[0].outcome.as_str(),
            entries[0].at.line
        ),
        ("account_data.b-fail", "fail", 2)
    );
    assert_eq!(entries[1].outcome, "non-strict");
    assert_eq!(entries[1].reason, "a SHOULD, once");
    assert_eq!(entries[2].outcome, "blocked");
}

#[test]
fn an_empty_file_expects_nothing() {
    assert!(parsed("# nothing yet\n").unwrap().entries().is_empty());
    assert!(parsed("{}\n").unwrap().entries().is_empty());
}

#[test]
fn a_bad_label_names_the_line_and_the_labels() {
    let err = parsed("dm.x:\n  outcome: fial\n  reason: r\n").unwrap_err();
    let message = err.to_string();
    assert!(message.starts_with("expect/synapse.yaml:2:"), "{message}");
    assert!(
        message.contains("unknown outcome `fial`, expected one of skipped, informational, non-strict, fail, blocked, error (did you mean `fail`?)"),
        "{message}"
    );
    let err = parsed("dm.x:\n  outcome: pass\n  reason: r\n").unwrap_err();
    assert!(err.to_string().contains("needs no entry"), "{err}");
}

#[test]
fn not_reached_is_no_case_outcome_and_names_its_line() {
    for written in ["not reached", "not_reached"] {
        let text = format!(
            "dm.x:\n  outcome: fail\n  reason: r\ndm.y:\n  outcome: {written}\n  reason: r\n"
        );
        let message = parsed(&text).unwrap_err().to_string();
        assert!(message.starts_with("expect/synapse.yaml:5:"), "{message}");
        assert!(message.contains("never a case's"), "{message}");
        assert!(
            !message.contains("one of skipped, informational, not"),
            "{message}"
        );
    }
    assert_eq!(canonical_label("not reached"), None);
    assert_eq!(canonical_label("non_strict"), Some("non-strict"));
}

#[test]
fn a_missing_reason_or_an_unknown_key_names_the_line() {
    let err = parsed("dm.x:\n  outcome: fail\n").unwrap_err();
    assert!(
        err.to_string().starts_with("expect/synapse.yaml:2:"),
        "{err}"
    );
    assert!(err.to_string().contains("reason"), "{err}");
    let err = parsed("dm.x:\n  outcome: fail\n  reasn: r\n").unwrap_err();
    assert!(
        err.to_string().contains("(did you mean `reason`?)"),
        "{err}"
    );
    let err = parsed("dm.x:\n  outcome: fail\n  reason: ''\n").unwrap_err();
    assert!(
        err.to_string().starts_with("expect/synapse.yaml:3:"),
        "{err}"
    );
}

#[test]
fn a_duplicate_case_or_a_wrong_shape_is_an_error_naming_the_line() {
    let err = parsed("dm.x: {outcome: fail, reason: r}\ndm.x: {outcome: error, reason: r}\n")
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "expect/synapse.yaml:2:1: case `dm.x` is named twice"
    );
    let err = parsed("dm.x: 3\n").unwrap_err();
    assert!(
        err.to_string().starts_with("expect/synapse.yaml:1:7: "),
        "{err}"
    );
    assert!(err.to_string().ends_with(SHAPE), "{err}");
}

#[test]
fn an_unknown_case_gets_a_did_you_mean_with_its_line() {
    let expectations = parsed(FILE).unwrap();
    let errors = expectations.unknown_cases(&["account_data.b-fail", "account_data.a-passes"]);
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_eq!(
        errors[0].to_string(),
        "expect/synapse.yaml:5:1: no case `account_data.a-pass` in the suite (did you mean `account_data.a-passes`?)"
    );
    assert!(
        errors[1]
            .to_string()
            .starts_with("expect/synapse.yaml:8:1: no case `membership.h-error` in the suite"),
        "{}",
        errors[1]
    );
    assert!(!errors[1].to_string().contains("did you mean"));
}

#[test]
fn apply_counts_expected_failures_unexpected_passes_and_unexpected_outcomes() {
    let mut report = sample();
    let summary = parsed(FILE).unwrap().apply(&mut report);
    assert_eq!(summary.expected_failures, vec!["account_data.b-fail"]);
    assert_eq!(summary.unexpected_passes, vec!["account_data.a-pass"]);
    assert_eq!(summary.unexpected_outcomes, vec!["membership.h-error"]);
    assert_eq!(summary.file, "expect/synapse.yaml");
    assert_eq!(report.expectations.as_ref(), Some(&summary));
    let expected = |id: &str| {
        report
            .cases
            .iter()
            .find(|c| c.id == id)
            .and_then(|c| c.expected.clone())
    };
    assert!(expected("account_data.b-fail").is_some_and(|e| e.met));
    assert!(expected("membership.h-error").is_some_and(|e| !e.met && e.outcome == "blocked"));
    assert_eq!(expected("dm.e-skipped"), None);
}

#[test]
fn only_the_expected_outcome_is_excused() {
    let expectations = parsed(FILE).unwrap();
    assert!(expectations.is_excused("account_data.b-fail", "fail"));
    assert!(!expectations.is_excused("account_data.b-fail", "error"));
    assert!(expectations.is_excused("account_data.a-pass", "non_strict"));
    assert!(!expectations.is_excused("dm.e-skipped", "skipped"));
}

#[test]
fn the_file_a_run_implies_loads_back_to_its_departures() {
    let mut report = sample();
    if let Outcome::Fail(failure) = &mut report.cases[1].outcome {
        failure.problems[0] = crate::verdict::Problem::Body {
            pointer: "/a: b".into(),
            expected: "'#x' \"y\"".into(),
            found: "- [z]".into(),
        };
    }
    let yaml = from_report(&report);
    assert!(
        yaml.starts_with("# Expected outcomes against synapse@1.98.0 (Synapse 1.98.0)\n"),
        "{yaml}"
    );
    let back = parsed(&yaml).unwrap_or_else(|e| panic!("{e}\n{yaml}"));
    let entries: Vec<(&str, &str, &str)> = back
        .entries()
        .iter()
        .map(|e| (e.case.as_str(), e.outcome.as_str(), e.reason.as_str()))
        .collect();
    assert_eq!(
        entries,
        vec![
            (
                "account_data.b-fail",
                "fail",
                "body at /a: b: expected '#x' \"y\", found - [z]"
            ),
            (
                "dm.c-non-strict",
                "non-strict",
                "snapshot snapshots/dm__c.snap does not match"
            ),
            (
                "membership.f-blocked",
                "blocked",
                "nothing at /room_id to save as `room`"
            ),
            ("membership.h-error", "error", "connection refused"),
        ]
    );
}

#[test]
fn a_run_without_departures_implies_an_empty_file() {
    let mut report = sample();
    report.cases.retain(|c| c.outcome == Outcome::Pass);
    let yaml = from_report(&report);
    assert!(parsed(&yaml).unwrap().entries().is_empty(), "{yaml}");
}
