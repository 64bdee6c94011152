//! The typed model of a case: what the loader produces and the runner executes.

use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;

pub use crate::matcher::ArrayMatch;

use super::claims::Claim;
use super::spec_version::SpecVersion;

/// One conformance case, loaded from `cases/<area>/<behaviour>.yaml`.
#[derive(Debug, Clone)]
pub struct Case {
    /// Stable identifier, e.g. `dm.create-room.invitee-flagged`.
    pub id: String,
    /// One line saying what the case checks.
    pub summary: String,
    /// The claims the case checks: the union of its steps' `checks`, in order of first appearance.
    pub claims: Vec<Claim>,
    /// Free-form labels for filtering and reports.
    pub tags: Vec<String>,
    /// Fresh users the case needs, by name (`alice`, `bob`, ...), each on its home server.
    pub actors: Vec<ActorDecl>,
    /// The steps, run in order.
    pub steps: Vec<Step>,
    /// The file the case was loaded from.
    pub file: PathBuf,
    /// The claim every case judges by itself: an event id served by two reads stands for one
    /// event. `None` when the registry has no such claim.
    pub event_identity: Option<Claim>,
}

/// The id of the claim that every event id served twice names one event, judged in every case.
pub const EVENT_IDENTITY_CLAIM: &str = "events.one-id-one-event";

/// The homeserver an actor's account lives on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Home {
    /// The server under test.
    #[default]
    Target,
    /// The federation peer: a second homeserver federating with the target.
    Peer,
}

impl Home {
    /// True for the server under test.
    pub fn is_target(&self) -> bool {
        *self == Home::Target
    }
}

/// An actor a case declares: `alice` on the target, `bob@peer` on the federation peer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActorDecl {
    /// The actor's name, which steps use in `as:` and `${name}`.
    pub name: String,
    /// The server the actor is registered on.
    pub home: Home,
}

/// RFC 2119 requirement level of a claim, weakest first.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, serde::Serialize,
)]
pub enum Level {
    /// De-facto behaviour the specification leaves open: recorded, never judged.
    #[serde(rename = "INFO")]
    Info,
    /// An option.
    #[serde(rename = "MAY")]
    May,
    /// A recommendation.
    #[serde(rename = "SHOULD")]
    Should,
    /// An absolute requirement.
    #[serde(rename = "MUST")]
    Must,
}

impl std::fmt::Display for Level {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(match self {
            Level::Must => "MUST",
            Level::Should => "SHOULD",
            Level::May => "MAY",
            Level::Info => "INFO",
        })
    }
}

/// One step of a case, acting as one actor.
#[derive(Debug, Clone)]
pub struct Step {
    /// 1-based line of the step in its file.
    pub line: u64,
    /// The actor whose access token the step uses; `None` for unauthenticated calls.
    pub actor: Option<String>,
    /// Which of the actor's logins (devices) acts: 1 is the registration's, 2 a second `/login`, ...
    pub device: u8,
    /// What the step does.
    pub action: Action,
    /// What must hold of the response: blocks, each charging its own claims when it breaks.
    pub expect: Vec<Expect>,
    /// Claim ids the step checks: its `sync_until` predicate, its snapshot, and each `expect`
    /// block that names none of its own. Empty for a step that only sets up.
    pub checks: Vec<String>,
    /// JSON pointer templates whose values are recorded as what the server did.
    pub observe: Vec<String>,
    /// Values to keep from the response: variable name and JSON pointer.
    pub save: Vec<(String, String)>,
    /// Values to keep when the response has them; a later step that needs one names it in `when`.
    pub save_if_present: Vec<(String, String)>,
    /// Variables that must have been saved for the step to run; without them it is left out.
    pub when: Vec<String>,
    /// A named projection of the response compared with its stored snapshot.
    pub snapshot: Option<SnapshotSpec>,
    /// The part of the answer `expect`, `observe` and `save` look at: one event of it; the whole
    /// body when `None`.
    pub focus: Option<Focus>,
    /// The read of the specification this step carries out, for a step a `read:` expanded.
    pub read: Option<&'static str>,
}

