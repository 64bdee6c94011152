//! Judging executions claim by claim: charging, blocking, unjudged and left-out steps.

use super::*;
use crate::case::{Action, Call, Expect, Step, Subject};

fn failure() -> Failure {
    Failure::new(
        Some(1),
        "f:1".into(),
        "a".into(),
        Problem::Body {
            pointer: "/d".into(),
            expected: "d".into(),
            found: "e".into(),
        },
    )
}

fn claim(id: &str, level: Level) -> Claim {
    Claim {
        id: id.into(),
        section: String::new(),
        quote: String::new(),
        level,
        since: "v1.1".parse().unwrap(),
        notes: None,
        not_testable: None,
        subject: Subject::Server,
        spec_gap: None,
        source: None,
    }
}

fn step(checks: &[&str]) -> Step {
    Step {
        line: 1,
        actor: None,
        device: 1,
        action: Action::Call(Call {
            method: "GET".into(),
            path: "/".into(),
            body: None,
        }),
        expect: vec![Expect::default()],
        checks: checks.iter().map(|c| c.to_string()).collect(),
        observe: Vec::new(),
        save: Vec::new(),
        save_if_present: Vec::new(),
        when: Vec::new(),
        snapshot: None,
        focus: None,
        read: None,
    }
}

/// A case: setup, a MUST check, an INFO check.
fn case() -> Case {
    Case {
        id: "c".into(),
        summary: String::new(),
        claims: vec![claim("must", Level::Must), claim("info", Level::Info)],
        tags: Vec::new(),
        actors: Vec::new(),
        steps: vec![step(&[]), step(&["must"]), step(&["info"])],
        file: "c.yaml".into(),
        event_identity: Some(claim("identity", Level::Should)),
    }
}

fn outcomes(execution: &Execution) -> (Outcome, Vec<Outcome>) {
    let (outcome, claims) = judge(&case(), execution);
    (outcome, claims.into_iter().map(|c| c.outcome).collect())
}

#[test]
fn levels_decide_what_a_departure_means() {
    assert_eq!(
        at_level(Level::Must, Some(failure()), vec![]),
        Outcome::Fail(failure())
    );
    assert_eq!(
        at_level(Level::Should, Some(failure()), vec![]),
        Outcome::NonStrict(failure())
    );
    assert_eq!(
        at_level(Level::Should, None, vec!["x".into()]),
        Outcome::Pass
    );
    let Outcome::Informational(observation) = at_level(Level::May, None, vec!["/a: 1".into()])
    else {
        panic!("MAY informs")
    };
    assert_eq!(observation.summary(), "observed /a: 1");
}

// A broken check charges only the claims it checks; the claims after it are not reached.
#[test]
fn a_broken_check_charges_its_own_claims_only() {
    let execution = Execution {
        stop: Some(Stop::Broken {
            step: 1,
            charges: vec![("must".into(), failure())],
            failure: failure(),
            judged: true,
        }),
        ..Execution::default()
    };
    let (outcome, claims) = outcomes(&execution);
    assert_eq!(outcome, Outcome::Fail(failure()));
    assert_eq!(claims[0], Outcome::Fail(failure()));
    assert!(matches!(claims[1], Outcome::NotReached(_)), "{claims:?}");
}

// A setup step that breaks charges no claim: the case is blocked, its claims not reached.
#[test]
fn a_broken_setup_step_blocks_the_case_and_charges_no_claim() {
    let execution = Execution {
        stop: Some(Stop::Blocked {
            step: 0,
            failure: failure(),
        }),
        ..Execution::default()
    };
    let (outcome, claims) = outcomes(&execution);
    assert_eq!(outcome, Outcome::Blocked(failure()));
    assert!(claims.iter().all(|c| matches!(c, Outcome::NotReached(_))));
    assert!(outcome.is_failure());
}

// A claim whose checks all held before a later break keeps its verdict.
#[test]
fn claims_checked_before_a_break_keep_their_verdict() {
    let execution = Execution {
        stop: Some(Stop::Broken {
            step: 2,
            charges: vec![("info".into(), failure())],
            failure: failure(),
            judged: true,
        }),
        observed: vec![(2, vec!["/is_direct: absent".into()])],
        ..Execution::default()
    };
    let (outcome, claims) = outcomes(&execution);
    assert_eq!(claims[0], Outcome::Pass);
    let Outcome::Informational(observation) = &claims[1] else {
        panic!("INFO informs: {claims:?}")
    };
    assert_eq!(observation.observed, vec!["/is_direct: absent".to_string()]);
    assert_eq!(observation.departure, Some(failure()));
    assert_eq!(outcome, Outcome::Pass);
}

