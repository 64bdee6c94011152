//! Test helpers: an HTTP client bound to a running fake, with shortcuts for the
//! common requests.

use reqwest::Method;
use serde_json::{Value, json};

use super::FakeHomeserver;
use super::profile::Deviation;

/// A registered user and their access token.
pub struct Account {
    /// The user id.
    pub user_id: String,
    /// The access token.
    pub token: String,
}

/// A client talking to one fake homeserver.
pub struct Client {
    http: reqwest::Client,
    /// The fake, kept running while the client lives.
    pub server: FakeHomeserver,
}

/// Percent-encodes a path segment.
pub fn encode(segment: &str) -> String {
    segment
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Asserts that an answer is the error `errcode` with HTTP status `expected_status`.
pub fn assert_error(status: u16, reply: &Value, expected_status: u16, errcode: &str) {
    assert_eq!(
        (status, reply["errcode"].as_str()),
        (expected_status, Some(errcode)),
        "{reply}"
    );
}

/// The `key` field of each event in a list, in order (`null` where it is absent).
pub fn each(events: &Value, key: &str) -> Vec<Value> {
    events
        .as_array()
        .map(|events| events.iter().map(|event| event[key].clone()).collect())
        .unwrap_or_default()
}

/// The fields every read of an event must serve alike.
const EVENT_FIELDS: [&str; 6] = [
    "event_id",
    "type",
    "state_key",
    "sender",
    "content",
    "origin_server_ts",
];

/// Asserts that two reads serve the same event: the same id, type, state key, sender,
/// content and timestamp.
pub fn assert_same_event(read: &Value, expected: &Value) {
    for field in EVENT_FIELDS {
        assert_eq!(
            read[field], expected[field],
            "{field}: {read} vs {expected}"
        );
    }
}

impl Client {
    /// Starts a fake running with `deviation` (if any), registers `alice` and `bob`,
    /// and has alice create a direct chat inviting bob; returns the room id last.
    pub async fn start_with_direct_chat(
        deviation: Option<Deviation>,
    ) -> (Client, Account, Account, String) {
        let client = Client::start_with(deviation).await;
        let alice = client.register("alice").await;
        let bob = client.register("bob").await;
        let body = json!({ "invite": [bob.user_id], "is_direct": true });
        let room_id = client.create_room(&alice, body).await;
        (client, alice, bob, room_id)
    }

    /// The events of a room `account` may read, oldest first, as `/messages` pages them.
    pub async fn room_events(&self, account: &Account, room_id: &str) -> Vec<Value> {
        let path = format!("rooms/{}/messages?dir=f&limit=1000", encode(room_id));
        let (status, page) = self.get(&path, &account.token).await;
        assert_eq!(status, 200, "{page}");
        page["chunk"].as_array().cloned().unwrap_or_default()
    }

    /// Asserts that `GET path` is refused to each of `accounts` with `status` and
    /// `errcode`.
    pub async fn assert_refused(
        &self,
        path: &str,
        accounts: &[&Account],
        status: u16,
        errcode: &str,
    ) {
        for account in accounts {
            let (actual, reply) = self.get(path, &account.token).await;
            assert_error(actual, &reply, status, errcode);
        }
    }

    /// `POST /rooms/{roomId}/{action}` with an empty body, e.g. `join` or `leave`.
    pub async fn room_action(
        &self,
        account: &Account,
        room_id: &str,
        action: &str,
    ) -> (u16, Value) {
        let path = format!("rooms/{}/{action}", encode(room_id));
        self.post(&path, &account.token, json!({})).await
    }

    /// Starts a fake, a client for it, and registers `alice` and `bob`.
    pub async fn start_with_pair() -> (Client, Account, Account) {
        let client = Client::start().await;
        let alice = client.register("alice").await;
        let bob = client.register("bob").await;
        (client, alice, bob)
    }

    /// Starts a conformant fake and a client for it.
    pub async fn start() -> Client {
        Client::start_with(None).await
    }

    /// Starts a fake running with `deviation` (if any) and a client for it.
    pub async fn start_with(deviation: Option<Deviation>) -> Client {
        Client {
            http: reqwest::Client::new(),
            server: FakeHomeserver::start_with(deviation).await,
        }
    }

    /// Sends a request to `/_matrix/client/v3/{path}` with a raw body; returns status
    /// and JSON body.
    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Vec<u8>,
    ) -> (u16, Value) {
        let url = format!("{}/_matrix/client/v3/{path}", self.server.uri());
        let mut request = self.http.request(method, url).body(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("request reaches the fake");
        let status = response.status().as_u16();
        let body = response.json().await.expect("the fake answers JSON");
        (status, body)
    }

    /// Sends a JSON request (no body when `body` is `None`).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let bytes = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
        self.raw(method, path, token, bytes).await
    }

    /// `GET`.
    pub async fn get(&self, path: &str, token: &str) -> (u16, Value) {
        self.call(Method::GET, path, Some(token), None).await
    }

    /// `POST` with a JSON body.
    pub async fn post(&self, path: &str, token: &str, body: Value) -> (u16, Value) {
        self.call(Method::POST, path, Some(token), Some(body)).await
    }

    /// `PUT` with a JSON body.
    pub async fn put(&self, path: &str, token: &str, body: Value) -> (u16, Value) {
        self.call(Method::PUT, path, Some(token), Some(body)).await
    }

    /// Registers `username` with password `secret` through the dummy auth flow.
    pub async fn register(&self, username: &str) -> Account {
        let body = json!({
            "username": username,
            "password": "secret",
            "auth": { "type": "m.login.dummy" },
        });
        let (status, reply) = self.call(Method::POST, "register", None, Some(body)).await;
        assert_eq!(status, 200, "{reply}");
        Account {
            user_id: reply["user_id"].as_str().expect("user_id").to_owned(),
            token: reply["access_token"]
                .as_str()
                .expect("access_token")
                .to_owned(),
        }
    }

    /// Creates a room and returns its id.
    pub async fn create_room(&self, account: &Account, body: Value) -> String {
        let (status, reply) = self.post("createRoom", &account.token, body).await;
        assert_eq!(status, 200, "{reply}");
        reply["room_id"].as_str().expect("room_id").to_owned()
    }

    /// `GET /sync` with the given query string (without `?`).
    pub async fn sync(&self, account: &Account, query: &str) -> Value {
        let (status, reply) = self.get(&format!("sync?{query}"), &account.token).await;
        assert_eq!(status, 200, "{reply}");
        reply
    }
}
