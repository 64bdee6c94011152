//! A plain sequential Matrix client that performs the ten foundation checks with the requests a careful script would send.
//!
//! Three users and two rooms serve all ten checks: alice creates a direct chat with bob (`dm`) and a private chat
//! inviting carol without `is_direct` (`plain`). Requests that several checks need are sent once and judged for each.

use std::time::{Duration, Instant};

use rand::RngExt;
use reqwest::Method;
use reqwest::header::CONTENT_TYPE;
use serde_json::{Value, json};

/// What the plain client did.
pub struct PlainRun {
    /// Requests sent to the homeserver, registrations and every sync poll included.
    pub requests: u64,
    /// Users registered.
    pub users: u64,
    /// Checks that held.
    pub checks: usize,
}

const UNSET_NOT_FOUND: &str = "account_data.get.unset-not-found";
const M_DIRECT_IN_SYNC: &str = "account_data.m-direct.in-sync";
const ROUND_TRIP: &str = "account_data.m-direct.round-trip";
const OTHER_USER: &str = "account_data.other-user.forbidden";
const NOT_AN_OBJECT: &str = "account_data.put.not-an-object";
const PUSH_RULES: &str = "account_data.put.push-rules-rejected";
const CREATOR: &str = "dm.create-room.creator-not-flagged";
const INVITEE: &str = "dm.create-room.invitee-flagged";
const NO_FLAG: &str = "dm.create-room.no-flag-without-is-direct";
const FLOW: &str = "dm.flow.both-record-m-direct";

/// How many checks `foundation_checks` performs.
const CHECKS: usize = 10;
/// The timeout of every request.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a sync may take to show what is awaited.
const SYNC_WITHIN: Duration = Duration::from_secs(10);
/// The longest single sync long-poll, well inside the request timeout.
const LONG_POLL: Duration = Duration::from_secs(5);
/// A sync filter with a timeline long enough to hold a whole room creation.
const TIMELINE_FILTER: &str = r#"{"room":{"timeline":{"limit":50}}}"#;

/// Registers `count` users one after the other, as the checks do; returns the requests sent.
pub async fn register_users(base: &str, count: u64) -> Result<u64, String> {
    let mut client = Client::new(base)?;
    for _ in 0..count {
        client.register().await?;
    }
    Ok(client.requests)
}

/// Creates `count` direct chats, one after the other, from one user inviting another, as the checks
/// do; returns the requests sent for the rooms alone.
pub async fn create_direct_chats(base: &str, count: u64) -> Result<u64, String> {
    let mut client = Client::new(base)?;
    let alice = client.register().await?;
    let bob = client.register().await?;
    let registered = client.requests;
    for _ in 0..count {
        let body = json!({"is_direct": true, "invite": [bob.id], "preset": "trusted_private_chat"});
        client.create_room("createRoom", &alice, body).await?;
    }
    Ok(client.requests - registered)
}

/// Runs the ten checks one after the other against the homeserver at `base` (e.g. http://127.0.0.1:8008),
/// registering each user with one `POST /_matrix/client/v3/register` carrying `auth: {type: m.login.dummy}`.
/// Errs with a message naming the check and what was wrong when a check does not hold or a request fails.
pub async fn foundation_checks(base: &str) -> Result<PlainRun, String> {
    let mut client = Client::new(base)?;
    let alice = client.register().await?;
    let bob = client.register().await?;
    let carol = client.register().await?;
    let dm = client
        .create_room(
            INVITEE,
            &alice,
            json!({"is_direct": true, "invite": [bob.id], "preset": "trusted_private_chat"}),
        )
        .await?;
    let plain = client
        .create_room(
            NO_FLAG,
            &alice,
            json!({"invite": [carol.id], "preset": "private_chat"}),
        )
        .await?;
    creator_not_flagged(&mut client, &alice, &dm).await?;
    invitee_flagged_in_state(&mut client, &alice, &bob, &dm).await?;
    no_flag_without_is_direct(&mut client, &alice, &carol, &plain).await?;
    flow_and_other_user(&mut client, &alice, &bob, &dm).await?;
    round_trip_replaces(&mut client, &alice, &carol, &plain).await?;
    alice_sync(
        &mut client,
        &alice,
        &bob,
        &dm,
        json!({carol.id.as_str(): [plain]}),
    )
    .await?;
    unset_and_not_an_object(&mut client, &alice).await?;
    push_rules_rejected(&mut client, &alice, &plain).await?;
    Ok(PlainRun {
        requests: client.requests,
        users: client.users,
        checks: CHECKS,
    })
}

