//! Loader tests: each bad input yields the right error at the right place.

use std::path::Path;

use super::*;
use crate::case::claims::parse_registry;
use crate::case::model::Level;

const HEAD: &str = "id: t.case\nsummary: s\nactors: [alice, bob]\nsteps:\n";

const CLAIMS: &str = "claims:\n  - {id: c.one, subject: server, section: x, quote: q, level: MUST, since: v1.1}\n  - {id: c.two, subject: server, section: x, quote: q, level: SHOULD, since: v1.16}\n  - {id: c.far, subject: server, section: x, quote: q, level: MUST, since: r0.3.0, not_testable: needs federation}\n  - {id: c.info, subject: server, section: x, quote: q, level: INFO, since: v1.1}\n  - {id: c.client, subject: client, section: x, quote: q, level: SHOULD, since: v1.1}\n";

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
        "  - as: alice\n    call: POST /createRoom\n    body: {invite: [\"${bob}\"], flag: yes}\n    save: {room: /room_id}\n  - as: bob\n    checks: [c.one]\n    sync_until: {at: \"/rooms/invite/${room}\", within: 2s}\n",
    )
    .unwrap();
    assert_eq!(case.steps.len(), 2);
    assert_eq!(case.steps[0].line, 5);
    assert!(case.steps[0].checks.is_empty() && case.steps[1].checks == ["c.one"]);
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
        "t.yaml:6:22: undefined variable `${room}`, expected one of ${alice}, ${bob}, ${server}"
    );
}

#[test]
fn undefined_variables_in_bodies_point_at_the_reference() {
    let text =
        message("  - as: alice\n    call: POST /x\n    body:\n      invite: [\"${bobb}\"]\n");
    assert!(
        text.starts_with("t.yaml:8:17: undefined variable `${bobb}`"),
        "{text}"
    );
    assert!(text.ends_with("(did you mean `bob`?)"), "{text}");
}

#[test]
fn steps_need_exactly_one_action() {
    assert!(
        message("  - as: alice\n")
            .contains("a step needs `call: METHOD /path`, `sync_until` or `read`")
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
        "  - as: alice\n    checks: [c.one]\n    call: GET /x\n    snapshot: {name: a}\n  - as: alice\n    checks: [c.one]\n    call: GET /y\n    snapshot: {name: a}\n",
    );
    assert!(text.contains("snapshot name `a` is used twice"), "{text}");
}

#[test]
fn one_bad_file_does_not_hide_the_others() {
    let good = Source {
        path: "good.yaml".into(),
        text: format!("{HEAD}  - as: alice\n    checks: [c.one]\n    call: GET /x\n"),
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
fn cases_check_the_union_of_their_steps_claims_at_the_strictest_level_and_newest_version() {
    let case = parse(
        "  - as: alice\n    call: GET /y\n    expect:\n      - {status: 200, checks: [c.one]}\n      - {body: {a: 1}}\n  - as: alice\n    checks: [c.two]\n    call: GET /x\n",
    )
    .unwrap();
    let ids: Vec<&str> = case.claims.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["c.one", "c.two"]);
    assert_eq!(case.steps[0].expect[0].checks, ["c.one"]);
    assert!(
        case.steps[0].expect[1].checks.is_empty(),
        "a block without checks of a step without checks is setup"
    );
    assert_eq!(case.level(), Level::Must);
    assert_eq!(
        case.since().map(|v| v.to_string()),
        Some("v1.16".to_string())
    );
}

#[test]
fn unknown_claims_are_errors_with_a_suggestion() {
    let err = message("  - as: alice\n    checks: [c.onee]\n    call: GET /x\n");
    assert_eq!(
        err,
        "t.yaml:6:14: unknown claim `c.onee`; claims are listed in claims.yaml (did you mean `c.one`?)"
    );
}

#[test]
fn checks_name_testable_server_claims_and_a_case_checks_one() {
    let err = message("  - as: alice\n    checks: [c.client]\n    call: GET /x\n");
    assert!(err.contains("`c.client` is a client claim"), "{err}");
    let err = message("  - as: alice\n    checks: [c.far]\n    call: GET /x\n");
    assert!(err.contains("`c.far` is marked not_testable"), "{err}");
    let err = message("  - as: alice\n    call: GET /x\n");
    assert_eq!(
        err,
        "t.yaml:1:5: the case checks no claim: name the claims a step checks under its `checks`"
    );
    let err = message("  - as: alice\n    call: GET /x\n    snapshot: {name: a}\n");
    assert!(err.contains("a snapshot is a check"), "{err}");
    let old = "id: t.case\nsummary: s\nclaims: [c.one]\nactors: [alice]\nsteps:\n  - as: alice\n    call: GET /x\n";
    let err = parse_case(Path::new("t.yaml"), old, &registry())
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("t.yaml:3:9: claims are named where they are checked"),
        "{err}"
    );
}

