//! YAML as mxconform reads it: through serde-saphyr within explicit limits, so no file, however
//! hostile, takes more than a moment or much memory, and every error said as a [`LoadError`].

use std::path::Path;

use serde::de::DeserializeOwned;
use serde_saphyr::budget::BudgetBreach;

use super::error::{LoadError, Position, closest};
use super::load::Source;
use crate::input::{MAX_YAML_BYTES, ReadError, read_text};

/// The deepest mappings and sequences may nest; case bodies nest a handful of levels.
pub const MAX_DEPTH: usize = 64;

/// The most values (scalars, mappings and sequences) one file may hold, aliases expanded.
pub const MAX_NODES: usize = 100_000;

/// The most aliases (`*name`) one file may use, and the most anchors (`&name`) it may define.
pub const MAX_ALIASES: usize = 1_000;

/// Reads the YAML file at `path`, refusing one too large to be a case, claims or expectations file.
pub fn read_source(path: &Path) -> Result<Source, LoadError> {
    match read_text(path, MAX_YAML_BYTES) {
        Ok(text) => Ok(Source {
            path: path.to_path_buf(),
            text,
        }),
        Err(err) => Err(unreadable(path, &err)),
    }
}

/// A read error as a load error, placed at the bad byte when there is one.
fn unreadable(path: &Path, err: &ReadError) -> LoadError {
    match err.position() {
        Some((line, column)) => LoadError::Syntax {
            at: Position {
                file: path.to_path_buf(),
                line,
                column,
            },
            message: err.to_string(),
        },
        None => LoadError::Unreadable {
            file: path.to_path_buf(),
            reason: err.to_string(),
        },
    }
}

/// Deserializes the text of the file at `path` within the limits.
pub(crate) fn parse<T: DeserializeOwned>(path: &Path, text: &str) -> Result<T, LoadError> {
    if text.len() as u64 > MAX_YAML_BYTES {
        return Err(unreadable(
            path,
            &ReadError::TooLarge {
                limit: MAX_YAML_BYTES,
            },
        ));
    }
    serde_saphyr::from_str_with_options(text, options()).map_err(|e| yaml_error(path, &e))
}

/// The parser's options: strict booleans, no duplicate keys, no includes, and the limits.
fn options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        strict_booleans: true,
        duplicate_keys: serde_saphyr::DuplicateKeyPolicy::Error,
        budget: serde_saphyr::budget! {
            max_depth: MAX_DEPTH,
            flow_nesting_limit: MAX_DEPTH,
            max_nodes: MAX_NODES,
            max_events: 2 * MAX_NODES,
            max_aliases: MAX_ALIASES,
            max_anchors: MAX_ALIASES,
            max_recorded_anchor_events: MAX_NODES,
            max_total_scalar_bytes: MAX_YAML_BYTES as usize,
            max_recorded_anchor_bytes: MAX_YAML_BYTES as usize,
            max_documents: 1,
            max_inclusion_depth: 0,
        },
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: MAX_NODES,
            max_replay_stack_depth: MAX_DEPTH,
        },
    }
}

/// Turns a serde-saphyr error into a load error, recognising unknown and duplicate keys.
pub(crate) fn yaml_error(file: &Path, err: &serde_saphyr::Error) -> LoadError {
    let at = Position {
        file: file.to_path_buf(),
        line: err.location().map_or(0, |loc| loc.line()),
        column: err.location().map_or(0, |loc| loc.column()),
    };
    if let serde_saphyr::Error::DuplicateMappingKey { key: Some(key), .. } = original(err) {
        return LoadError::DuplicateKey {
            at,
            key: key.clone(),
        };
    }
    let message = message(err);
    if let Some((key, expected)) = unknown_field(&message) {
        let suggestion = closest(&key, expected.iter().map(String::as_str));
        return LoadError::UnknownKey {
            at,
            key,
            expected: expected.join(", "),
            suggestion,
        };
    }
    LoadError::Syntax { at, message }
}