/// A registered user.
struct User {
    id: String,
    token: String,
}

/// A homeserver's answer: status and body (JSON, or null when the body is not JSON).
struct Answer {
    status: u16,
    body: Value,
}

/// A request body.
enum Body<'a> {
    Empty,
    Json(Value),
    Raw(&'a str),
}

/// An HTTP client for one homeserver that counts what it sends.
struct Client {
    http: reqwest::Client,
    base: String,
    run: String,
    requests: u64,
    users: u64,
}

impl Client {
    /// A client for `base` with the request timeout and a fresh run id for localparts.
    fn new(base: &str) -> Result<Self, String> {
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(|e| format!("building the HTTP client: {e}"))?;
        Ok(Client {
            http,
            base: base.trim_end_matches('/').to_owned(),
            run: random_hex(6),
            requests: 0,
            users: 0,
        })
    }

    /// Sends one request on behalf of `check` and reads the whole answer.
    async fn send(
        &mut self,
        check: &str,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Body<'_>,
    ) -> Result<Answer, String> {
        let mut request = self
            .http
            .request(method.clone(), format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request = match body {
            Body::Empty => request,
            Body::Json(value) => request.json(&value),
            Body::Raw(text) => request
                .header(CONTENT_TYPE, "application/json")
                .body(text.to_owned()),
        };
        self.requests += 1;
        let failed = |e: reqwest::Error| format!("{check}: {method} {path} failed: {e}");
        let response = request.send().await.map_err(failed)?;
        let status = response.status().as_u16();
        let text = response.text().await.map_err(failed)?;
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Ok(Answer { status, body })
    }

    /// Registers a fresh user with one dummy-auth registration.
    async fn register(&mut self) -> Result<User, String> {
        let username = format!("plain-{}-{}", self.run, self.users + 1);
        let body = json!({
            "username": username,
            "password": random_hex(16),
            "auth": {"type": "m.login.dummy"},
        });
        let path = "/_matrix/client/v3/register";
        let answer = self
            .send("register", Method::POST, path, None, Body::Json(body))
            .await?;
        expect("register", &answer, 200, &[])?;
        self.users += 1;
        Ok(User {
            id: text_at("register", &answer, "/user_id")?,
            token: text_at("register", &answer, "/access_token")?,
        })
    }

    /// Creates a room as `user` and returns its id.
    async fn create_room(
        &mut self,
        check: &str,
        user: &User,
        body: Value,
    ) -> Result<String, String> {
        let path = "/_matrix/client/v3/createRoom";
        let answer = self
            .send(
                check,
                Method::POST,
                path,
                Some(&user.token),
                Body::Json(body),
            )
            .await?;
        expect(check, &answer, 200, &[])?;
        text_at(check, &answer, "/room_id")
    }

    /// Reads `target`'s member event in `room` as `user`.
    async fn member(
        &mut self,
        check: &str,
        user: &User,
        room: &str,
        target: &str,
    ) -> Result<Answer, String> {
        let path = format!(
            "/_matrix/client/v3/rooms/{}/state/m.room.member/{}",
            encode(room),
            encode(target)
        );
        self.send(check, Method::GET, &path, Some(&user.token), Body::Empty)
            .await
    }

    /// Reads `owner`'s global account data of `kind` as `user`.
    async fn get_data(
        &mut self,
        check: &str,
        user: &User,
        owner: &str,
        kind: &str,
    ) -> Result<Answer, String> {
        let path = account_data_path(owner, kind);
        self.send(check, Method::GET, &path, Some(&user.token), Body::Empty)
            .await
    }

    /// Writes `owner`'s global account data of `kind` as `user`.
    async fn put_data(
        &mut self,
        check: &str,
        user: &User,
        owner: &str,
        kind: &str,
        body: Body<'_>,
    ) -> Result<Answer, String> {
        let path = account_data_path(owner, kind);
        self.send(check, Method::PUT, &path, Some(&user.token), body)
            .await
    }

    /// Long-polls `/sync` as `user` until `done` has accepted a response, or `SYNC_WITHIN` has passed; tells which.
    async fn sync_until(
        &mut self,
        check: &str,
        user: &User,
        filter: Option<&str>,
        mut done: impl FnMut(&Value) -> bool,
    ) -> Result<bool, String> {
        let deadline = Instant::now() + SYNC_WITHIN;
        let mut since: Option<String> = None;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(false);
            }
            let mut path = format!(
                "/_matrix/client/v3/sync?timeout={}",
                left.min(LONG_POLL).as_millis()
            );
            if let Some(filter) = filter {
                path += &format!("&filter={}", encode(filter));
            }
            if let Some(since) = &since {
                path += &format!("&since={}", encode(since));
            }
            let answer = self
                .send(check, Method::GET, &path, Some(&user.token), Body::Empty)
                .await?;
            expect(check, &answer, 200, &[])?;
            if done(&answer.body) {
                return Ok(true);
            }
            since = Some(text_at(check, &answer, "/next_batch")?);
        }
    }
}

