//! GET /_matrix/client/v3/pushrules/
//! GET /_matrix/client/v3/pushrules/global/
//! GET /_matrix/client/v3/pushrules/global/{kind}/{ruleId}
//! PUT /_matrix/client/v3/pushrules/global/{kind}/{ruleId}
//! DELETE /_matrix/client/v3/pushrules/global/{kind}/{ruleId}
//!
//! A user's push rules are the server-default rules with the user's own rules put before
//! those of the same kind (after `.m.rule.master` among the override rules). The whole
//! set is also the `m.push_rules` account data type: read through the account data API,
//! and sent in `/sync` in a full sync and in the first incremental sync after a change.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Map, Value, json};

use super::auth;
use super::call::Call;
use super::error::{ApiError, Outcome, Reply};
use super::ids;
use super::state::State;

/// The rule kinds, most important first.
const KINDS: [&str; 5] = ["override", "content", "room", "sender", "underride"];

/// The rules one user has set, and when they last changed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UserPushRules {
    /// User-defined rules by kind, each list most important first, in client format.
    rules: BTreeMap<&'static str, Vec<Value>>,
    /// Stream position of the last change.
    position: u64,
}

/// Push rules of every user who has set any, by user id.
pub type PushRuleStore = HashMap<String, UserPushRules>;

fn event_match(key: &str, pattern: &str) -> Value {
    json!({ "kind": "event_match", "key": key, "pattern": pattern })
}

fn rule(rule_id: &str, conditions: Vec<Value>, actions: Value) -> Value {
    json!({
        "rule_id": rule_id,
        "default": true,
        "enabled": true,
        "conditions": conditions,
        "actions": actions,
    })
}

fn sound(sound: &str) -> Value {
    json!({ "set_tweak": "sound", "value": sound })
}

/// The predefined push rule set for `user_id` (whose localpart is `localpart`).
fn default_push_rules(user_id: &str, localpart: &str) -> Value {
    let highlight = json!({ "set_tweak": "highlight" });
    let mut master = rule(".m.rule.master", Vec::new(), json!([]));
    master["enabled"] = json!(false);
    let one_to_one = json!({ "kind": "room_member_count", "is": "2" });
    json!({
        "global": {
            "override": [
                master,
                rule(".m.rule.suppress_notices", vec![event_match("content.msgtype", "m.notice")], json!([])),
                rule(
                    ".m.rule.invite_for_me",
                    vec![
                        event_match("type", "m.room.member"),
                        event_match("content.membership", "invite"),
                        event_match("state_key", user_id),
                    ],
                    json!(["notify", sound("default")]),
                ),
                rule(".m.rule.member_event", vec![event_match("type", "m.room.member")], json!([])),
                rule(
                    ".m.rule.is_user_mention",
                    vec![json!({
                        "kind": "event_property_contains",
                        "key": "content.m\\.mentions.user_ids",
                        "value": user_id,
                    })],
                    json!(["notify", sound("default"), highlight]),
                ),
                rule(
                    ".m.rule.is_room_mention",
                    vec![
                        json!({ "kind": "event_property_is", "key": "content.m\\.mentions.room", "value": true }),
                        json!({ "kind": "sender_notification_permission", "key": "room" }),
                    ],
                    json!(["notify", highlight]),
                ),
                rule(
                    ".m.rule.tombstone",
                    vec![event_match("type", "m.room.tombstone"), event_match("state_key", "")],
                    json!(["notify", highlight]),
                ),
                rule(".m.rule.reaction", vec![event_match("type", "m.reaction")], json!([])),
                rule(
                    ".m.rule.room.server_acl",
                    vec![event_match("type", "m.room.server_acl"), event_match("state_key", "")],
                    json!([]),
                ),
                rule(
                    ".m.rule.suppress_edits",
                    vec![json!({
                        "kind": "event_property_is",
                        "key": "content.m\\.relates_to.rel_type",
                        "value": "m.replace",
                    })],
                    json!([]),
                ),
            ],
            "content": [{
                "rule_id": ".m.rule.contains_user_name",
                "default": true,
                "enabled": true,
                "pattern": localpart,
                "actions": ["notify", sound("default"), highlight],
            }],
            "room": [],
            "sender": [],
            "underride": [
                rule(".m.rule.call", vec![event_match("type", "m.call.invite")], json!(["notify", sound("ring")])),
                rule(
                    ".m.rule.encrypted_room_one_to_one",
                    vec![one_to_one.clone(), event_match("type", "m.room.encrypted")],
                    json!(["notify", sound("default")]),
                ),
                rule(
                    ".m.rule.room_one_to_one",
                    vec![one_to_one, event_match("type", "m.room.message")],
                    json!(["notify", sound("default")]),
                ),
                rule(".m.rule.message", vec![event_match("type", "m.room.message")], json!(["notify"])),
                rule(".m.rule.encrypted", vec![event_match("type", "m.room.encrypted")], json!(["notify"])),
            ],
        }
    })
}

