//! Scenarios around `/sync` and the answers' shapes.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};

use super::{Account, Client, encode, keys, sync_token, types};

/// Stores `{}` as the global account data `kind`.
async fn put_global(client: &Client, account: &Account, kind: &str) {
    let path = format!("user/{}/account_data/{kind}", encode(&account.user_id));
    client.put(&path, &account.token, json!({})).await;
}

/// Stores `{}` as the account data `kind` of the room `room_id`.
async fn put_room(client: &Client, account: &Account, room_id: &str, kind: &str) {
    let path = format!(
        "user/{}/rooms/{}/account_data/{kind}",
        encode(&account.user_id),
        encode(room_id)
    );
    client.put(&path, &account.token, json!({})).await;
}

/// The account data types at the top level and in the room `room_id` of a sync answer.
fn account_data_types(sync: &Value, section: &str, room_id: &str) -> Value {
    json!([
        types(&sync["account_data"]["events"]),
        types(&sync["rooms"][section][room_id]["account_data"]["events"]),
    ])
}

/// The account data an incremental sync carries after a new room and two writes.
pub async fn incremental_account_data(client: &Client) -> Value {
    let alice = client.register("alice").await;
    let since = sync_token(client, &alice).await;
    let room_id = client.create_room(&alice, json!({})).await;
    put_global(client, &alice, "org.example.global").await;
    put_room(client, &alice, &room_id, "org.example.room").await;
    let sync = client.sync(&alice, &format!("since={since}")).await;
    account_data_types(&sync, "join", &room_id)
}

/// The global account data types an incremental sync carries after one more write.
pub async fn delta(client: &Client) -> Value {
    let alice = client.register("alice").await;
    put_global(client, &alice, "org.example.before").await;
    let since = sync_token(client, &alice).await;
    put_global(client, &alice, "org.example.after").await;
    let sync = client.sync(&alice, &format!("since={since}")).await;
    json!(types(&sync["account_data"]["events"]))
}

/// The account data types an initial sync with type filters carries.
pub async fn filters(client: &Client) -> Value {
    let alice = client.register("alice").await;
    let room_id = client.create_room(&alice, json!({})).await;
    for kind in ["org.example.wanted", "org.example.unwanted"] {
        put_global(client, &alice, kind).await;
        put_room(client, &alice, &room_id, kind).await;
    }
    let filters = [
        json!({
            "account_data": { "types": ["org.example.wanted"] },
            "room": { "account_data": { "types": ["org.example.wanted"] } },
        }),
        json!({
            "account_data": { "not_types": ["org.example.unwanted"] },
            "room": { "account_data": { "types": ["org.*.wanted"] } },
        }),
        json!({ "account_data": { "types": [] } }),
    ];
    let mut seen = Vec::new();
    for filter in filters {
        let query = format!("filter={}", encode(&filter.to_string()));
        let sync = client.sync(&alice, &query).await;
        seen.push(account_data_types(&sync, "join", &room_id));
    }
    Value::Array(seen)
}

/// The account data of a left room in an initial sync that includes left rooms.
pub async fn leave(client: &Client) -> Value {
    let alice = client.register("alice").await;
    let room_id = client.create_room(&alice, json!({})).await;
    put_room(client, &alice, &room_id, "org.example.room").await;
    let leave_path = format!("rooms/{}/leave", encode(&room_id));
    client.post(&leave_path, &alice.token, json!({})).await;
    let filter = encode(&json!({ "room": { "include_leave": true } }).to_string());
    let sync = client.sync(&alice, &format!("filter={filter}")).await;
    account_data_types(&sync, "leave", &room_id)
}

/// The global account data types the initial sync of bob, who shares a room with alice, carries of hers.
pub async fn private(client: &Client) -> Value {
    let (alice, bob) = (client.register("alice").await, client.register("bob").await);
    let room_id = client
        .create_room(&alice, json!({ "preset": "public_chat" }))
        .await;
    client
        .post(&format!("join/{}", encode(&room_id)), &bob.token, json!({}))
        .await;
    put_global(client, &alice, "org.example.alice").await;
    let sync = client.sync(&bob, "").await;
    json!(types(&sync["account_data"]["events"]))
}

/// The order of global account data in an initial sync.
pub async fn account_data_order(client: &Client) -> Value {
    let alice = client.register("alice").await;
    put_global(client, &alice, "org.example.first").await;
    put_global(client, &alice, "org.example.second").await;
    let sync = client.sync(&alice, "").await;
    json!(types(&sync["account_data"]["events"]))
}

/// Whether eight reads of one `m.direct` come with their keys and room lists in one order.
pub async fn answer_order(client: &Client) -> Value {
    let alice = client.register("alice").await;
    let path = format!("user/{}/account_data/m.direct", encode(&alice.user_id));
    let rooms = ["!a:x", "!b:x", "!c:x", "!d:x", "!e:x"];
    let direct = json!({"@b:x": rooms, "@c:x": [], "@d:x": [], "@e:x": []});
    client.put(&path, &alice.token, direct).await;
    let mut answers = Vec::new();
    for _ in 0..8 {
        answers.push(client.get(&path, &alice.token).await.1.to_string());
    }
    answers.dedup();
    json!(answers.len() == 1)
}

/// The error answers to a GET of unset account data and to an unknown endpoint.
pub async fn errors(client: &Client) -> Value {
    let alice = client.register("alice").await;
    let path = format!(
        "user/{}/account_data/org.example.unset",
        encode(&alice.user_id)
    );
    let (status, body) = client.get(&path, &alice.token).await;
    let (unknown_status, unknown) = client.call(Method::GET, "nonsense", None, None).await;
    json!([status, body, unknown_status, unknown])
}

/// The top-level keys of `/createRoom`, `/sync` and `/joined_rooms` answers.
pub async fn response_fields(client: &Client) -> Value {
    let alice = client.register("alice").await;
    let (_, created) = client.post("createRoom", &alice.token, json!({})).await;
    let sync = client.sync(&alice, "").await;
    let (_, joined) = client.get("joined_rooms", &alice.token).await;
    json!([keys(&created), keys(&sync), keys(&joined)])
}

/// Whether a new room's id has a server part.
pub async fn room_id_form(client: &Client) -> Value {
    let alice = client.register("alice").await;
    let room_id = client.create_room(&alice, json!({})).await;
    json!([room_id.starts_with('!'), room_id.contains(':')])
}

/// Whether an incremental sync with nothing new waits for its timeout.
pub async fn long_poll(client: &Client) -> Value {
    let alice = client.register("alice").await;
    let since = sync_token(client, &alice).await;
    let started = Instant::now();
    let sync = client
        .sync(&alice, &format!("since={since}&timeout=400"))
        .await;
    json!([
        started.elapsed() >= Duration::from_millis(300),
        sync["next_batch"] == json!(since)
    ])
}

/// How many versions and unstable features `/versions` advertises.
pub async fn versions(client: &Client) -> Value {
    let url = format!("{}/_matrix/client/versions", client.server.uri());
    let reply: Value = reqwest::get(url)
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    json!([
        reply["versions"].as_array().map(Vec::len),
        keys(&reply["unstable_features"])
    ])
}