#[test]
fn informational_checks_record_what_they_saw_and_come_last() {
    let err = message("  - as: alice\n    checks: [c.info]\n    call: GET /x\n");
    assert!(
        err.contains("say what to record of the server's answer under `observe`"),
        "{err}"
    );
    let err = message(
        "  - as: alice\n    checks: [c.info]\n    observe: [/x]\n    call: GET /x\n  - as: alice\n    checks: [c.one]\n    call: GET /y\n",
    );
    assert!(
        err.starts_with("t.yaml:9:0: this step checks a stricter claim than the step at line 5"),
        "{err}"
    );
    let err = message(
        "  - as: alice\n    checks: [c.two]\n    call: GET /x\n  - as: alice\n    checks: [c.one]\n    call: GET /y\n",
    );
    assert!(
        err.contains("steps checking MUST claims come first, then SHOULD"),
        "{err}"
    );
    let case = parse(
        "  - as: alice\n    checks: [c.one]\n    call: GET /y\n  - as: alice\n    checks: [c.info]\n    observe: [/x]\n    call: GET /x\n",
    )
    .unwrap();
    assert_eq!(case.steps[1].observe, ["/x"]);
}

#[test]
fn claims_without_cases_are_errors_unless_not_testable() {
    let good = Source {
        path: "good.yaml".into(),
        text: format!(
            "{HEAD}  - as: alice\n    checks: [c.one, c.info]\n    observe: [/x]\n    call: GET /x\n"
        ),
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

#[test]
fn when_names_a_saved_variable_and_save_if_present_defines_one() {
    let case = parse(
        "  - as: alice\n    call: POST /createRoom\n    expect: {status: any}\n    save_if_present: {room: /room_id}\n  - as: alice\n    when: [room]\n    checks: [c.one]\n    call: GET /rooms/${room}\n",
    )
    .unwrap();
    assert_eq!(
        case.steps[0].save_if_present,
        [("room".to_string(), "/room_id".to_string())]
    );
    assert_eq!(case.steps[1].when, ["room"]);
    let err = message("  - as: alice\n    when: [rooom]\n    checks: [c.one]\n    call: GET /x\n");
    assert!(err.contains("undefined variable `${rooom}`"), "{err}");
}

#[test]
fn actors_on_the_peer_are_declared_with_at_peer_and_used_by_name() {
    let text = "id: t.case\nsummary: s\nactors: [alice, bob@peer]\nsteps:\n  - as: bob\n    checks: [c.one]\n    call: GET /x/${bob}\n";
    let (case, _) = parse_case(Path::new("t.yaml"), text, &registry()).unwrap();
    let homes: Vec<(&str, Home)> = case
        .actors
        .iter()
        .map(|a| (a.name.as_str(), a.home))
        .collect();
    assert_eq!(homes, [("alice", Home::Target), ("bob", Home::Peer)]);
    assert!(case.needs_peer());
    assert!(
        !parse("  - as: bob\n    checks: [c.one]\n    call: GET /x\n")
            .unwrap()
            .needs_peer()
    );
}

#[test]
fn an_actor_on_an_unknown_server_is_refused_with_a_hint() {
    for (actors, expected) in [
        (
            "[alice, bob@pear]",
            "t.yaml:3:17: actor `bob@pear` names server `pear` (did you mean `@peer`?)",
        ),
        (
            "[alice, bob@remote.example]",
            "the only other server is the federation peer, `<name>@peer`",
        ),
        (
            "[alice, \"@peer\"]",
            "actor name `` must be lower-case letters",
        ),
        ("[alice, bob@peer, bob]", "actor `bob` is declared twice"),
    ] {
        let text = format!(
            "id: t.case\nsummary: s\nactors: {actors}\nsteps:\n  - as: alice\n    checks: [c.one]\n    call: GET /x\n"
        );
        let err = parse_case(Path::new("t.yaml"), &text, &registry())
            .expect_err("the case must not load")
            .to_string();
        assert!(err.contains(expected), "{actors}: {err}");
    }
}

const READ: &str = "  - as: alice\n    call: POST /createRoom\n    save: {room: /room_id}\n  - as: alice\n    checks: [c.one]\n";

// A `read` becomes one step per read, room state first, each with the step's checks and focus.
#[test]
fn a_read_expands_into_one_step_per_read() {
    let case = parse(&format!(
        "{READ}    read: {{room: \"${{room}}\", type: m.room.member, state_key: \"${{bob}}\", through: [event, room-state]}}\n    expect: {{body: {{content: {{is_direct: true}}}}}}\n"
    ))
    .unwrap();
    let reads: Vec<Option<&str>> = case.steps.iter().map(|s| s.read).collect();
    assert_eq!(reads, vec![None, Some("room-state"), Some("event")]);
    assert!(
        case.steps[1..]
            .iter()
            .all(|s| s.checks == vec!["c.one".to_string()])
    );
    assert!(case.steps[2].focus.is_some());
    let every = parse(&format!(
        "{READ}    read: {{room: \"${{room}}\", type: m.room.topic, state_key: \"\"}}\n"
    ))
    .unwrap();
    assert_eq!(
        every.steps.len(),
        1 + 6,
        "every read but /members serves a topic; sync-state only when named"
    );
}

// A bad `read` names its place and what was expected.
#[test]
fn bad_reads_say_what_was_expected() {
    let read = |rest: &str| {
        message(&format!(
            "{READ}    read: {{room: \"${{room}}\", type: m.room.member, state_key: x{rest}}}\n"
        ))
    };
    assert!(read(", through: [memberz]").contains("(did you mean `members`?)"));
    assert!(read(", through: [event]").contains("list `room-state` too"));
    assert!(read(", through: []").contains("names no read"));
    let topic = message(&format!(
        "{READ}    read: {{room: r, type: m.room.topic, state_key: \"\", through: [members]}}\n"
    ));
    assert!(
        topic.contains("`members` does not serve what this step reads"),
        "{topic}"
    );
    let both = message(&format!(
        "{READ}    call: GET /x\n    read: {{room: r, type: t, state_key: k}}\n"
    ));
    assert!(both.contains("not several"), "{both}");
    let saves = message(&format!(
        "{READ}    read: {{room: r, type: t, state_key: k}}\n    save: {{x: /y}}\n"
    ));
    assert!(
        saves.starts_with("t.yaml:11:11: `save` does not belong to a `read` step"),
        "{saves}"
    );
    assert!(read(", through: [room-state], within: 0s").contains("more than 0s"));
}

// A `read` of account data becomes get and /sync reads of its content; a wrong mix is refused.
#[test]
fn a_read_of_account_data_expands_and_bad_mixes_are_refused() {
    let case = parse("  - as: alice\n    call: GET /sync\n    save: {before: /next_batch}\n  - as: alice\n    checks: [c.one]\n    read: {account_data: m.direct, since: \"${before}\"}\n    expect: {exact: {}}\n").unwrap();
    let reads: Vec<Option<&str>> = case.steps.iter().map(|s| s.read).collect();
    assert_eq!(
        reads,
        vec![
            None,
            Some("get"),
            Some("sync-initial"),
            Some("sync-incremental")
        ]
    );
    let mixed = message(&format!(
        "{READ}    read: {{account_data: m.direct, type: t, state_key: k}}\n"
    ));
    assert!(mixed.contains("reads a state event"), "{mixed}");
    let leave = message(&format!(
        "{READ}    read: {{account_data: m.direct, through: [sync-leave]}}\n"
    ));
    assert!(leave.contains("`sync-leave` does not serve"), "{leave}");
}

#[test]
fn unordered_names_pointers_of_an_exact_block_or_a_snapshot() {
    // Proves `unordered` loads into the model and each bad value is an error at its file:line.
    let case = parse(
        "  - as: alice\n    checks: [c.one]\n    call: GET /x\n    expect: {exact: {a: [1]}, unordered: [\"/*\", \"/${bob}/*/rooms\"]}\n    snapshot: {name: s, unordered: [/*/content/*]}\n",
    )
    .unwrap();
    assert_eq!(case.steps[0].expect[0].unordered, ["/*", "/${bob}/*/rooms"]);
    assert_eq!(
        case.steps[0].snapshot.as_ref().map(|s| s.unordered.clone()),
        Some(vec!["/*/content/*".to_string()])
    );
    let no_exact = message(
        "  - as: alice\n    call: GET /x\n    expect:\n      status: 200\n      unordered: [/*]\n",
    );
    assert!(
        no_exact.starts_with("t.yaml:9:")
            && no_exact.contains("`unordered` names the arrays of `exact`"),
        "{no_exact}"
    );
    let starred = message(
        "  - as: alice\n    call: GET /x\n    expect:\n      exact: {}\n      unordered: [/*, /rooms*]\n",
    );
    assert!(
        starred.starts_with("t.yaml:9:") && starred.contains("`rooms*` in `/rooms*` is not one"),
        "{starred}"
    );
    let relative =
        message("  - as: alice\n    call: GET /x\n    expect: {exact: {}, unordered: [rooms]}\n");
    assert!(
        relative.starts_with("t.yaml:7:") && relative.contains("JSON pointer starting with `/`"),
        "{relative}"
    );
    let undefined = message(
        "  - as: alice\n    call: GET /x\n    expect: {exact: {}, unordered: [\"/${carol}\"]}\n",
    );
    assert!(
        undefined.contains("undefined variable `${carol}`"),
        "{undefined}"
    );
    let not_a_list =
        message("  - as: alice\n    call: GET /x\n    expect: {exact: {}, unordered: {a: b}}\n");
    assert!(not_a_list.starts_with("t.yaml:7:"), "{not_a_list}");
}
