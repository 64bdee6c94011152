//! The JSON report: the report model as it is, versioned by `format_version`.

use std::path::Path;

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

/// What is wrong with a JSON report read back, and where, when serde_json can place it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportError {
    /// 1-based line and column of the fault, when known.
    pub at: Option<(usize, usize)>,
    /// What is wrong.
    pub message: String,
}

impl ReportError {
    /// A serde_json error, said after `what` the text is not, placed where serde_json places it.
    fn json(what: &str, err: &serde_json::Error) -> ReportError {
        let full = err.to_string();
        let at = (err.line() > 0).then(|| (err.line(), err.column().max(1)));
        let message = match at {
            Some(_) => full
                .rsplit_once(" at line ")
                .map_or(full.as_str(), |(m, _)| m),
            None => full.as_str(),
        };
        ReportError {
            at,
            message: format!("{what}: {message}"),
        }
    }

    /// An error serde_json did not place.
    fn unplaced(message: String) -> ReportError {
        ReportError { at: None, message }
    }

    /// The error as a line naming `file`, and the line and column when known.
    pub fn in_file(&self, file: &Path) -> String {
        match self.at {
            Some((line, column)) => format!("{}:{line}:{column}: {}", file.display(), self.message),
            None => format!("{}: {}", file.display(), self.message),
        }
    }
}

/// Reads a JSON report back; `Err` says what is wrong with it, naming the format version.
pub fn read(text: &str) -> Result<RunReport, ReportError> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| ReportError::json("not JSON", &e))?;
    match value
        .get("format_version")
        .and_then(serde_json::Value::as_u64)
    {
        Some(v) if v == u64::from(super::FORMAT_VERSION) => {}
        Some(v) => {
            return Err(ReportError::unplaced(format!(
                "format_version {v}; this mxconform reads version {}",
                super::FORMAT_VERSION
            )));
        }
        None => {
            return Err(ReportError::unplaced(
                "no format_version: not an mxconform report".into(),
            ));
        }
    }
    serde_json::from_str(text).map_err(|e| ReportError::json("not an mxconform report", &e))
}
