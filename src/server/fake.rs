//! An in-process, stateful, specification-conformant Matrix homeserver built on
//! `wiremock`: the harness's offline target and self-test.
//!
//! It serves registration and login, room creation and membership, room state, the
//! reads of room history (`/members`, `/messages`, `/context`, `/event`), sending
//! message and state events, `/sync` with filters, global and per-room account data,
//! and push rules, under `/_matrix/client/v3/` (and `/_matrix/client/r0/`). Every room
//! event, account-data write and push rule change takes the next position in one
//! global stream, which the `/sync` and `/messages` tokens encode. Anything else gets
//! 404 `M_UNRECOGNIZED` (405 for a known path asked with the wrong method).
//!
//! [`FakeHomeserver::start_with`] runs it with one [`Deviation`] from its conformant
//! behaviour: a fault that breaks one claim, or a variant the specification allows
//! (see [`profiles`]).

mod account_data;
mod auth;
mod call;
mod context;
mod create_room;
mod error;
mod event;
mod filter;
mod history;
mod ids;
mod knock;
mod login;
mod members;
mod membership;
mod messages;
pub mod profile;
mod push_rules;
mod register;
mod room;
mod room_event;
mod room_send;
mod room_state;
mod router;
mod shuffle;
mod state;
mod sync;
mod sync_account_data;
mod sync_filter;
mod sync_rooms;
mod sync_stripped;
mod versions;

#[cfg(test)]
mod testing;

use std::sync::{Arc, Mutex};

use wiremock::matchers::any;
use wiremock::{Mock, MockServer};

pub use profile::{Deviation, Kind, Profile, profiles};
use router::{Endpoint, Fallback, Handler, Route};
use state::State;

/// Every endpoint the fake serves, with its handler.
const ENDPOINTS: &[(Route, Handler)] = &[
    (
        Route::unversioned("GET", "versions"),
        versions::get_versions,
    ),
    (Route::client("POST", "register"), register::post_register),
    (
        Route::client("GET", "register/available"),
        register::get_available,
    ),
    (Route::client("GET", "login"), login::get_login),
    (Route::client("POST", "login"), login::post_login),
    (Route::client("GET", "account/whoami"), login::get_whoami),
    (
        Route::client("POST", "createRoom"),
        create_room::post_create_room,
    ),
    (
        Route::client("POST", "rooms/{}/invite"),
        membership::post_invite,
    ),
    (
        Route::client("POST", "rooms/{}/join"),
        membership::post_join,
    ),
    (
        Route::client("POST", "join/{}"),
        membership::post_join_by_id_or_alias,
    ),
    (Route::client("POST", "knock/{}"), knock::post_knock),
    (
        Route::client("POST", "rooms/{}/leave"),
        membership::post_leave,
    ),
    (
        Route::client("GET", "joined_rooms"),
        membership::get_joined_rooms,
    ),
    (
        Route::client("GET", "rooms/{}/state"),
        room_state::get_state,
    ),
    (
        Route::client("GET", "rooms/{}/state/{}"),
        room_state::get_state_event,
    ),
    (
        Route::client("GET", "rooms/{}/state/{}/{}"),
        room_state::get_state_event,
    ),
    (
        Route::client("PUT", "rooms/{}/state/{}"),
        room_send::put_state,
    ),
    (
        Route::client("PUT", "rooms/{}/state/{}/{}"),
        room_send::put_state,
    ),
    (
        Route::client("PUT", "rooms/{}/send/{}/{}"),
        room_send::put_send,
    ),
    (
        Route::client("GET", "rooms/{}/members"),
        members::get_members,
    ),
    (
        Route::client("GET", "rooms/{}/messages"),
        messages::get_messages,
    ),
    (
        Route::client("GET", "rooms/{}/context/{}"),
        context::get_context,
    ),
    (
        Route::client("GET", "rooms/{}/event/{}"),
        room_event::get_event,
    ),
    (Route::client("GET", "sync"), sync::get_sync),
    (Route::client("POST", "user/{}/filter"), filter::post_filter),
    (
        Route::client("GET", "user/{}/filter/{}"),
        filter::get_filter,
    ),
    (
        Route::client("PUT", "user/{}/account_data/{}"),
        account_data::put_global,
    ),
    (
        Route::client("GET", "user/{}/account_data/{}"),
        account_data::get_global,
    ),
    (
        Route::client("PUT", "user/{}/rooms/{}/account_data/{}"),
        account_data::put_room,
    ),
    (
        Route::client("GET", "user/{}/rooms/{}/account_data/{}"),
        account_data::get_room,
    ),
    (Route::client("GET", "pushrules/"), push_rules::get_all),
    (
        Route::client("GET", "pushrules/global/"),
        push_rules::get_global,
    ),
    (
        Route::client("GET", "pushrules/global/{}/{}"),
        push_rules::get_rule,
    ),
    (
        Route::client("PUT", "pushrules/global/{}/{}"),
        push_rules::put_rule,
    ),
    (
        Route::client("DELETE", "pushrules/global/{}/{}"),
        push_rules::delete_rule,
    ),
];

