//! Identifier grammar: minting random room, event and device ids and access tokens,
//! and checking user ids, room ids, localparts and server names.

const LETTERS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const URL_SAFE: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// Longest user id the server accepts, in bytes.
pub const MAX_USER_ID_LENGTH: usize = 255;

fn random_string(alphabet: &[u8], len: usize) -> String {
    (0..len)
        .map(|_| char::from(alphabet[rand::random_range(0..alphabet.len())]))
        .collect()
}

/// A fresh room id `!<18 letters>:<server_name>`.
pub fn room_id(server_name: &str) -> String {
    format!("!{}:{server_name}", random_string(LETTERS, 18))
}

/// A fresh room id in the room version 12 form: `!` and 43 URL-safe characters.
pub fn room_id_without_server() -> String {
    format!("!{}", random_string(URL_SAFE, 43))
}

/// A fresh event id in the room version 4+ form: `$` and 43 URL-safe characters.
pub fn event_id() -> String {
    format!("${}", random_string(URL_SAFE, 43))
}

/// A fresh device id of ten capital letters.
pub fn device_id() -> String {
    random_string(UPPER, 10)
}

/// A fresh opaque access token.
pub fn access_token() -> String {
    format!("syt_{}", hex::encode(rand::random::<[u8; 20]>()))
}

/// A fresh user-interactive authentication session id.
pub fn uia_session() -> String {
    random_string(LETTERS, 24)
}

/// Whether every character of `localpart` is allowed in a user id localpart
/// (`a-z`, `0-9`, `.`, `_`, `=`, `-`, `/`, `+`).
pub fn is_valid_localpart_chars(localpart: &str) -> bool {
    localpart
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._=-/+".contains(c))
}

/// Whether `name` is a server name: a DNS name, IPv4 or bracketed IPv6 literal,
/// optionally followed by `:port`.
pub fn is_valid_server_name(name: &str) -> bool {
    let (host_ok, port) = match name.strip_prefix('[') {
        Some(rest) => match rest.split_once(']') {
            Some((literal, "")) => (is_ipv6_literal(literal), None),
            Some((literal, tail)) => match tail.strip_prefix(':') {
                Some(port) => (is_ipv6_literal(literal), Some(port)),
                None => return false,
            },
            None => return false,
        },
        None => match name.rsplit_once(':') {
            Some((host, port)) => (is_dns_name(host), Some(port)),
            None => (is_dns_name(name), None),
        },
    };
    host_ok
        && port
            .is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()))
}

fn is_ipv6_literal(literal: &str) -> bool {
    !literal.is_empty()
        && literal
            .chars()
            .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
}

fn is_dns_name(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 255
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
}

/// Splits `@localpart:server` into its parts, if it has the user id shape.
pub fn parse_user_id(user_id: &str) -> Option<(&str, &str)> {
    let rest = user_id.strip_prefix('@')?;
    let (localpart, server) = rest.split_once(':')?;
    (!localpart.is_empty() && is_valid_server_name(server)).then_some((localpart, server))
}

/// Whether `room_id` is a room id: `!opaque:server`, or `!` and 43 URL-safe
/// characters (room version 12 and later).
pub fn is_valid_room_id(room_id: &str) -> bool {
    let Some(rest) = room_id.strip_prefix('!') else {
        return false;
    };
    match rest.split_once(':') {
        Some((_, server)) => is_valid_server_name(server),
        None => rest.len() == 43 && rest.bytes().all(|b| URL_SAFE.contains(&b)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minted_ids_have_the_expected_shape() {
        assert!(is_valid_room_id(&room_id("localhost:8008")));
        assert!(is_valid_room_id(&room_id_without_server()));
        let event = event_id();
        assert!(event.starts_with('$') && event.len() == 44);
        assert_eq!(device_id().len(), 10);
        assert_ne!(access_token(), access_token());
    }

    #[test]
    fn server_names_follow_the_grammar() {
        assert!(is_valid_server_name("example.org"));
        assert!(is_valid_server_name("127.0.0.1:8008"));
        assert!(is_valid_server_name("[::1]:8448"));
        assert!(!is_valid_server_name(""));
        assert!(!is_valid_server_name("exa mple.org"));
        assert!(!is_valid_server_name("example.org:port"));
    }

    #[test]
    fn user_and_room_ids_are_parsed() {
        assert_eq!(
            parse_user_id("@bob:example.org"),
            Some(("bob", "example.org"))
        );
        assert_eq!(parse_user_id("bob:example.org"), None);
        assert_eq!(parse_user_id("@bob"), None);
        assert!(is_valid_room_id("!abc:example.org"));
        assert!(!is_valid_room_id("@notaroom:example.org"));
        assert!(!is_valid_room_id("!abc"));
        assert!(is_valid_localpart_chars("a.b_c=d-e/f+1"));
        assert!(!is_valid_localpart_chars("Alice"));
    }
}
