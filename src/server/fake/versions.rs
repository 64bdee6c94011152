//! GET /_matrix/client/versions

use serde_json::json;

use super::call::Call;
use super::error::{Outcome, Reply};
use super::profile::Deviation;
use super::state::State;

/// Specification versions the fake claims to support.
const VERSIONS: [&str; 24] = [
    "r0.0.1", "r0.1.0", "r0.2.0", "r0.3.0", "r0.4.0", "r0.5.0", "r0.6.0", "r0.6.1", "v1.1", "v1.2",
    "v1.3", "v1.4", "v1.5", "v1.6", "v1.7", "v1.8", "v1.9", "v1.10", "v1.11", "v1.12", "v1.13",
    "v1.14", "v1.15", "v1.16",
];

/// Later versions advertised under [`Deviation::VersionsMore`].
const MORE_VERSIONS: [&str; 2] = ["v1.17", "v1.18"];

/// `GET /versions`: the supported versions, no authentication needed.
pub fn get_versions(state: &mut State, _call: &Call) -> Outcome {
    if state.deviates(Deviation::VersionsMore) {
        let versions: Vec<&str> = VERSIONS.iter().chain(&MORE_VERSIONS).copied().collect();
        return Ok(Reply::ok(json!({
            "versions": versions,
            "unstable_features": { "org.example.feature": true },
        })));
    }
    Ok(Reply::ok(
        json!({ "versions": VERSIONS, "unstable_features": {} }),
    ))
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::super::testing::Client;

    #[tokio::test]
    async fn versions_are_listed_and_unknown_requests_unrecognized() {
        let client = Client::start().await;
        let http = reqwest::Client::new();
        let base = client.server.uri();
        let reply: Value = http
            .get(format!("{base}/_matrix/client/versions"))
            .send()
            .await
            .expect("request")
            .json()
            .await
            .expect("json");
        let versions = reply["versions"].as_array().expect("versions");
        assert!(versions.iter().any(|v| v == "r0.6.1"));
        assert!(versions.iter().any(|v| v == "v1.16"));
        assert!(reply["unstable_features"].is_object());

        let unknown = http
            .get(format!("{base}/_matrix/client/v3/nonsense"))
            .send()
            .await
            .expect("request");
        assert_eq!(unknown.status().as_u16(), 404);
        let body: Value = unknown.json().await.expect("json");
        assert_eq!(body["errcode"], "M_UNRECOGNIZED");

        let wrong_method = http
            .delete(format!("{base}/_matrix/client/v3/createRoom"))
            .send()
            .await
            .expect("request");
        assert_eq!(wrong_method.status().as_u16(), 405);
    }
}