/// What is wrong, in the terms of a file's author: which limit the file went beyond, or where it
/// ends too early; else serde-saphyr's own message.
fn message(err: &serde_saphyr::Error) -> String {
    use serde_saphyr::Error;
    let nested = || format!("nested deeper than {MAX_DEPTH} levels, the most mxconform reads");
    let aliases = || {
        format!(
            "aliases expand beyond {MAX_NODES} values or {MAX_ALIASES} uses, the most mxconform reads"
        )
    };
    match original(err) {
        Error::Budget { breach, .. } => match breach {
            BudgetBreach::Depth { .. } => nested(),
            BudgetBreach::Nodes { .. } | BudgetBreach::Events { .. } => {
                format!("more than {MAX_NODES} values, the most mxconform reads from one file")
            }
            BudgetBreach::Documents { .. } => {
                "more than one YAML document (`---`): a file holds one".to_string()
            }
            BudgetBreach::Aliases { .. }
            | BudgetBreach::Anchors { .. }
            | BudgetBreach::AliasAnchorRatio { .. }
            | BudgetBreach::RecordedAnchorEvents { .. }
            | BudgetBreach::RecordedAnchorBytes { .. } => aliases(),
            other => format!("beyond the limits of what mxconform reads: {other:?}"),
        },
        Error::AliasReplayLimitExceeded { .. }
        | Error::AliasExpansionLimitExceeded { .. }
        | Error::AliasReplayStackDepthExceeded { .. }
        | Error::AliasReplayCounterOverflow { .. } => aliases(),
        Error::Unexpected { expected, .. } => match *expected {
            "mapping start" => "expected a mapping (`key: value` lines) here".to_string(),
            "sequence start" => "expected a list here".to_string(),
            other => format!("expected {other}"),
        },
        Error::NullIntoString { .. } => "expected text here, found nothing (null)".to_string(),
        Error::DuplicateMappingKey { .. } => "a key is written twice in one mapping".to_string(),
        Error::Eof { .. } => "the file ends where a value is expected (is it empty?)".to_string(),
        _ if message_of(err) == "recursion limit exceeded" => nested(),
        _ => message_of(err),
    }
}

/// The error itself, out of the wrappers that add a source snippet or an alias's locations.
fn original(err: &serde_saphyr::Error) -> &serde_saphyr::Error {
    let mut err = err;
    while let serde_saphyr::Error::AliasError { error, .. }
    | serde_saphyr::Error::WithSnippet { error, .. } = err
    {
        err = error;
    }
    err
}

/// The error's message without serde-saphyr's location prefix and source snippet.
fn message_of(err: &serde_saphyr::Error) -> String {
    let full = err.to_string();
    let first = full.lines().next().unwrap_or_default();
    let without_error = first.strip_prefix("error: ").unwrap_or(first);
    match without_error
        .strip_prefix("line ")
        .and_then(|rest| rest.split_once(": "))
    {
        Some((coordinates, message)) if coordinates.contains("column") => message.to_string(),
        _ => without_error.to_string(),
    }
}

/// Parses serde's "unknown field `x`, expected one of a, b" into the key and the expected keys.
fn unknown_field(message: &str) -> Option<(String, Vec<String>)> {
    let rest = message.strip_prefix("unknown field `")?;
    let (key, rest) = rest.split_once('`')?;
    let expected = rest
        .split_once("expected one of ")
        .or_else(|| rest.split_once("expected "))
        .map(|(_, list)| list)
        .unwrap_or_default();
    let expected = expected
        .split(", ")
        .map(|s| s.trim_matches('`').to_string())
        .filter(|s| !s.is_empty())
        .collect();
    Some((key.to_string(), expected))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(text: &str) -> String {
        parse::<serde_json::Value>(Path::new("h.yaml"), text)
            .expect_err("the text must be refused")
            .to_string()
    }

    #[test]
    fn exponential_aliases_are_refused_by_the_limits() {
        let mut text = "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n".to_string();
        for level in 1..9 {
            let alias = format!("*a{}", level - 1);
            let list = vec![alias; 9].join(", ");
            text.push_str(&format!("a{level}: &a{level} [{list}]\n"));
        }
        let message = refusal(&text);
        assert!(message.starts_with("h.yaml:"), "{message}");
        assert!(message.contains("aliases expand beyond"), "{message}");
    }

    #[test]
    fn deep_nesting_is_refused_at_its_place() {
        let message = refusal(&"[".repeat(10_000));
        assert_eq!(
            message,
            format!(
                "h.yaml:1:{}: nested deeper than {MAX_DEPTH} levels, the most mxconform reads",
                MAX_DEPTH + 1
            )
        );
    }

    #[test]
    fn text_over_the_size_limit_is_refused_unparsed() {
        let text = "a".repeat(MAX_YAML_BYTES as usize + 1);
        assert_eq!(
            refusal(&text),
            "h.yaml: cannot read: larger than 4 MiB, the most mxconform reads from such a file"
        );
    }
}