/// Where in an answer the event a step judges stands.
#[derive(Debug, Clone, PartialEq)]
pub enum Focus {
    /// The value at `at`, or when it is an array, its first element containing `pick`; then the
    /// value at `inner` in it.
    Element {
        /// JSON pointer template.
        at: String,
        /// A subset template picking the element of an array.
        pick: Option<Value>,
        /// A JSON pointer inside the picked value (empty for the value itself).
        inner: String,
    },
    /// The whole body is the content of the state event `event_type`/`state_key`: seen as
    /// `{type, state_key, content}`.
    Content {
        /// The event type template.
        event_type: String,
        /// The state key template.
        state_key: String,
    },
}

impl Focus {
    /// The value at the JSON pointer `at` itself (the whole body for `""`).
    pub fn at(at: &str) -> Focus {
        Focus::Element {
            at: at.to_string(),
            pick: None,
            inner: String::new(),
        }
    }
}

/// The request side of a step.
#[derive(Debug, Clone)]
pub enum Action {
    /// One HTTP request.
    Call(Call),
    /// Long-poll `/sync` until a predicate holds.
    SyncUntil(SyncUntil),
}

/// An HTTP request to the homeserver.
#[derive(Debug, Clone)]
pub struct Call {
    /// HTTP method, upper case.
    pub method: String,
    /// Path template, starting with `/`, optionally with a query string.
    pub path: String,
    /// The request body, if any.
    pub body: Option<Body>,
}

/// A request body.
#[derive(Debug, Clone)]
pub enum Body {
    /// A JSON template, rendered then serialised.
    Json(Value),
    /// Text sent as it is, with a JSON content type (for malformed-body cases).
    Raw(String),
}

/// Repeated `/sync` requests until the response satisfies a predicate.
#[derive(Debug, Clone)]
pub struct SyncUntil {
    /// JSON pointer template to the part of the response the predicate looks at.
    pub at: String,
    /// A subset the value at `at` must contain (an element of it, when it is an array).
    pub contains: Option<Value>,
    /// A `since` token template; without it the first request is an initial sync.
    pub since: Option<String>,
    /// A filter template (a filter id string or an inline filter object).
    pub filter: Option<Value>,
    /// How long to keep polling before the step fails.
    pub within: Duration,
}

/// Everything a step's response must satisfy.
#[derive(Debug, Clone, Default)]
pub struct Expect {
    /// Claim ids this block checks; empty when it only makes sure a setup step worked.
    pub checks: Vec<String>,
    /// The acceptable HTTP statuses: any 2xx when absent.
    pub status: Option<Status>,
    /// Applies the block only when this JSON pointer template resolves in the response.
    pub if_present: Option<String>,
    /// JSON pointers that must resolve in the body.
    pub present: Vec<String>,
    /// JSON pointer → keys the object there (or each object of the array there) must all have.
    pub required_keys: Vec<(String, Vec<String>)>,
    /// Every element of an array that contains a subset must contain another.
    pub every: Option<Every>,
    /// Acceptable `errcode` values (any one of them).
    pub errcode: Vec<String>,
    /// A subset the body must contain.
    pub body: Option<Value>,
    /// A value the body must equal exactly.
    pub exact: Option<Value>,
    /// A subset the body must not contain.
    pub excludes: Option<Value>,
    /// JSON pointers that must not resolve in the body.
    pub absent: Vec<String>,
    /// JSON pointer → the only keys the object there (or each object of the array there) may have.
    pub only_keys: Vec<(String, Vec<String>)>,
    /// JSON pointer → the JSON type the value there must have when it is present.
    pub types: Vec<(String, JsonType)>,
    /// How arrays in `body` and `excludes` are matched.
    pub arrays: ArrayMatch,
    /// JSON pointer templates (`*` for every element or value) to the arrays of `exact` whose
    /// elements may come in any order: compared as multisets.
    pub unordered: Vec<String>,
}

