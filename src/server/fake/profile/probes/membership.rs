//! Scenarios around membership: who reads state, who invites, `/joined_rooms`.

use serde_json::{Value, json};

use super::{Client, encode, keys, member_path};

/// Whether an invitee and a stranger may read the room state.
pub async fn state_access(client: &Client) -> Value {
    let (alice, bob) = (client.register("alice").await, client.register("bob").await);
    let carol = client.register("carol").await;
    let room_id = client
        .create_room(&alice, json!({ "invite": [bob.user_id] }))
        .await;
    let path = format!("rooms/{}/state", encode(&room_id));
    let (invitee, _) = client.get(&path, &bob.token).await;
    let (stranger, _) = client.get(&path, &carol.token).await;
    json!([invitee, stranger])
}

/// How many rooms `/joined_rooms` lists for an invitee before and after joining.
pub async fn joined_rooms(client: &Client) -> Value {
    let (alice, bob) = (client.register("alice").await, client.register("bob").await);
    let room_id = client
        .create_room(&alice, json!({ "invite": [bob.user_id] }))
        .await;
    let count = |reply: Value| reply["joined_rooms"].as_array().map(Vec::len);
    let (_, invited) = client.get("joined_rooms", &bob.token).await;
    let join_path = format!("rooms/{}/join", encode(&room_id));
    client.post(&join_path, &bob.token, json!({})).await;
    let (_, joined) = client.get("joined_rooms", &bob.token).await;
    json!([count(invited), count(joined)])
}

/// Whether an invitee and a stranger may invite others.
pub async fn invite_rights(client: &Client) -> Value {
    let (alice, bob) = (client.register("alice").await, client.register("bob").await);
    let carol = client.register("carol").await;
    let dave = client.register("dave").await;
    let erin = client.register("erin").await;
    let room_id = client
        .create_room(&alice, json!({ "invite": [bob.user_id] }))
        .await;
    let path = format!("rooms/{}/invite", encode(&room_id));
    let (invitee, _) = client
        .post(&path, &bob.token, json!({ "user_id": carol.user_id }))
        .await;
    let (stranger, _) = client
        .post(&path, &dave.token, json!({ "user_id": erin.user_id }))
        .await;
    json!([invitee, stranger])
}

/// Whether each stripped event of an invite sent by a member other than the creator names
/// the creator as its sender.
pub async fn stripped_senders(client: &Client) -> Value {
    let (alice, bob) = (client.register("alice").await, client.register("bob").await);
    let carol = client.register("carol").await;
    let room_id = client
        .create_room(&alice, json!({ "invite": [carol.user_id] }))
        .await;
    let join = format!("rooms/{}/join", encode(&room_id));
    client.post(&join, &carol.token, json!({})).await;
    let invite = format!("rooms/{}/invite", encode(&room_id));
    client
        .post(&invite, &carol.token, json!({ "user_id": bob.user_id }))
        .await;
    let sync = client.sync(&bob, "").await;
    let events = &sync["rooms"]["invite"][&room_id]["invite_state"]["events"];
    let senders = events.as_array().map_or_else(Vec::new, |events| {
        events
            .iter()
            .map(|event| json!([event["type"], event["sender"] == json!(alice.user_id)]))
            .collect()
    });
    Value::Array(senders)
}

/// The content of an invite sent with a reason through `/invite` in a new room.
pub async fn invite_content(client: &Client) -> Value {
    let (alice, bob) = (client.register("alice").await, client.register("bob").await);
    let room_id = client.create_room(&alice, json!({})).await;
    let path = format!("rooms/{}/invite", encode(&room_id));
    let body = json!({ "user_id": bob.user_id, "reason": "welcome" });
    let (status, _) = client.post(&path, &alice.token, body).await;
    let (_, content) = client
        .get(&member_path(&room_id, &bob.user_id), &alice.token)
        .await;
    json!([status, content["reason"], content["is_direct"]])
}

/// The status and body keys of a refused `/invite` (an invitee inviting someone).
pub async fn invite_refusal(client: &Client) -> Value {
    let (alice, bob) = (client.register("alice").await, client.register("bob").await);
    let carol = client.register("carol").await;
    let room_id = client
        .create_room(&alice, json!({ "invite": [bob.user_id] }))
        .await;
    let path = format!("rooms/{}/invite", encode(&room_id));
    let (status, body) = client
        .post(&path, &bob.token, json!({ "user_id": carol.user_id }))
        .await;
    json!([status, keys(&body)])
}

/// A second `/invite` of an invitee of a direct chat and of a member who joined: the
/// statuses, then the invitee's flag and the member's membership.
pub async fn reinvite(client: &Client) -> Value {
    let (alice, bob) = (client.register("alice").await, client.register("bob").await);
    let carol = client.register("carol").await;
    let body = json!({ "is_direct": true, "invite": [bob.user_id, carol.user_id] });
    let room_id = client.create_room(&alice, body).await;
    let room = encode(&room_id);
    client
        .post(&format!("rooms/{room}/join"), &carol.token, json!({}))
        .await;
    let path = format!("rooms/{room}/invite");
    let mut statuses = Vec::new();
    for invitee in [&bob, &carol] {
        let (status, _) = client
            .post(&path, &alice.token, json!({ "user_id": invitee.user_id }))
            .await;
        statuses.push(status);
    }
    let (_, invited) = client
        .get(&member_path(&room_id, &bob.user_id), &alice.token)
        .await;
    let (_, joined) = client
        .get(&member_path(&room_id, &carol.user_id), &alice.token)
        .await;
    let leave = format!("rooms/{room}/leave");
    client.post(&leave, &bob.token, json!({})).await;
    let (_, rejected) = client
        .get(&member_path(&room_id, &bob.user_id), &alice.token)
        .await;
    client.post(&leave, &carol.token, json!({})).await;
    let (rejoin, _) = client
        .post(&format!("rooms/{room}/join"), &carol.token, json!({}))
        .await;
    json!([
        statuses,
        invited["is_direct"],
        joined["membership"],
        rejected["membership"],
        rejoin
    ])
}
