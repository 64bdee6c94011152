//! The server-default push rules, served as the `m.push_rules` account data type.

use serde_json::{Value, json};

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
pub fn default_push_rules(user_id: &str, localpart: &str) -> Value {
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