/// The `m.push_rules` content for `user_id`: the default rules with the user's own.
pub fn ruleset(state: &State, user_id: &str) -> Value {
    let localpart = ids::parse_user_id(user_id).map_or("", |(localpart, _)| localpart);
    let mut ruleset = default_push_rules(user_id, localpart);
    let Some(own) = state.push_rules.get(user_id) else {
        return ruleset;
    };
    for (kind, rules) in &own.rules {
        if let Some(list) = ruleset["global"][*kind].as_array_mut() {
            let at = usize::from(
                list.first()
                    .is_some_and(|rule| rule["rule_id"] == ".m.rule.master"),
            );
            list.splice(at..at, rules.iter().cloned());
        }
    }
    ruleset
}

/// The stream position of the last change of `user_id`'s push rules (0 when never changed).
pub fn changed_at(state: &State, user_id: &str) -> u64 {
    state.push_rules.get(user_id).map_or(0, |own| own.position)
}

/// The kind in the path: one of [`KINDS`].
fn kind(call: &Call) -> Result<&'static str, ApiError> {
    let kind = call.param(0);
    KINDS
        .into_iter()
        .find(|known| *known == kind)
        .ok_or_else(|| {
            ApiError::new(
                400,
                "M_UNRECOGNIZED",
                format!("Unknown push rule kind {kind}"),
            )
        })
}

fn not_found() -> ApiError {
    ApiError::not_found("The push rule was not found.")
}

/// `GET /pushrules/`: every ruleset (only `global`).
pub fn get_all(state: &mut State, call: &Call) -> Outcome {
    let session = auth::authenticate(state, call)?;
    Ok(Reply::ok(ruleset(state, &session.user_id)))
}

/// `GET /pushrules/global/`: the global ruleset.
pub fn get_global(state: &mut State, call: &Call) -> Outcome {
    let session = auth::authenticate(state, call)?;
    Ok(Reply::ok(ruleset(state, &session.user_id)["global"].take()))
}

/// `GET /pushrules/global/{kind}/{ruleId}`: one rule, user-defined or default.
pub fn get_rule(state: &mut State, call: &Call) -> Outcome {
    let session = auth::authenticate(state, call)?;
    let kind = kind(call)?;
    let mut ruleset = ruleset(state, &session.user_id);
    ruleset["global"][kind]
        .as_array_mut()
        .and_then(|rules| {
            rules
                .iter_mut()
                .find(|rule| rule["rule_id"] == call.param(1))
        })
        .map(|rule| Reply::ok(rule.take()))
        .ok_or_else(not_found)
}

/// The `actions` of a rule body: a list of strings and objects.
fn actions(body: &Map<String, Value>) -> Result<Value, ApiError> {
    match body.get("actions") {
        None => Err(ApiError::missing_param("actions")),
        Some(Value::Array(actions)) if actions.iter().all(|a| a.is_string() || a.is_object()) => {
            Ok(Value::Array(actions.clone()))
        }
        Some(_) => Err(ApiError::unknown(400, "Invalid actions")),
    }
}

/// A new user-defined rule of `kind` from its PUT body, in client format.
fn new_rule(kind: &str, rule_id: &str, body: &Map<String, Value>) -> Result<Value, ApiError> {
    if rule_id.starts_with('.') {
        return Err(ApiError::unknown(
            400,
            "cannot add new rule_ids that start with '.'",
        ));
    }
    if rule_id.is_empty() || rule_id.contains(['/', '\\']) {
        return Err(ApiError::unknown(
            400,
            "rule_ids may not contain slashes or backslashes",
        ));
    }
    let mut rule = json!({ "rule_id": rule_id, "default": false, "enabled": true });
    match kind {
        "content" => match body.get("pattern") {
            Some(Value::String(pattern)) => rule["pattern"] = json!(pattern),
            None => return Err(ApiError::missing_param("pattern")),
            Some(_) => return Err(ApiError::unknown(400, "pattern must be a string")),
        },
        "override" | "underride" => match body.get("conditions") {
            None => rule["conditions"] = json!([]),
            Some(Value::Array(conditions)) if conditions.iter().all(Value::is_object) => {
                rule["conditions"] = json!(conditions);
            }
            Some(_) => {
                return Err(ApiError::unknown(
                    400,
                    "conditions must be a list of objects",
                ));
            }
        },
        _ => {}
    }
    rule["actions"] = actions(body)?;
    Ok(rule)
}

