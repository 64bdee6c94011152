//! Secrets in JSON: the keys whose values never reach output, reports or snapshots.

use serde_json::Value;

/// Keys whose values are secrets wherever they appear in a body.
pub const SECRET_KEYS: &[&str] = &[
    "access_token",
    "refresh_token",
    "password",
    "new_password",
    "client_secret",
    "token",
    "login_token",
    "registration_token",
    "mac",
    "registration_shared_secret",
];

/// The value with every secret replaced by `[redacted]`, at any depth.
pub fn redacted(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let v = if SECRET_KEYS.contains(&k.as_str()) && !v.is_null() {
                        Value::String("[redacted]".into())
                    } else {
                        redacted(v)
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(redacted).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secrets_are_redacted_at_any_depth() {
        let body =
            json!({"user_id": "@a:hs", "access_token": "syt_abc", "nested": [{"password": "pw"}]});
        assert_eq!(
            redacted(&body),
            json!({"user_id": "@a:hs", "access_token": "[redacted]", "nested": [{"password": "[redacted]"}]})
        );
    }

    #[test]
    fn every_secret_key_is_redacted_and_other_keys_are_kept() {
        let body = json!({
            "new_password": "np",
            "client_secret": "cs",
            "auth": {"type": "m.login.token", "token": "t", "session": "s"},
            "login_token": "lt",
            "registration_token": "rt",
            "refresh_token": "ref",
            "token": null,
        });
        assert_eq!(
            redacted(&body),
            json!({
                "new_password": "[redacted]",
                "client_secret": "[redacted]",
                "auth": {"type": "m.login.token", "token": "[redacted]", "session": "s"},
                "login_token": "[redacted]",
                "registration_token": "[redacted]",
                "refresh_token": "[redacted]",
                "token": null,
            })
        );
    }
}
