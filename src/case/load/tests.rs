//! Loader tests: each bad input yields the right error at the right place.

use std::path::Path;

use super::*;
use crate::case::claims::parse_registry;
use crate::case::model::Level;

const HEAD: &str = "id: t.case\nsummary: s\nclaims: [c.one]\nactors: [alice, bob]\nsteps:\n";

const CLAIMS: &str = "claims:\n  - {id: c.one, section: x, quote: q, level: MUST, since: v1.1}\n  - {id: c.two, section: x, quote: q, level: SHOULD, since: v1.16}\n  - {id: c.far, section: x, quote: q, level: MUST, since: r0.3.0, not_testable: needs federation}\n";

fn claims() -> Source {
    Source {
        path: "claims.yaml".into(),
        text: CLAIMS.into(),
    }
}

fn registry() -> Registry {
    parse_registry(Path::new("claims.yaml"), CLAIMS).unwrap()
}

fn parse(steps: &str) -> Result<Case, LoadError> {
    parse_case(Path::new("t.yaml"), &format!("{HEAD}{steps}"), &registry()).map(|(case, _)| case)
}

fn message(steps: &str) -> String {
    parse(steps)
        .expect_err("the case must not load")
        .to_string()
}

#[test]
fn a_good_case_loads_into_the_typed_model() {
    let case = parse(
        "  - as: alice\n    call: POST /createRoom\n    body: {invite: [\"${bob}\"], flag: yes}\n    save: {room: /room_id}\n  - as: bob\n    sync_until: {at: \"/rooms/invite/${room}\", within: 2s}\n",
    )
    .unwrap();
    assert_eq!(case.steps.len(), 2);
    assert_eq!(case.steps[0].line, 6);
    let Action::Call(call) = &case.steps[0].action else {
        panic!("first step is a call")
    };
    assert_eq!(call.method, "POST");
    let Some(Body::Json(body)) = &call.body else {
        panic!("JSON body")
    };
    assert_eq!(
        body["flag"],
        serde_json::json!("yes"),
        "YAML 1.1 booleans stay strings"
    );
    let Action::SyncUntil(sync) = &case.steps[1].action else {
        panic!("second step syncs")
    };
    assert_eq!(sync.within, Duration::from_secs(2));
}

#[test]
fn a_variable_is_defined_only_after_the_step_that_saves_it() {
    let text = message("  - as: alice\n    call: GET /rooms/${room}\n    save: {room: /room_id}\n");
    assert_eq!(
        text,
        "t.yaml:7:22: undefined variable `${room}`, expected one of ${alice}, ${bob}, ${server}"
    );
}

#[test]
fn undefined_variables_in_bodies_point_at_the_reference() {
    let text =
        message("  - as: alice\n    call: POST /x\n    body:\n      invite: [\"${bobb}\"]\n");
    assert!(
        text.starts_with("t.yaml:9:17: undefined variable `${bobb}`"),
        "{text}"
    );
    assert!(text.ends_with("(did you mean `bob`?)"), "{text}");
}

#[test]
fn steps_need_exactly_one_action() {
    assert!(
        message("  - as: alice\n").contains("a step needs `call: METHOD /path` or `sync_until`")
    );
    assert!(
        message("  - as: alice\n    call: GET /x\n    sync_until: {at: /x}\n")
            .contains("either `call` or `sync_until`")
    );
    assert!(
        message("  - call: GET /x\n  - sync_until: {at: /x}\n").contains("needs `as: <actor>`")
    );
}

#[test]
fn bad_values_say_what_was_expected() {
    assert!(
        message("  - as: alice\n    call: FETCH /x\n")
            .contains("METHOD one of GET, PUT, POST, DELETE")
    );
    assert!(message("  - as: alice\n    call: get /x\n").contains("(did you mean `GET`?)"));
    assert!(message("  - as: alice\n    call: GET x\n").contains("must start with `/`"));
    assert!(
        message("  - as: bob\n    sync_until: {at: /x, within: soon}\n")
            .contains("`within` must be a duration")
    );
    assert!(
        message("  - as: alice\n    call: GET /x\n    expect: {status: 999}\n")
            .contains("between 100 and 599")
    );
    assert!(
        message("  - as: alice\n    call: GET /x\n    save: {room: room_id}\n")
            .contains("JSON pointer")
    );
}

#[test]
fn case_ids_are_safe_file_name_parts() {
    let text = format!(
        "{}  - as: alice\n    call: GET /x\n",
        HEAD.replace("id: t.case", "id: ../Escape")
    );
    let err = parse_case(Path::new("t.yaml"), &text, &registry())
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("t.yaml:1:5: case id `../Escape` must be lower-case letters"),
        "{err}"
    );
}

#[test]
fn snapshot_names_are_unique_within_a_case() {
    let text = message(
        "  - as: alice\n    call: GET /x\n    snapshot: {name: a}\n  - as: alice\n    call: GET /y\n    snapshot: {name: a}\n",
    );
    assert!(text.contains("snapshot name `a` is used twice"), "{text}");
}

#[test]
fn one_bad_file_does_not_hide_the_others() {
    let good = Source {
        path: "good.yaml".into(),
        text: format!("{HEAD}  - as: alice\n    call: GET /x\n"),
    };
    let bad = Source {
        path: "bad.yaml".into(),
        text: "id: [".into(),
    };
    let duplicate = Source {
        path: "dup.yaml".into(),
        text: good.text.clone(),
    };
    let catalogue = load(&claims(), &[good, bad, duplicate]);
    assert_eq!(catalogue.cases.len(), 1);
    assert_eq!(catalogue.errors.len(), 2);
    assert!(matches!(catalogue.errors[1], LoadError::DuplicateId { .. }));
}

#[test]
fn cases_resolve_their_claims_and_take_the_strictest_level_and_newest_version() {
    let text = format!(
        "{}  - as: alice\n    call: GET /x\n",
        HEAD.replace("claims: [c.one]", "claims: [c.two, c.one]")
    );
    let (case, _) = parse_case(Path::new("t.yaml"), &text, &registry()).unwrap();
    assert_eq!(case.level(), Level::Must);
    assert_eq!(
        case.since().map(|v| v.to_string()),
        Some("v1.16".to_string())
    );
}

#[test]
fn unknown_claims_are_errors_with_a_suggestion() {
    let text = format!(
        "{}  - as: alice\n    call: GET /x\n",
        HEAD.replace("claims: [c.one]", "claims: [c.onee]")
    );
    let err = parse_case(Path::new("t.yaml"), &text, &registry())
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "t.yaml:3:10: unknown claim `c.onee`; claims are listed in claims.yaml (did you mean `c.one`?)"
    );
}

#[test]
fn claims_without_cases_are_errors_unless_not_testable() {
    let good = Source {
        path: "good.yaml".into(),
        text: format!("{HEAD}  - as: alice\n    call: GET /x\n"),
    };
    let catalogue = load(&claims(), &[good]);
    let messages: Vec<String> = catalogue.errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        messages,
        vec![
            "claims.yaml:3:10: claim `c.two` has no case; write one, or mark it `not_testable: <reason>`"
        ]
    );
}
