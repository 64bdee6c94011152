//! Scenarios around the account data endpoints.

use reqwest::Method;
use serde_json::{Value, json};

use super::{Account, Client, encode};

/// `user/{user}/account_data/{kind}`.
fn global_path(account: &Account, kind: &str) -> String {
    format!("user/{}/account_data/{kind}", encode(&account.user_id))
}

/// `user/{user}/rooms/{room}/account_data/{kind}`.
fn room_path(account: &Account, room_id: &str, kind: &str) -> String {
    format!(
        "user/{}/rooms/{}/account_data/{kind}",
        encode(&account.user_id),
        encode(room_id)
    )
}

/// What GET answers after two PUTs of the same type.
pub async fn round_trip(client: &Client) -> Value {
    let alice = client.register("alice").await;
    let path = global_path(&alice, "org.example.setting");
    client
        .put(&path, &alice.token, json!({ "a": 1, "b": 2 }))
        .await;
    client.put(&path, &alice.token, json!({ "a": 3 })).await;
    let (status, body) = client.get(&path, &alice.token).await;
    let emptied = global_path(&alice, "org.example.emptied");
    client.put(&emptied, &alice.token, json!({})).await;
    let (empty_status, empty) = client.get(&emptied, &alice.token).await;
    let direct = global_path(&alice, "m.direct");
    let named = json!({ "@bob:example.org": ["!never:example.org"] });
    client.put(&direct, &alice.token, named).await;
    let (_, direct) = client.get(&direct, &alice.token).await;
    json!([status, body, empty_status, empty, direct])
}

/// What GET answers for a type never set.
pub async fn unset(client: &Client) -> Value {
    let alice = client.register("alice").await;
    let (status, body) = client
        .get(&global_path(&alice, "org.example.unset"), &alice.token)
        .await;
    json!([status, body["errcode"]])
}

/// Whether another user may read and write someone's account data.
pub async fn other_user(client: &Client) -> Value {
    let (alice, bob) = (client.register("alice").await, client.register("bob").await);
    let path = global_path(&alice, "org.example.secret");
    client.put(&path, &alice.token, json!({ "s": 1 })).await;
    let (read, _) = client.get(&path, &bob.token).await;
    let (write, _) = client.put(&path, &bob.token, json!({ "s": 2 })).await;
    json!([read, write])
}

/// What PUT answers for a JSON array.
pub async fn non_object(client: &Client) -> Value {
    let alice = client.register("alice").await;
    let path = global_path(&alice, "org.example.list");
    let mut answers = Vec::new();
    for body in [&b"[1, 2]"[..], b"null", b"\"text\""] {
        let (status, answer) = client
            .raw(Method::PUT, &path, Some(&alice.token), body.to_vec())
            .await;
        answers.push(json!([status, answer["errcode"]]));
    }
    Value::Array(answers)
}

/// What PUT answers for room account data under a malformed room id.
pub async fn invalid_room_id(client: &Client) -> Value {
    let alice = client.register("alice").await;
    let path = room_path(&alice, "nonsense", "org.example.tag");
    let (status, body) = client.put(&path, &alice.token, json!({})).await;
    json!([status, body["errcode"]])
}

/// What PUT answers (status and errcode) for the server-managed types, globally and in
/// a room.
pub async fn server_managed_put(client: &Client) -> Value {
    let alice = client.register("alice").await;
    let mut answers = Vec::new();
    for kind in ["m.fully_read", "m.push_rules"] {
        for path in [
            global_path(&alice, kind),
            room_path(&alice, "!r:example.org", kind),
        ] {
            let (status, body) = client.put(&path, &alice.token, json!({})).await;
            answers.push(json!([status, body["errcode"]]));
        }
    }
    Value::Array(answers)
}

/// What GET answers for `m.push_rules`.
pub async fn push_rules_get(client: &Client) -> Value {
    let alice = client.register("alice").await;
    let (status, body) = client
        .get(&global_path(&alice, "m.push_rules"), &alice.token)
        .await;
    json!([status, body["global"].is_object()])
}

/// What GET answers in the one store for a type set only in the other.
pub async fn fallback(client: &Client) -> Value {
    let alice = client.register("alice").await;
    let room_id = "!r:example.org";
    client
        .put(
            &global_path(&alice, "org.example.global"),
            &alice.token,
            json!({}),
        )
        .await;
    client
        .put(
            &room_path(&alice, room_id, "org.example.room"),
            &alice.token,
            json!({}),
        )
        .await;
    let (in_room, _) = client
        .get(
            &room_path(&alice, room_id, "org.example.global"),
            &alice.token,
        )
        .await;
    let (global, _) = client
        .get(&global_path(&alice, "org.example.room"), &alice.token)
        .await;
    let first = room_path(&alice, room_id, "org.example.tag");
    client.put(&first, &alice.token, json!({ "n": 1 })).await;
    let second = room_path(&alice, "!s:example.org", "org.example.tag");
    client.put(&second, &alice.token, json!({ "n": 2 })).await;
    let (_, kept) = client.get(&first, &alice.token).await;
    json!([in_room, global, kept])
}

/// What a second login of the same user reads of the first one's account data.
pub async fn per_user(client: &Client) -> Value {
    let alice = client.register("alice").await;
    let path = global_path(&alice, "org.example.shared");
    client.put(&path, &alice.token, json!({ "v": 1 })).await;
    let login = json!({
        "type": "m.login.password",
        "identifier": { "type": "m.id.user", "user": "alice" },
        "password": "secret",
    });
    let (_, reply) = client.call(Method::POST, "login", None, Some(login)).await;
    let token = reply["access_token"].as_str().expect("access_token");
    let (status, body) = client.get(&path, token).await;
    json!([status, body])
}