/// A running fake homeserver; it stops when dropped.
pub struct FakeHomeserver {
    server: MockServer,
    server_name: String,
    // Kept so the state lives exactly as long as the server.
    _state: Arc<Mutex<State>>,
}

impl FakeHomeserver {
    /// Starts the conformant fake on a free loopback port.
    pub async fn start() -> FakeHomeserver {
        FakeHomeserver::start_with(None).await
    }

    /// Starts the fake on a free loopback port, with `deviation` switched on (if any).
    pub async fn start_with(deviation: Option<Deviation>) -> FakeHomeserver {
        let server = MockServer::builder()
            .disable_request_recording()
            .start()
            .await;
        let server_name = format!("localhost:{}", server.address().port());
        let state = Arc::new(Mutex::new(State::new(server_name.clone(), deviation)));
        for &(route, handler) in ENDPOINTS {
            Mock::given(route)
                .respond_with(Endpoint::new(route, handler, Arc::clone(&state)))
                .mount(&server)
                .await;
        }
        let routes = ENDPOINTS.iter().map(|&(route, _)| route).collect();
        Mock::given(any())
            .respond_with(Fallback::new(routes, deviation))
            .with_priority(u8::MAX)
            .mount(&server)
            .await;
        FakeHomeserver {
            server,
            server_name,
            _state: state,
        }
    }

    /// Base URL, e.g. `http://127.0.0.1:PORT` (no trailing slash).
    #[must_use]
    pub fn uri(&self) -> String {
        self.server.uri()
    }

    /// The server name in user ids and room ids it mints.
    #[must_use]
    pub fn server_name(&self) -> &str {
        &self.server_name
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::testing::Client;

    #[tokio::test]
    async fn parallel_users_share_one_server_without_interference() {
        let client = std::sync::Arc::new(Client::start().await);
        let tasks: Vec<_> = (0..16)
            .map(|n| {
                let client = std::sync::Arc::clone(&client);
                tokio::spawn(async move {
                    let account = client.register(&format!("user{n}")).await;
                    let room_id = client
                        .create_room(&account, json!({ "name": format!("room {n}") }))
                        .await;
                    let path = format!("rooms/{room_id}/state/m.room.name");
                    let (status, name) = client.get(&path, &account.token).await;
                    assert_eq!(
                        (status, name),
                        (200, json!({ "name": format!("room {n}") }))
                    );
                    let sync = client.sync(&account, "timeout=0").await;
                    let joined = sync["rooms"]["join"].as_object().map(|rooms| rooms.len());
                    assert_eq!(joined, Some(1));
                })
            })
            .collect();
        for task in tasks {
            task.await.expect("task completes");
        }
    }

    #[tokio::test]
    async fn r0_paths_are_served_too() {
        let client = Client::start().await;
        let account = client.register("alice").await;
        let url = format!("{}/_matrix/client/r0/account/whoami", client.server.uri());
        let response = reqwest::Client::new()
            .get(url)
            .bearer_auth(&account.token)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status().as_u16(), 200);
    }
}