#[test]
fn a_clean_run_passes_and_records_observations() {
    let execution = Execution {
        stop: None,
        observed: vec![(2, vec!["/is_direct: false".into()])],
        ..Execution::default()
    };
    let (outcome, claims) = outcomes(&execution);
    assert_eq!(outcome, Outcome::Pass);
    assert!(
        matches!(&claims[1], Outcome::Informational(o) if o.summary() == "observed /is_direct: false")
    );
}

// A /sync wait that ran out charges its predicate's claims; the claims its expect blocks check
// were never evaluated, so they are not reached rather than held.
#[test]
fn claims_of_an_unjudged_step_are_not_reached() {
    let mut case = case();
    case.steps[1].checks.clear();
    case.steps[1].expect[0].checks = vec!["must".into()];
    case.steps[1].checks = vec!["info".into()];
    case.steps.truncate(2);
    let execution = Execution {
        stop: Some(Stop::Broken {
            step: 1,
            charges: vec![("info".into(), failure())],
            failure: failure(),
            judged: false,
        }),
        ..Execution::default()
    };
    let (_, claims) = judge(&case, &execution);
    assert!(
        matches!(claims[0].outcome, Outcome::NotReached(_)),
        "{claims:?}"
    );
}

// A claim checked only by steps left out for want of a saved value is not reached, never passed.
#[test]
fn claims_of_left_out_steps_are_not_reached() {
    let execution = Execution {
        left_out: vec![1],
        ..Execution::default()
    };
    let (outcome, claims) = outcomes(&execution);
    assert!(matches!(claims[0], Outcome::NotReached(_)), "{claims:?}");
    assert!(!matches!(outcome, Outcome::Pass), "{outcome:?}");
}

// When every checking step was left out, nothing was judged: the case is skipped, not passed.
#[test]
fn a_case_whose_checks_were_all_left_out_is_skipped() {
    let execution = Execution {
        left_out: vec![1, 2],
        observed: vec![(1, vec!["step 2 left out: `room` was not saved".into()])],
        ..Execution::default()
    };
    let (outcome, _) = outcomes(&execution);
    assert_eq!(
        outcome,
        Outcome::Skipped("no claim was judged: step 2 left out: `room` was not saved".into())
    );
}

#[test]
fn severities_follow_the_label_ordering() {
    let outcomes = [
        Outcome::Skipped("r".into()),
        Outcome::Pass,
        Outcome::Informational(Observation::default()),
        Outcome::NotReached("r".into()),
        Outcome::NonStrict(failure()),
        Outcome::Fail(failure()),
        Outcome::Blocked(failure()),
        Outcome::Error(failure()),
    ];
    for (rank, outcome) in outcomes.iter().enumerate() {
        assert_eq!(usize::from(outcome.severity()), rank, "{outcome:?}");
        assert_eq!(severity_of_label(outcome.label()), Some(outcome.severity()));
    }
    assert_eq!(severity_of_label("not run"), None);
}

#[test]
fn only_fail_blocked_and_error_fail_a_run() {
    assert!(Outcome::Fail(failure()).is_failure() && Outcome::Error(failure()).is_failure());
    assert!(!Outcome::NonStrict(failure()).is_failure());
    assert!(!Outcome::Skipped("r".into()).is_failure());
    assert!(!Outcome::NotReached("r".into()).is_failure());
}

// An event id served twice with other keys breaks the identity claim, at its own level, and makes
// a passing case non-strict; without a second sighting the claim is not judged at all.
#[test]
fn the_event_identity_claim_is_judged_where_an_id_was_seen_twice() {
    let (outcome, claims) = judge(&case(), &Execution::default());
    assert_eq!(outcome, Outcome::Pass);
    assert!(!claims.iter().any(|c| c.claim == "identity"), "{claims:?}");
    let clean = Execution {
        events: EventIdentity {
            compared: 2,
            conflicts: Vec::new(),
        },
        ..Execution::default()
    };
    let (outcome, claims) = judge(&case(), &clean);
    assert_eq!(outcome, Outcome::Pass);
    assert_eq!(claims.last().map(|c| &c.outcome), Some(&Outcome::Pass));
    let conflicting = Execution {
        events: EventIdentity {
            compared: 2,
            conflicts: vec![failure()],
        },
        ..Execution::default()
    };
    let (outcome, claims) = judge(&case(), &conflicting);
    assert_eq!(outcome, Outcome::NonStrict(failure()));
    assert_eq!(claims[0].outcome, Outcome::Pass);
    assert_eq!(
        claims.last().map(|c| &c.outcome),
        Some(&Outcome::NonStrict(failure()))
    );
}