/// Checks that alice's own join in the direct chat is not flagged `is_direct: true`.
async fn creator_not_flagged(client: &mut Client, alice: &User, dm: &str) -> Result<(), String> {
    let answer = client.member(CREATOR, alice, dm, &alice.id).await?;
    // Proves the creator's join event exists as a join and carries no is_direct: true (a boolean if present at all).
    expect(CREATOR, &answer, 200, &[])?;
    membership_is(CREATOR, &answer, "join")?;
    is_direct_boolean(CREATOR, &answer)?;
    refuse(
        CREATOR,
        answer.body.get("is_direct") == Some(&json!(true)),
        "the creator's join has is_direct: true",
    )
}

/// Checks that bob's invite to the direct chat is flagged `is_direct: true` in the room state.
async fn invitee_flagged_in_state(
    client: &mut Client,
    alice: &User,
    bob: &User,
    dm: &str,
) -> Result<(), String> {
    let answer = client.member(INVITEE, alice, dm, &bob.id).await?;
    // Proves the invitee's member event in the room state is an invite carrying is_direct: true.
    expect(INVITEE, &answer, 200, &[])?;
    membership_is(INVITEE, &answer, "invite")?;
    refuse(
        INVITEE,
        answer.body.get("is_direct") != Some(&json!(true)),
        "bob's invite lacks is_direct: true",
    )
}

/// Checks that carol's invite to the room made without `is_direct` is not flagged.
async fn no_flag_without_is_direct(
    client: &mut Client,
    alice: &User,
    carol: &User,
    plain: &str,
) -> Result<(), String> {
    let answer = client.member(NO_FLAG, alice, plain, &carol.id).await?;
    // Proves an invite from a createRoom without is_direct is an invite without is_direct: true.
    expect(NO_FLAG, &answer, 200, &[])?;
    membership_is(NO_FLAG, &answer, "invite")?;
    is_direct_boolean(NO_FLAG, &answer)?;
    refuse(
        NO_FLAG,
        answer.body.get("is_direct") == Some(&json!(true)),
        "carol's invite has is_direct: true",
    )
}

/// The direct chat flow (bob sees the invite, joins, both store m.direct), with bob barred from alice's m.direct meanwhile.
async fn flow_and_other_user(
    client: &mut Client,
    alice: &User,
    bob: &User,
    dm: &str,
) -> Result<(), String> {
    let invite_path = format!("/rooms/invite/{}", escape_pointer(dm));
    // Proves bob's sync lists the direct chat among his invites.
    let seen = client
        .sync_until(FLOW, bob, None, |body| body.pointer(&invite_path).is_some())
        .await?;
    refuse(
        FLOW,
        !seen,
        "bob's sync never listed the invite within 10 s",
    )?;
    let path = format!("/_matrix/client/v3/rooms/{}/join", encode(dm));
    let joined = client
        .send(
            FLOW,
            Method::POST,
            &path,
            Some(&bob.token),
            Body::Json(json!({})),
        )
        .await?;
    // Proves bob can join the room he was invited to and the answer names it.
    expect(FLOW, &joined, 200, &[])?;
    refuse(
        FLOW,
        joined.body["room_id"] != dm,
        "the join answer names another room",
    )?;
    let alice_direct = json!({bob.id.as_str(): [dm]});
    let bob_direct = json!({alice.id.as_str(): [dm]});
    let put = client
        .put_data(
            FLOW,
            alice,
            &alice.id,
            "m.direct",
            Body::Json(alice_direct.clone()),
        )
        .await?;
    expect(FLOW, &put, 200, &[])?;
    let put = client
        .put_data(
            FLOW,
            bob,
            &bob.id,
            "m.direct",
            Body::Json(bob_direct.clone()),
        )
        .await?;
    expect(FLOW, &put, 200, &[])?;
    let read = client
        .get_data(OTHER_USER, bob, &alice.id, "m.direct")
        .await?;
    // Proves another user cannot read alice's account data.
    expect(OTHER_USER, &read, 403, &["M_FORBIDDEN"])?;
    let intruder = json!({bob.id.as_str(): ["!elsewhere:example.org"]});
    let write = client
        .put_data(OTHER_USER, bob, &alice.id, "m.direct", Body::Json(intruder))
        .await?;
    // Proves another user cannot write alice's account data.
    expect(OTHER_USER, &write, 403, &["M_FORBIDDEN"])?;
    let alice_read = client.get_data(FLOW, alice, &alice.id, "m.direct").await?;
    // Proves alice reads back exactly the m.direct she stored, so bob's refused write left it untouched.
    expect(FLOW, &alice_read, 200, &[])?;
    refuse(
        &format!("{FLOW}, {ROUND_TRIP} and {OTHER_USER}"),
        alice_read.body != alice_direct,
        &format!("alice's m.direct reads {}", alice_read.body),
    )?;
    let bob_read = client.get_data(FLOW, bob, &bob.id, "m.direct").await?;
    // Proves bob reads back exactly the m.direct he stored.
    expect(FLOW, &bob_read, 200, &[])?;
    refuse(
        FLOW,
        bob_read.body != bob_direct,
        &format!("bob's m.direct reads {}", bob_read.body),
    )
}