/// Where a rule goes among `rules` (without it) by the `before` and `after` query
/// parameters; `None` when neither is given.
fn placement(call: &Call, rules: &[Value]) -> Result<Option<usize>, ApiError> {
    let position = |rule_id: &str| {
        rules
            .iter()
            .position(|rule| rule["rule_id"] == rule_id)
            .ok_or_else(|| {
                ApiError::unknown(400, format!("before/after rule not found: {rule_id}"))
            })
    };
    match (call.query("before"), call.query("after")) {
        (Some(before), _) => position(&before).map(Some),
        (None, Some(after)) => position(&after).map(|index| Some(index + 1)),
        (None, None) => Ok(None),
    }
}

/// `PUT /pushrules/global/{kind}/{ruleId}`: adds a rule, or changes the one with this id.
pub fn put_rule(state: &mut State, call: &Call) -> Outcome {
    let session = auth::authenticate(state, call)?;
    let kind = kind(call)?;
    let body = call.json_object()?;
    let rule_id = call.param(1);
    let mut rule = new_rule(kind, rule_id, &body)?;
    let mut rules = state
        .push_rules
        .get(&session.user_id)
        .and_then(|own| own.rules.get(kind))
        .cloned()
        .unwrap_or_default();
    let existing = rules.iter().position(|stored| stored["rule_id"] == rule_id);
    if let Some(index) = existing {
        rule["enabled"] = rules.remove(index)["enabled"].take();
    }
    let at = placement(call, &rules)?.or(existing).unwrap_or(0);
    rules.insert(at, rule);
    let position = state.advance();
    let own = state.push_rules.entry(session.user_id.clone()).or_default();
    own.rules.insert(kind, rules);
    own.position = position;
    Ok(Reply::empty())
}

