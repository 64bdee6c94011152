//! Request routing: endpoint paths as wiremock matchers, the responder that runs an
//! endpoint handler against the shared state, and the catch-all that answers
//! `M_UNRECOGNIZED` (404 for an unknown path, 405 for a known path and wrong method).

use std::sync::{Arc, Mutex, PoisonError};

use serde_json::Value;

use wiremock::{Match, Request, Respond, ResponseTemplate};

use super::call::{Call, percent_decode};
use super::error::{ApiError, Outcome};
use super::profile::Deviation;
use super::shuffle::shuffled;
use super::state::State;

/// An endpoint implementation.
pub type Handler = fn(&mut State, &Call) -> Outcome;

const CLIENT_PREFIX: &str = "/_matrix/client/";
const CLIENT_VERSIONS: [&str; 2] = ["v3", "r0"];

/// An HTTP method and a path pattern under `/_matrix/client/`, where `{}` stands for
/// one path segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    method: &'static str,
    pattern: &'static str,
    versioned: bool,
}

impl Route {
    /// A route under `/_matrix/client/v3/` (also served under `/_matrix/client/r0/`).
    pub const fn client(method: &'static str, pattern: &'static str) -> Route {
        Route {
            method,
            pattern,
            versioned: true,
        }
    }

    /// A route directly under `/_matrix/client/`.
    pub const fn unversioned(method: &'static str, pattern: &'static str) -> Route {
        Route {
            method,
            pattern,
            versioned: false,
        }
    }

    /// The raw (still percent-encoded) segments standing for `{}` in `path`, if the
    /// path fits the pattern.
    fn placeholders<'p>(&self, path: &'p str) -> Option<Vec<&'p str>> {
        let mut rest = path.strip_prefix(CLIENT_PREFIX)?;
        if self.versioned {
            let (version, tail) = rest.split_once('/')?;
            if !CLIENT_VERSIONS.contains(&version) {
                return None;
            }
            rest = tail;
        }
        let segments: Vec<&str> = rest.split('/').collect();
        let pattern: Vec<&str> = self.pattern.split('/').collect();
        if segments.len() != pattern.len() {
            return None;
        }
        let mut values = Vec::new();
        for (segment, expected) in segments.into_iter().zip(pattern) {
            if expected == "{}" {
                values.push(segment);
            } else if segment != expected {
                return None;
            }
        }
        Some(values)
    }
}

impl Match for Route {
    fn matches(&self, request: &Request) -> bool {
        request.method.as_str() == self.method && self.placeholders(request.url.path()).is_some()
    }
}

/// Runs one endpoint handler with the shared state locked.
pub struct Endpoint {
    route: Route,
    handler: Handler,
    state: Arc<Mutex<State>>,
}

impl Endpoint {
    /// The responder for `route`, served by `handler`.
    pub fn new(route: Route, handler: Handler, state: Arc<Mutex<State>>) -> Endpoint {
        Endpoint {
            route,
            handler,
            state,
        }
    }

    fn outcome(&self, request: &Request, state: &mut State) -> Outcome {
        let raw = self
            .route
            .placeholders(request.url.path())
            .ok_or_else(ApiError::unrecognized)?;
        let params = raw
            .into_iter()
            .map(|segment| {
                percent_decode(segment)
                    .ok_or_else(|| ApiError::invalid_param("Malformed percent-encoding in path"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let call = Call::new(request, params);
        (self.handler)(state, &call)
    }
}

impl Respond for Endpoint {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let outcome = self.outcome(request, &mut state);
        let ordered = |body| in_order(state.deviation, self.route.pattern, request, body);
        match outcome {
            Ok(mut reply) => {
                reply.body = ordered(reply.body);
                reply.into_template()
            }
            Err(error) => {
                let mut error = error.worded_for(state.deviation);
                error.body = ordered(error.body);
                error.into_template()
            }
        }
    }
}

/// `body`, answering `request` on the route `pattern`, in the order a server running with
/// `deviation` gives it.
fn in_order(deviation: Option<Deviation>, pattern: &str, request: &Request, body: Value) -> Value {
    if deviation == Some(Deviation::ShuffledOrder) {
        shuffled(pattern, request.url.path(), body)
    } else {
        body
    }
}

/// Answers every request no endpoint took.
pub struct Fallback {
    routes: Vec<Route>,
    deviation: Option<Deviation>,
}

impl Fallback {
    /// The catch-all for a server serving `routes`, running with `deviation`.
    pub fn new(routes: Vec<Route>, deviation: Option<Deviation>) -> Fallback {
        Fallback { routes, deviation }
    }
}

impl Respond for Fallback {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let path = request.url.path();
        let known_path = self
            .routes
            .iter()
            .any(|route| route.placeholders(path).is_some());
        let error = if known_path {
            ApiError::method_not_allowed()
        } else {
            ApiError::unrecognized()
        };
        let mut error = error.worded_for(self.deviation);
        error.body = in_order(self.deviation, "", request, error.body);
        error.into_template()
    }
}

#[cfg(test)]
mod tests {
    use super::Route;

    #[test]
    fn patterns_capture_segments_under_both_versions() {
        let route = Route::client("GET", "rooms/{}/state/{}");
        assert_eq!(
            route.placeholders("/_matrix/client/v3/rooms/%21a%3Ab/state/m.room.name"),
            Some(vec!["%21a%3Ab", "m.room.name"])
        );
        assert!(
            route
                .placeholders("/_matrix/client/r0/rooms/x/state/y")
                .is_some()
        );
        assert!(
            route
                .placeholders("/_matrix/client/v4/rooms/x/state/y")
                .is_none()
        );
        assert!(
            route
                .placeholders("/_matrix/client/v3/rooms/x/state")
                .is_none()
        );
        let versions = Route::unversioned("GET", "versions");
        assert!(versions.placeholders("/_matrix/client/versions").is_some());
        assert!(
            versions
                .placeholders("/_matrix/client/v3/versions")
                .is_none()
        );
    }
}