/// Checks that a second PUT of alice's m.direct replaces the first whole.
async fn round_trip_replaces(
    client: &mut Client,
    alice: &User,
    carol: &User,
    plain: &str,
) -> Result<(), String> {
    let replacement = json!({carol.id.as_str(): [plain]});
    let put = client
        .put_data(
            ROUND_TRIP,
            alice,
            &alice.id,
            "m.direct",
            Body::Json(replacement.clone()),
        )
        .await?;
    expect(ROUND_TRIP, &put, 200, &[])?;
    let read = client
        .get_data(ROUND_TRIP, alice, &alice.id, "m.direct")
        .await?;
    // Proves the stored content is exactly the second PUT's: bob's entry from the first is gone, not merged.
    expect(ROUND_TRIP, &read, 200, &[])?;
    refuse(
        ROUND_TRIP,
        read.body != replacement,
        &format!("m.direct reads {} after replacement", read.body),
    )
}

/// One sync of alice's judges both m.direct in global account data and bob's flagged invite in the timeline.
async fn alice_sync(
    client: &mut Client,
    alice: &User,
    bob: &User,
    dm: &str,
    direct: Value,
) -> Result<(), String> {
    let timeline = format!("/rooms/join/{}/timeline/events", escape_pointer(dm));
    let (mut direct_seen, mut invite_seen) = (false, false);
    client
        .sync_until(M_DIRECT_IN_SYNC, alice, Some(TIMELINE_FILTER), |body| {
            direct_seen |= events(body, "/account_data/events")
                .any(|event| event["type"] == "m.direct" && event["content"] == direct);
            invite_seen |= events(body, &timeline).any(|event| {
                event["type"] == "m.room.member"
                    && event["state_key"] == bob.id.as_str()
                    && event["sender"] == alice.id.as_str()
                    && event["content"]["membership"] == "invite"
                    && event["content"]["is_direct"] == true
            });
            direct_seen && invite_seen
        })
        .await?;
    // Proves the owner's sync carries m.direct with the content last put, as a global account data event.
    refuse(
        M_DIRECT_IN_SYNC,
        !direct_seen,
        "alice's sync showed no m.direct with the stored content within 10 s",
    )?;
    // Proves the inviter's timeline holds bob's invite from alice flagged is_direct: true.
    refuse(
        INVITEE,
        !invite_seen,
        "alice's timeline showed no is_direct invite for bob within 10 s",
    )
}

/// Checks 404 for a type never set, and that bodies other than a JSON object are refused and not stored.
async fn unset_and_not_an_object(client: &mut Client, alice: &User) -> Result<(), String> {
    let kind = "org.mxconform.shape";
    let unset = client
        .get_data(UNSET_NOT_FOUND, alice, &alice.id, kind)
        .await?;
    // Proves a type never set answers 404 M_NOT_FOUND while the user does hold other account data (m.direct).
    expect(UNSET_NOT_FOUND, &unset, 404, &["M_NOT_FOUND"])?;
    let array = Body::Json(json!(["not", "an", "object"]));
    let put = client
        .put_data(NOT_AN_OBJECT, alice, &alice.id, kind, array)
        .await?;
    // Proves a JSON array as content is refused as bad JSON.
    expect(NOT_AN_OBJECT, &put, 400, &["M_BAD_JSON", "M_NOT_JSON"])?;
    let text = Body::Raw("this is not JSON");
    let put = client
        .put_data(NOT_AN_OBJECT, alice, &alice.id, kind, text)
        .await?;
    // Proves a body that is not JSON at all is refused.
    expect(NOT_AN_OBJECT, &put, 400, &["M_BAD_JSON", "M_NOT_JSON"])?;
    let after = client
        .get_data(NOT_AN_OBJECT, alice, &alice.id, kind)
        .await?;
    // Proves neither refused PUT stored anything: the type is still unset.
    expect(NOT_AN_OBJECT, &after, 404, &[])
}