/// `DELETE /pushrules/global/{kind}/{ruleId}`: removes a user-defined rule.
pub fn delete_rule(state: &mut State, call: &Call) -> Outcome {
    let session = auth::authenticate(state, call)?;
    let kind = kind(call)?;
    let rule_id = call.param(1);
    if rule_id.starts_with('.') {
        return Err(ApiError::unknown(
            400,
            "Cannot delete a server-default push rule",
        ));
    }
    let rules = state
        .push_rules
        .get_mut(&session.user_id)
        .and_then(|own| own.rules.get_mut(kind))
        .ok_or_else(not_found)?;
    let index = rules
        .iter()
        .position(|rule| rule["rule_id"] == rule_id)
        .ok_or_else(not_found)?;
    rules.remove(index);
    let position = state.advance();
    if let Some(own) = state.push_rules.get_mut(&session.user_id) {
        own.position = position;
    }
    Ok(Reply::empty())
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::super::testing::{Client, assert_error, encode};

    /// The `rule_id`s of one kind of a ruleset, in order.
    fn rule_ids(ruleset: &Value, kind: &str) -> Vec<String> {
        ruleset["global"][kind]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|rule| rule["rule_id"].as_str().map(str::to_owned))
            .collect()
    }

    #[tokio::test]
    async fn a_new_rule_shows_in_the_rules_the_account_data_and_sync() {
        let client = Client::start().await;
        let alice = client.register("alice").await;
        let since = client.sync(&alice, "").await["next_batch"]
            .as_str()
            .expect("next_batch")
            .to_owned();
        let body = json!({ "pattern": "cake*lie", "actions": ["notify"] });
        let (status, reply) = client
            .put("pushrules/global/content/nocake", &alice.token, body)
            .await;
        assert_eq!((status, reply), (200, json!({})));
        let rule = json!({
            "rule_id": "nocake", "pattern": "cake*lie", "actions": ["notify"],
            "default": false, "enabled": true,
        });
        assert_eq!(
            client
                .get("pushrules/global/content/nocake", &alice.token)
                .await,
            (200, rule.clone())
        );

        let (status, all) = client.get("pushrules/", &alice.token).await;
        assert_eq!(status, 200);
        assert_eq!(
            rule_ids(&all, "content"),
            ["nocake", ".m.rule.contains_user_name"]
        );
        let (_, global) = client.get("pushrules/global/", &alice.token).await;
        assert_eq!(global, all["global"]);
        let path = format!("user/{}/account_data/m.push_rules", encode(&alice.user_id));
        assert_eq!(client.get(&path, &alice.token).await, (200, all.clone()));

        let sync = client.sync(&alice, &format!("since={since}")).await;
        let events = sync["account_data"]["events"].as_array().expect("events");
        assert_eq!(
            events.as_slice(),
            [json!({ "type": "m.push_rules", "content": all })]
        );
        let next = sync["next_batch"].as_str().expect("next_batch");
        let quiet = client
            .sync(&alice, &format!("since={next}&timeout=0"))
            .await;
        assert!(quiet.get("account_data").is_none(), "{quiet}");
    }

    #[tokio::test]
    async fn rules_are_ordered_by_before_and_after_and_updated_in_place() {
        let client = Client::start().await;
        let alice = client.register("alice").await;
        let put = |rule_id: &'static str, query: &'static str, actions: Value| {
            let path = format!("pushrules/global/override/{rule_id}{query}");
            let body = json!({ "conditions": [], "actions": actions });
            let client = &client;
            let token = alice.token.clone();
            async move { client.put(&path, &token, body).await.0 }
        };
        assert_eq!(put("a", "", json!([])).await, 200);
        assert_eq!(put("b", "", json!([])).await, 200);
        assert_eq!(put("c", "?after=b", json!([])).await, 200);
        assert_eq!(put("d", "?before=a", json!([])).await, 200);
        assert_eq!(put("b", "", json!(["notify"])).await, 200);
        let (_, all) = client.get("pushrules/", &alice.token).await;
        let ids = rule_ids(&all, "override");
        assert_eq!(ids[..5], [".m.rule.master", "b", "c", "d", "a"]);
        assert_eq!(all["global"]["override"][1]["actions"], json!(["notify"]));

        let (status, reply) = client
            .put(
                "pushrules/global/override/e?before=nothing",
                &alice.token,
                json!({ "actions": [] }),
            )
            .await;
        assert_error(status, &reply, 400, "M_UNKNOWN");
        let (status, _) = client
            .call(
                reqwest::Method::DELETE,
                "pushrules/global/override/c",
                Some(&alice.token),
                None,
            )
            .await;
        assert_eq!(status, 200);
        let (status, reply) = client
            .get("pushrules/global/override/c", &alice.token)
            .await;
        assert_error(status, &reply, 404, "M_NOT_FOUND");
        let (status, reply) = client
            .call(
                reqwest::Method::DELETE,
                "pushrules/global/override/c",
                Some(&alice.token),
                None,
            )
            .await;
        assert_error(status, &reply, 404, "M_NOT_FOUND");
    }

    #[tokio::test]
    async fn bad_rules_are_refused() {
        let (client, alice, bob) = Client::start_with_pair().await;
        for (path, body, errcode) in [
            (
                "pushrules/global/content/.m.rule.mine",
                json!({ "pattern": "x", "actions": [] }),
                "M_UNKNOWN",
            ),
            (
                "pushrules/global/content/back%5Cslash",
                json!({ "pattern": "x", "actions": [] }),
                "M_UNKNOWN",
            ),
            (
                "pushrules/global/content/nopattern",
                json!({ "actions": [] }),
                "M_MISSING_PARAM",
            ),
            (
                "pushrules/global/room/noactions",
                json!({}),
                "M_MISSING_PARAM",
            ),
            (
                "pushrules/global/override/badconditions",
                json!({ "conditions": "all", "actions": [] }),
                "M_UNKNOWN",
            ),
            (
                "pushrules/global/everything/rule",
                json!({ "actions": [] }),
                "M_UNRECOGNIZED",
            ),
        ] {
            let (status, reply) = client.put(path, &alice.token, body).await;
            assert_error(status, &reply, 400, errcode);
        }
        let (status, reply) = client
            .get("pushrules/global/override/.m.rule.master", &bob.token)
            .await;
        assert_eq!((status, &reply["enabled"]), (200, &json!(false)));
        let (status, _) = client
            .call(reqwest::Method::GET, "pushrules/", None, None)
            .await;
        assert_eq!(status, 401);

        let body = json!({ "actions": ["notify"] });
        client
            .put("pushrules/global/sender/%40x%3Ay", &alice.token, body)
            .await;
        let (_, bobs) = client.get("pushrules/", &bob.token).await;
        assert!(rule_ids(&bobs, "sender").is_empty());
        let (_, rule) = client
            .get("pushrules/global/sender/%40x%3Ay", &alice.token)
            .await;
        assert_eq!(
            rule,
            json!({ "rule_id": "@x:y", "actions": ["notify"], "default": false, "enabled": true })
        );
    }
}