/// The statuses an `expect` block accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Any of these.
    OneOf(Vec<u16>),
    /// Whatever the server answers.
    Any,
}

impl Status {
    /// Whether `status` is acceptable.
    pub fn accepts(&self, status: u16) -> bool {
        match self {
            Status::OneOf(list) => list.contains(&status),
            Status::Any => true,
        }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Status::Any => f.write_str("any status"),
            Status::OneOf(list) => {
                let list: Vec<String> = list.iter().map(u16::to_string).collect();
                write!(f, "status {}", list.join(" or "))
            }
        }
    }
}

/// `every`: each element of the array at `at` that contains `filter` must contain `contains`.
#[derive(Debug, Clone)]
pub struct Every {
    /// JSON pointer template to the array.
    pub at: String,
    /// The subset that picks the elements the rule applies to; all elements when absent.
    pub filter: Option<Value>,
    /// The subset every picked element must contain.
    pub contains: Value,
}

/// A JSON value's type, as `types` expectations name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JsonType {
    /// `true` or `false`.
    Boolean,
    /// A number.
    Number,
    /// A string.
    String,
    /// An array.
    Array,
    /// An object.
    Object,
    /// `null`.
    Null,
}

impl JsonType {
    /// The type of `value`.
    pub fn of(value: &Value) -> JsonType {
        match value {
            Value::Bool(_) => JsonType::Boolean,
            Value::Number(_) => JsonType::Number,
            Value::String(_) => JsonType::String,
            Value::Array(_) => JsonType::Array,
            Value::Object(_) => JsonType::Object,
            Value::Null => JsonType::Null,
        }
    }
}

/// A named projection of a response, compared with an insta snapshot.
#[derive(Debug, Clone)]
pub struct SnapshotSpec {
    /// The snapshot's name, unique within the case.
    pub name: String,
    /// JSON pointer template to the projected value; the whole body when absent.
    pub select: Option<String>,
    /// When the selected value is an array, keep only elements containing this subset.
    pub filter: Option<Value>,
    /// Dotted field paths kept from each selected object; everything when empty.
    pub fields: Vec<String>,
    /// JSON pointer templates (`*` for every element or value) to arrays of the projection whose
    /// elements may come in any order: sorted before the comparison.
    pub unordered: Vec<String>,
}

impl Step {
    /// The claim ids any part of the step checks (with repeats).
    pub fn claim_ids(&self) -> impl Iterator<Item = &String> {
        self.checks
            .iter()
            .chain(self.expect.iter().flat_map(|e| &e.checks))
    }

    /// Whether any part of the step checks `claim`.
    pub fn checks_claim(&self, claim: &str) -> bool {
        self.claim_ids().any(|c| c == claim)
    }
}

impl Case {
    /// The strictest level among the case's claims: the level its failures are judged at.
    pub fn level(&self) -> Level {
        self.claims
            .iter()
            .map(|c| c.level)
            .max()
            .unwrap_or(Level::Info)
    }

    /// Whether the case judges `claim`: one its steps check, or the event identity claim.
    pub fn judges(&self, claim: &str) -> bool {
        self.claims.iter().any(|c| c.id == claim)
            || self.event_identity.as_ref().is_some_and(|c| c.id == claim)
    }

    /// Whether an actor of the case lives on the federation peer.
    pub fn needs_peer(&self) -> bool {
        self.actors.iter().any(|a| a.home == Home::Peer)
    }

    /// The newest specification version among the case's claims: a server must advertise it.
    pub fn since(&self) -> Option<SpecVersion> {
        self.claims.iter().map(|c| c.since).max()
    }
}

/// Variables every case may use: `${server}` is the homeserver's server name.
pub const BUILTIN_VARIABLES: &[&str] = &["server"];
