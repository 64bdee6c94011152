//! The JSON report: the report model as it is, versioned by `format_version`.

use super::{Emitter, RunReport};

/// Writes the report as pretty-printed JSON.
pub struct Json;

impl Emitter for Json {
    fn format(&self) -> &'static str {
        "json"
    }

    fn render(&self, report: &RunReport) -> Result<String, String> {
        serde_json::to_string_pretty(report).map_err(|e| e.to_string())
    }
}

/// Reads a JSON report back; `Err` says what is wrong with it, naming the format version.
pub fn read(text: &str) -> Result<RunReport, String> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    match value
        .get("format_version")
        .and_then(serde_json::Value::as_u64)
    {
        Some(v) if v == u64::from(super::FORMAT_VERSION) => {}
        Some(v) => {
            return Err(format!(
                "format_version {v}; this mxconform reads version {}",
                super::FORMAT_VERSION
            ));
        }
        None => return Err("no format_version: not an mxconform report".into()),
    }
    serde_json::from_value(value).map_err(|e| format!("not an mxconform report: {e}"))
}
