//! The fake homeserver's data model: accounts, access tokens, registration sessions,
//! rooms, room aliases, account data, filters, push rules, sent transactions, and the
//! global stream of positions that every room event, account-data write and push rule
//! change advances.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use serde_json::{Map, Value};

use super::event::{NewEvent, now_ms};
use super::ids;
use super::profile::Deviation;
use super::push_rules::PushRuleStore;
use super::room::Room;

/// A stored password; its `Debug` form never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// Wraps a password.
    pub fn new(password: &str) -> Password {
        Password(password.to_owned())
    }

    /// Whether `candidate` is this password.
    pub fn matches(&self, candidate: &str) -> bool {
        self.0 == candidate
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// A registered account.
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    /// The account's password.
    pub password: Password,
    /// Profile display name, used in the user's member events.
    pub displayname: String,
}

/// What an access token stands for.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    /// The user the token belongs to.
    pub user_id: String,
    /// The device the token belongs to.
    pub device_id: String,
}

/// A user-interactive authentication session opened by `POST /register`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UiaSession {
    /// Request parameters remembered from earlier stages (the body without `auth`
    /// and `password`).
    pub params: Map<String, Value>,
    /// Password given at an earlier stage.
    pub password: Option<Password>,
    /// User already registered through this session.
    pub registered: Option<String>,
}

/// One account-data value and the stream position at which it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountDataEntry {
    /// The stored content.
    pub content: Value,
    /// Stream position of the write.
    pub position: u64,
}

/// Account data of one user, keyed by type.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UserAccountData {
    /// Global account data.
    pub global: BTreeMap<String, AccountDataEntry>,
    /// Room account data, keyed by room id then type.
    pub rooms: BTreeMap<String, BTreeMap<String, AccountDataEntry>>,
}

/// The scope of a transaction id: one device, one request path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TransactionKey {
    /// The user sending.
    pub user_id: String,
    /// The device sending.
    pub device_id: String,
    /// The room sent to.
    pub room_id: String,
    /// The event type sent.
    pub kind: String,
    /// The client's transaction id.
    pub txn_id: String,
}

/// Everything the fake homeserver knows.
#[derive(Debug)]
pub struct State {
    /// The server name in minted user ids, room ids and aliases.
    pub server_name: String,
    /// The deviation from conformant behaviour this server runs with, if any.
    pub deviation: Option<Deviation>,
    position: u64,
    generated_localparts: u64,
    /// Accounts by user id.
    pub users: HashMap<String, User>,
    /// Access tokens.
    pub sessions: HashMap<String, Session>,
    /// Registration sessions by session id.
    pub uia_sessions: HashMap<String, UiaSession>,
    rooms: Vec<Room>,
    room_index: HashMap<String, usize>,
    /// Room aliases (`#alias:server`) and the rooms they point to.
    pub aliases: HashMap<String, String>,
    /// Account data by user id.
    pub account_data: HashMap<String, UserAccountData>,
    /// Uploaded sync filters by user id; a filter's id is its index.
    pub filters: HashMap<String, Vec<Value>>,
    /// Users' own push rules by user id.
    pub push_rules: PushRuleStore,
    /// Event ids of the events sent with a transaction id.
    pub transactions: HashMap<TransactionKey, String>,
}

impl State {
    /// An empty server called `server_name`, running with `deviation` (if any).
    pub fn new(server_name: String, deviation: Option<Deviation>) -> State {
        State {
            server_name,
            deviation,
            position: 0,
            generated_localparts: 0,
            users: HashMap::new(),
            sessions: HashMap::new(),
            uia_sessions: HashMap::new(),
            rooms: Vec::new(),
            room_index: HashMap::new(),
            aliases: HashMap::new(),
            account_data: HashMap::new(),
            filters: HashMap::new(),
            push_rules: PushRuleStore::new(),
            transactions: HashMap::new(),
        }
    }

    /// Whether the server runs with `deviation`.
    pub fn deviates(&self, deviation: Deviation) -> bool {
        self.deviation == Some(deviation)
    }

