//! Load errors: one variant per way a case file can be wrong, each naming file, line and column.

use std::fmt;
use std::path::PathBuf;

/// Where in a case file something was found (1-based line and column).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    /// The case file.
    pub file: PathBuf,
    /// 1-based line; 0 when unknown.
    pub line: u64,
    /// 1-based column; 0 when unknown.
    pub column: u64,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.column)
    }
}

/// Why a case file could not be loaded.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum LoadError {
    /// The file could not be read.
    #[error("{file}: cannot read: {reason}", file = .file.display())]
    Unreadable { file: PathBuf, reason: String },
    /// The YAML is malformed or does not have the shape of a case.
    #[error("{at}: {message}")]
    Syntax { at: Position, message: String },
    /// A key the case format does not have.
    #[error("{at}: unknown key `{key}`, expected one of {expected}{hint}", hint = did_you_mean(.suggestion))]
    UnknownKey {
        at: Position,
        key: String,
        expected: String,
        suggestion: Option<String>,
    },
    /// A step acts as an actor the case does not declare.
    #[error("{at}: unknown actor `{actor}`, the case declares {declared}{hint}", hint = did_you_mean(.suggestion))]
    UnknownActor {
        at: Position,
        actor: String,
        declared: String,
        suggestion: Option<String>,
    },
    /// A `${name}` that no actor, built-in or earlier `save` defines.
    #[error("{at}: undefined variable `${{{name}}}`, expected one of {defined}{hint}", hint = did_you_mean(.suggestion))]
    UndefinedVariable {
        at: Position,
        name: String,
        defined: String,
        suggestion: Option<String>,
    },
    /// A case names a claim the registry does not have.
    #[error("{at}: unknown claim `{claim}`; claims are listed in claims.yaml{hint}", hint = did_you_mean(.suggestion))]
    UnknownClaim {
        at: Position,
        claim: String,
        suggestion: Option<String>,
    },
    /// A claim no case checks, and not marked `not_testable`.
    #[error("{at}: claim `{claim}` has no case; write one, or mark it `not_testable: <reason>`")]
    UncoveredClaim { at: Position, claim: String },
    /// Two cases, or two claims, share one id.
    #[error("{at}: duplicate case id `{id}`, first defined at {first}")]
    DuplicateId {
        at: Position,
        id: String,
        first: Position,
    },
    /// A mapping that writes one key twice.
    #[error("{at}: `{key}` is written twice in one mapping")]
    DuplicateKey { at: Position, key: String },
    /// A value is present and well-formed YAML but not acceptable here.
    #[error("{at}: {message}")]
    Invalid { at: Position, message: String },
}

/// ` (did you mean `x`?)` for a suggestion, nothing without one.
pub(crate) fn did_you_mean(suggestion: &Option<String>) -> String {
    suggestion
        .as_ref()
        .map(|s| format!(" (did you mean `{s}`?)"))
        .unwrap_or_default()
}

/// The candidate closest to `name`, if any is close enough to be a likely typo.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let allowed = (name.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(name, c), c))
        .filter(|(distance, _)| *distance <= allowed)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, c)| c.to_string())
}

impl LoadError {
    /// The position the error points at, when it has one.
    pub fn position(&self) -> Option<&Position> {
        match self {
            LoadError::Unreadable { .. } => None,
            LoadError::Syntax { at, .. }
            | LoadError::UnknownKey { at, .. }
            | LoadError::UnknownActor { at, .. }
            | LoadError::UndefinedVariable { at, .. }
            | LoadError::UnknownClaim { at, .. }
            | LoadError::UncoveredClaim { at, .. }
            | LoadError::DuplicateId { at, .. }
            | LoadError::DuplicateKey { at, .. }
            | LoadError::Invalid { at, .. } => Some(at),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_only_near_names() {
        assert_eq!(closest("bbo", ["alice", "bob"]), Some("bob".into()));
        assert_eq!(closest("zed", ["alice", "bob"]), None);
    }

    #[test]
    fn message_names_file_line_and_column() {
        let err = LoadError::UnknownActor {
            at: Position {
                file: "cases/dm/x.yaml".into(),
                line: 7,
                column: 9,
            },
            actor: "bbo".into(),
            declared: "alice, bob".into(),
            suggestion: Some("bob".into()),
        };
        assert_eq!(
            err.to_string(),
            "cases/dm/x.yaml:7:9: unknown actor `bbo`, the case declares alice, bob (did you mean `bob`?)"
        );
    }
}
