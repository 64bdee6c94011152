//! The configuration of a managed Synapse: loopback only, SQLite, open registration, no rate limits.

use std::net::TcpListener;
use std::path::Path;

use super::tls::{self, TlsFiles};

use base64::Engine;
use rand::RngExt;
use serde_json::{Value, json};

/// The server name managed Synapses use in user and room ids.
pub const SERVER_NAME: &str = "mxconform.localhost";

/// The address ranges a federating Synapse may reach: the IPv4 loopback network, and ::1 so that a
/// name resolving to both loopback addresses is not refused as a whole.
pub const LOOPBACK_RANGES: [&str; 2] = ["127.0.0.0/8", "::1/128"];
/// Every address: what a federating Synapse blocks unless it is in [`LOOPBACK_RANGES`].
pub const ALL_RANGES: [&str; 2] = ["0.0.0.0/0", "::/0"];

/// A free loopback TCP port, as the kernel hands one out.
pub fn free_port() -> std::io::Result<u16> {
    Ok(free_ports(1)?[0])
}

/// `count` distinct free loopback TCP ports, all held until all are found.
pub fn free_ports(count: usize) -> std::io::Result<Vec<u16>> {
    let listeners = (0..count)
        .map(|_| TcpListener::bind("127.0.0.1:0"))
        .collect::<std::io::Result<Vec<_>>>()?;
    listeners
        .iter()
        .map(|listener| Ok(listener.local_addr()?.port()))
        .collect()
}

/// The server name of a Synapse federating on loopback: `localhost` at its federation port.
pub fn loopback_server_name(federation_port: u16) -> String {
    format!("{}:{federation_port}", tls::HOST)
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

/// The TLS listener on `port` that serves the federation API, server keys included.
fn federation_listener(port: u16) -> Value {
    json!({
        "port": port,
        "bind_addresses": ["127.0.0.1"],
        "type": "http",
        "tls": true,
        "x_forwarded": false,
        "resources": [{"names": ["federation"], "compress": false}]
    })
}

/// The configuration of a Synapse that federates on loopback: [`homeserver_config`] plus a TLS
/// federation listener on `federation_port` with the certificate `tls`, named after that port.
///
/// Every request Synapse makes to another server (federation, identity servers, push gateways)
/// stays on loopback: `ip_range_blacklist` blocks every address and `ip_range_whitelist` lets
/// only [`LOOPBACK_RANGES`] through; without `federation_ip_range_blacklist` Synapse applies both
/// to federation too. Peers' certificates are not verified, as they are self-signed.
pub fn federating_config(
    data: &Path,
    port: u16,
    federation_port: u16,
    shared_secret: &str,
    tls: &TlsFiles,
) -> Value {
    let mut config = homeserver_config(data, port, shared_secret);
    let federating = json!({
        "server_name": loopback_server_name(federation_port),
        "tls_certificate_path": tls.certificate.display().to_string(),
        "tls_private_key_path": tls.private_key.display().to_string(),
        "federation_verify_certificates": false,
        "ip_range_blacklist": ALL_RANGES,
        "ip_range_whitelist": LOOPBACK_RANGES
    });
    if let (Some(config), Value::Object(federating)) = (config.as_object_mut(), federating) {
        config.extend(federating);
    }
    if let Some(listeners) = config["listeners"].as_array_mut() {
        listeners.push(federation_listener(federation_port));
    }
    config
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

    #[test]
    fn free_ports_are_distinct() {
        let ports = free_ports(8).unwrap();
        let mut unique = ports.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), 8);
    }

    /// The configuration without its random secrets, which differ on each call.
    fn without_secrets(mut config: Value) -> Value {
        for secret in ["macaroon_secret_key", "form_secret"] {
            config[secret] = json!("secret");
        }
        config
    }

    #[test]
    fn config_without_federation_is_one_plain_client_listener() {
        let config = homeserver_config(Path::new("/d"), 1234, "s");
        assert_eq!(config["server_name"], json!("mxconform.localhost"));
        let keys: Vec<_> = config
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "server_name",
                "pid_file",
                "signing_key_path",
                "media_store_path",
                "listeners",
                "database",
                "report_stats",
                "enable_metrics",
                "enable_registration",
                "enable_registration_without_verification",
                "registration_shared_secret",
                "macaroon_secret_key",
                "form_secret",
                "bcrypt_rounds",
                "trusted_key_servers",
                "suppress_key_server_warning",
                "url_preview_enabled",
                "rc_message",
                "rc_registration",
                "rc_login",
                "rc_joins",
                "rc_invites",
                "rc_admin_redaction",
                "rc_3pid_validation"
            ]
        );
        assert_eq!(
            config["listeners"],
            json!([{
                "port": 1234,
                "bind_addresses": ["127.0.0.1"],
                "type": "http",
                "tls": false,
                "x_forwarded": false,
                "resources": [{"names": ["client"], "compress": false}]
            }])
        );
        for key in [
            "tls_certificate_path",
            "tls_private_key_path",
            "federation_verify_certificates",
            "ip_range_blacklist",
            "ip_range_whitelist",
        ] {
            assert!(config.get(key).is_none(), "{key}");
        }
    }

    #[test]
    fn federating_config_adds_a_tls_federation_listener_named_after_its_port() {
        let tls = TlsFiles::in_directory(Path::new("/d"));
        let config = federating_config(Path::new("/d"), 1234, 5678, "s", &tls);
        assert_eq!(config["server_name"], json!("localhost:5678"));
        let listeners = config["listeners"].as_array().unwrap();
        assert_eq!(listeners.len(), 2);
        assert_eq!(
            listeners[0],
            homeserver_config(Path::new("/d"), 1234, "s")["listeners"][0]
        );
        assert_eq!(listeners[1]["port"], json!(5678));
        assert_eq!(listeners[1]["tls"], json!(true));
        assert_eq!(listeners[1]["bind_addresses"], json!(["127.0.0.1"]));
        assert_eq!(
            listeners[1]["resources"],
            json!([{"names": ["federation"], "compress": false}])
        );
        assert_eq!(config["tls_certificate_path"], json!("/d/tls.crt"));
        assert_eq!(config["tls_private_key_path"], json!("/d/tls.key"));
        assert_eq!(config["federation_verify_certificates"], json!(false));
    }

    #[test]
    fn federating_config_reaches_loopback_only() {
        let tls = TlsFiles::in_directory(Path::new("/d"));
        let config = federating_config(Path::new("/d"), 1234, 5678, "s", &tls);
        assert_eq!(config["ip_range_blacklist"], json!(["0.0.0.0/0", "::/0"]));
        assert_eq!(
            config["ip_range_whitelist"],
            json!(["127.0.0.0/8", "::1/128"])
        );
        assert!(config.get("federation_ip_range_blacklist").is_none());
        assert_eq!(config["trusted_key_servers"], json!([]));
    }

    #[test]
    fn federating_config_keeps_everything_else() {
        let tls = TlsFiles::in_directory(Path::new("/d"));
        let mut federating =
            without_secrets(federating_config(Path::new("/d"), 1234, 5678, "s", &tls));
        let plain = without_secrets(homeserver_config(Path::new("/d"), 1234, "s"));
        for key in [
            "server_name",
            "listeners",
            "tls_certificate_path",
            "tls_private_key_path",
            "federation_verify_certificates",
            "ip_range_blacklist",
            "ip_range_whitelist",
        ] {
            federating.as_object_mut().unwrap().remove(key);
        }
        let mut plain = plain;
        for key in ["server_name", "listeners"] {
            plain.as_object_mut().unwrap().remove(key);
        }
        assert_eq!(federating, plain);
    }
}