/// Checks that m.push_rules cannot be set through the account data API, globally or per room.
async fn push_rules_rejected(client: &mut Client, alice: &User, room: &str) -> Result<(), String> {
    let rules = || Body::Json(json!({"global": {}}));
    let global = client
        .put_data(PUSH_RULES, alice, &alice.id, "m.push_rules", rules())
        .await?;
    // Proves the global account data API refuses m.push_rules with 405 M_BAD_JSON.
    expect(PUSH_RULES, &global, 405, &["M_BAD_JSON"])?;
    let path = format!(
        "/_matrix/client/v3/user/{}/rooms/{}/account_data/m.push_rules",
        encode(&alice.id),
        encode(room)
    );
    let per_room = client
        .send(PUSH_RULES, Method::PUT, &path, Some(&alice.token), rules())
        .await?;
    // Proves the room account data API refuses m.push_rules with 405 M_BAD_JSON.
    expect(PUSH_RULES, &per_room, 405, &["M_BAD_JSON"])
}

/// Errs for `check` unless the answer has `status` and, when `errcodes` is not empty, one of them.
fn expect(check: &str, answer: &Answer, status: u16, errcodes: &[&str]) -> Result<(), String> {
    let errcode = answer.body["errcode"].as_str();
    let errcode_ok = errcodes.is_empty() || errcode.is_some_and(|code| errcodes.contains(&code));
    refuse(
        check,
        answer.status != status || !errcode_ok,
        &format!(
            "expected {status} {} but got {} {}",
            errcodes.join("|"),
            answer.status,
            answer.body
        ),
    )
}

/// Errs for `check` unless the member event's membership is `membership`.
fn membership_is(check: &str, answer: &Answer, membership: &str) -> Result<(), String> {
    let actual = &answer.body["membership"];
    refuse(
        check,
        *actual != membership,
        &format!("membership is {actual}, not {membership}"),
    )
}

/// Errs for `check` when the member event has an `is_direct` that is not a boolean.
fn is_direct_boolean(check: &str, answer: &Answer) -> Result<(), String> {
    let flag = answer.body.get("is_direct");
    refuse(
        check,
        flag.is_some_and(|flag| !flag.is_boolean()),
        &format!("is_direct is not a boolean: {flag:?}"),
    )
}

/// Errs with `check` and `what` when `wrong` holds.
fn refuse(check: &str, wrong: bool, what: &str) -> Result<(), String> {
    if wrong {
        Err(format!("{check}: {what}"))
    } else {
        Ok(())
    }
}

/// The string at `pointer` in the answer, or an error for `check`.
fn text_at(check: &str, answer: &Answer, pointer: &str) -> Result<String, String> {
    answer
        .body
        .pointer(pointer)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| format!("{check}: no string at {pointer} in {}", answer.body))
}

/// The events of the array at `pointer`, none when there is no array there.
fn events<'a>(body: &'a Value, pointer: &str) -> impl Iterator<Item = &'a Value> {
    body.pointer(pointer)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

/// The path of `owner`'s global account data of `kind`.
fn account_data_path(owner: &str, kind: &str) -> String {
    format!(
        "/_matrix/client/v3/user/{}/account_data/{}",
        encode(owner),
        encode(kind)
    )
}

/// Percent-encodes everything but unreserved characters, for path segments and query values.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|byte| {
            if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
                char::from(byte).to_string()
            } else {
                format!("%{byte:02X}")
            }
        })
        .collect()
}

/// Escapes a key for use as one JSON pointer token.
fn escape_pointer(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// `bytes` random bytes as lowercase hex.
fn random_hex(bytes: usize) -> String {
    let mut rng = rand::rng();
    (0..bytes)
        .map(|_| format!("{:02x}", rng.random::<u8>()))
        .collect()
}
