//! The configuration of a managed Synapse: loopback only, SQLite, open registration, no rate limits.

use std::net::TcpListener;
use std::path::Path;

use base64::Engine;
use rand::RngExt;
use serde_json::{Value, json};

/// The server name managed Synapses use in user and room ids.
pub const SERVER_NAME: &str = "mxconform.localhost";

/// A free loopback TCP port, as the kernel hands one out.
pub fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// A random hex string of `bytes` random bytes.
pub fn random_hex(bytes: usize) -> String {
    let mut rng = rand::rng();
    (0..bytes)
        .map(|_| format!("{:02x}", rng.random::<u8>()))
        .collect()
}

/// A fresh ed25519 signing key in Synapse's file format (`ed25519 <key id> <unpadded base64 seed>`).
pub fn signing_key() -> String {
    let seed: [u8; 32] = rand::rng().random();
    format!(
        "ed25519 a_mxc {}\n",
        base64::engine::general_purpose::STANDARD_NO_PAD.encode(seed)
    )
}

/// Rate limits high enough never to throttle a conformance run.
fn unlimited() -> Value {
    json!({"per_second": 10000, "burst_count": 10000})
}

/// The homeserver configuration for a data directory, port and registration shared secret.
///
/// JSON is valid YAML, so the result is written as Synapse's `homeserver.yaml` as it is.
pub fn homeserver_config(data: &Path, port: u16, shared_secret: &str) -> Value {
    let path = |name: &str| data.join(name).display().to_string();
    json!({
        "server_name": SERVER_NAME,
        "pid_file": path("homeserver.pid"),
        "signing_key_path": path("signing.key"),
        "media_store_path": path("media_store"),
        "listeners": [{
            "port": port,
            "bind_addresses": ["127.0.0.1"],
            "type": "http",
            "tls": false,
            "x_forwarded": false,
            "resources": [{"names": ["client"], "compress": false}]
        }],
        "database": {"name": "sqlite3", "args": {"database": path("homeserver.db")}},
        "report_stats": false,
        "enable_metrics": false,
        "enable_registration": true,
        "enable_registration_without_verification": true,
        "registration_shared_secret": shared_secret,
        "macaroon_secret_key": random_hex(32),
        "form_secret": random_hex(32),
        "bcrypt_rounds": 4,
        "trusted_key_servers": [],
        "suppress_key_server_warning": true,
        "url_preview_enabled": false,
        "rc_message": unlimited(),
        "rc_registration": unlimited(),
        "rc_login": {"address": unlimited(), "account": unlimited(), "failed_attempts": unlimited()},
        "rc_joins": {"local": unlimited(), "remote": unlimited()},
        "rc_invites": {"per_room": unlimited(), "per_user": unlimited(), "per_issuer": unlimited()},
        "rc_admin_redaction": unlimited(),
        "rc_3pid_validation": unlimited()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signing_key_has_synapse_format() {
        let key = signing_key();
        let parts: Vec<_> = key.trim().split(' ').collect();
        assert_eq!(parts[..2], ["ed25519", "a_mxc"]);
        let seed = base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(parts[2])
            .unwrap();
        assert_eq!(seed.len(), 32);
    }

    #[test]
    fn config_binds_loopback_and_lifts_rate_limits() {
        let config = homeserver_config(Path::new("/d"), 1234, "s");
        assert_eq!(
            config["listeners"][0]["bind_addresses"],
            json!(["127.0.0.1"])
        );
        assert_eq!(config["listeners"][0]["port"], json!(1234));
        assert_eq!(
            config["database"]["args"]["database"],
            json!("/d/homeserver.db")
        );
        assert_eq!(config["rc_login"]["account"]["per_second"], json!(10000));
        assert_ne!(
            config["macaroon_secret_key"],
            homeserver_config(Path::new("/d"), 1, "s")["macaroon_secret_key"]
        );
    }
}
