//! Scenarios around `/createRoom`, the `is_direct` flag and stripped state.

use serde_json::{Value, json};

use super::{Client, encode, keys, member_path, sync_token, types};

/// `is_direct` of both invites for `/createRoom` bodies that do and do not ask for it.
pub async fn create_room_flags(client: &Client) -> Value {
    let alice = client.register("alice").await;
    let bob = client.register("bob").await;
    let carol = client.register("carol").await;
    let bodies = [
        json!({ "is_direct": true, "preset": "private_chat" }),
        json!({ "is_direct": true }),
        json!({}),
        json!({ "is_direct": false }),
        json!({ "preset": "trusted_private_chat" }),
        json!({ "is_direct": true, "initial_state": [
            {"type": "m.room.encryption", "state_key": "", "content": {"algorithm": "m.megolm.v1.aes-sha2"}}
        ] }),
    ];
    let mut flags = Vec::new();
    for mut body in bodies {
        body["invite"] = json!([bob.user_id, carol.user_id]);
        let room_id = client.create_room(&alice, body).await;
        for invitee in [&bob, &carol] {
            let path = member_path(&room_id, &invitee.user_id);
            let (status, content) = client.get(&path, &alice.token).await;
            flags.push(json!([status, content["is_direct"]]));
        }
    }
    Value::Array(flags)
}

/// The invite of a direct chat as `/members` and `/messages` serve it: its flag and state key.
pub async fn reads(client: &Client) -> Value {
    let (alice, bob) = (client.register("alice").await, client.register("bob").await);
    let body = json!({ "is_direct": true, "invite": [bob.user_id] });
    let room_id = client.create_room(&alice, body).await;
    let room = encode(&room_id);
    let (_, members) = client
        .get(&format!("rooms/{room}/members"), &alice.token)
        .await;
    let (_, messages) = client
        .get(&format!("rooms/{room}/messages?dir=b"), &alice.token)
        .await;
    let invite = |chunk: &Value| {
        chunk.as_array().and_then(|events| {
            events
                .iter()
                .find(|e| e["content"]["membership"] == "invite")
                .cloned()
        })
    };
    let listed = invite(&members["chunk"]).unwrap_or_default();
    let timeline = invite(&messages["chunk"]).unwrap_or_default();
    json!([
        listed["content"]["is_direct"],
        timeline["state_key"] == json!(bob.user_id)
    ])
}

/// `is_direct` of the invite in the creator's timeline of a direct chat.
pub async fn timeline_flag(client: &Client) -> Value {
    let (alice, bob) = (client.register("alice").await, client.register("bob").await);
    let body = json!({ "is_direct": true, "invite": [bob.user_id] });
    let room_id = client.create_room(&alice, body).await;
    let sync = client.sync(&alice, "").await;
    let timeline = &sync["rooms"]["join"][&room_id]["timeline"]["events"];
    let invites: Vec<Value> = timeline
        .as_array()
        .into_iter()
        .flatten()
        .filter(|event| event["content"]["membership"] == "invite")
        .map(|event| event["content"]["is_direct"].clone())
        .collect();
    json!(invites)
}

/// An `invite_state` event reduced to its type, keys, membership and flag.
fn shape(event: &Value) -> Value {
    json!({
        "type": event["type"],
        "keys": keys(event),
        "membership": event["content"]["membership"],
        "is_direct": event["content"]["is_direct"],
    })
}

/// The invitee's `invite_state` of a direct chat, in an incremental then an initial sync.
pub async fn invite_state(client: &Client) -> Value {
    let (alice, bob) = (client.register("alice").await, client.register("bob").await);
    let since = sync_token(client, &bob).await;
    let body = json!({ "is_direct": true, "invite": [bob.user_id], "name": "DM" });
    let room_id = client.create_room(&alice, body).await;
    let incremental = client.sync(&bob, &format!("since={since}")).await;
    let initial = client.sync(&bob, "").await;
    let shapes = |sync: &Value| -> Vec<Value> {
        let events = &sync["rooms"]["invite"][&room_id]["invite_state"]["events"];
        events.as_array().into_iter().flatten().map(shape).collect()
    };
    json!([shapes(&incremental), shapes(&initial)])
}

/// `unsigned.prev_content` of the invitee's join in a direct chat.
pub async fn join_prev_content(client: &Client) -> Value {
    let (alice, bob) = (client.register("alice").await, client.register("bob").await);
    let body = json!({ "is_direct": true, "invite": [bob.user_id] });
    let room_id = client.create_room(&alice, body).await;
    let join_path = format!("rooms/{}/join", encode(&room_id));
    client.post(&join_path, &bob.token, json!({})).await;
    let path = format!("{}?format=event", member_path(&room_id, &bob.user_id));
    let (status, event) = client.get(&path, &alice.token).await;
    let sync = client.sync(&bob, "").await;
    let still_invited = sync["rooms"]["invite"].get(&room_id).is_some();
    json!([status, event["unsigned"]["prev_content"], still_invited])
}

/// The `unsigned` keys of an invite and the types in its `invite_room_state`.
pub async fn member_unsigned(client: &Client) -> Value {
    let (alice, bob) = (client.register("alice").await, client.register("bob").await);
    let body = json!({ "is_direct": true, "invite": [bob.user_id], "name": "DM" });
    let room_id = client.create_room(&alice, body).await;
    let path = format!("{}?format=event", member_path(&room_id, &bob.user_id));
    let (status, event) = client.get(&path, &alice.token).await;
    let unsigned = &event["unsigned"];
    json!([
        status,
        keys(unsigned),
        types(&unsigned["invite_room_state"])
    ])
}

/// The types in a knocker's `knock_state`.
pub async fn knock_state(client: &Client) -> Value {
    let (alice, bob) = (client.register("alice").await, client.register("bob").await);
    let body = json!({
        "name": "Door",
        "initial_state": [{ "type": "m.room.join_rules", "content": { "join_rule": "knock" } }],
    });
    let room_id = client.create_room(&alice, body).await;
    let knock_path = format!("knock/{}", encode(&room_id));
    let (status, _) = client.post(&knock_path, &bob.token, json!({})).await;
    let sync = client.sync(&bob, "").await;
    let events = &sync["rooms"]["knock"][&room_id]["knock_state"]["events"];
    json!([status, types(events)])
}