    /// The latest stream position handed out.
    pub fn position(&self) -> u64 {
        self.position
    }

    /// Takes the next stream position.
    pub fn advance(&mut self) -> u64 {
        self.position += 1;
        self.position
    }

    /// `@localpart:server_name`.
    pub fn user_id(&self, localpart: &str) -> String {
        format!("@{localpart}:{}", self.server_name)
    }

    /// A fresh numeric localpart not yet taken.
    pub fn generate_localpart(&mut self) -> String {
        loop {
            self.generated_localparts += 1;
            let candidate = self.generated_localparts.to_string();
            if !self.users.contains_key(&self.user_id(&candidate)) {
                return candidate;
            }
        }
    }

    /// Issues an access token for `user_id` on `device_id` (a fresh device when `None`).
    pub fn log_in(&mut self, user_id: &str, device_id: Option<String>) -> (String, String) {
        let device_id = device_id.unwrap_or_else(ids::device_id);
        let token = ids::access_token();
        self.sessions.insert(
            token.clone(),
            Session {
                user_id: user_id.to_owned(),
                device_id: device_id.clone(),
            },
        );
        (token, device_id)
    }

    /// The room with this id.
    pub fn room(&self, room_id: &str) -> Option<&Room> {
        self.room_index
            .get(room_id)
            .map(|&index| &self.rooms[index])
    }

    /// Every room, oldest first.
    pub fn rooms(&self) -> &[Room] {
        &self.rooms
    }

    /// Adds an empty room.
    pub fn insert_room(&mut self, room: Room) {
        self.room_index
            .insert(room.room_id.clone(), self.rooms.len());
        self.rooms.push(room);
    }

    /// Sends an event into an existing room; returns its index in the room, or `None`
    /// when there is no such room.
    pub fn send(&mut self, room_id: &str, new: NewEvent) -> Option<usize> {
        let index = *self.room_index.get(room_id)?;
        let position = self.advance();
        Some(self.rooms[index].append(new, ids::event_id(), position, now_ms()))
    }

    /// Mutable access to the room with this id.
    pub fn room_mut(&mut self, room_id: &str) -> Option<&mut Room> {
        let index = *self.room_index.get(room_id)?;
        Some(&mut self.rooms[index])
    }

    /// The key under which the account data of `session` is kept: its user id.
    pub fn account_data_owner(&self, session: &Session) -> String {
        if self.deviates(Deviation::AccountDataPerDevice) {
            format!("{} {}", session.user_id, session.device_id)
        } else {
            session.user_id.clone()
        }
    }

    /// Stores account data (global when `room_id` is `None`), replacing any earlier value.
    pub fn put_account_data(
        &mut self,
        user_id: &str,
        room_id: Option<&str>,
        kind: &str,
        content: Value,
    ) {
        let position = self.advance();
        let data = self.account_data.entry(user_id.to_owned()).or_default();
        let entries = match room_id {
            Some(room_id) => data.rooms.entry(room_id.to_owned()).or_default(),
            None => &mut data.global,
        };
        entries.insert(kind.to_owned(), AccountDataEntry { content, position });
    }

    /// The rooms in which `user_id` has room account data of type `kind`.
    pub fn rooms_with_account_data(&self, user_id: &str, kind: &str) -> Vec<String> {
        self.account_data
            .get(user_id)
            .map_or_else(Vec::new, |data| {
                data.rooms
                    .iter()
                    .filter(|(_, entries)| entries.contains_key(kind))
                    .map(|(room_id, _)| room_id.clone())
                    .collect()
            })
    }

    /// Account data entries of a user (global when `room_id` is `None`).
    pub fn account_data_entries(
        &self,
        user_id: &str,
        room_id: Option<&str>,
    ) -> Option<&BTreeMap<String, AccountDataEntry>> {
        let data = self.account_data.get(user_id)?;
        match room_id {
            Some(room_id) => data.rooms.get(room_id),
            None => Some(&data.global),
        }
    }
}
