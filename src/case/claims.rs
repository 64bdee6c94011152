//! The claims registry, `cases/claims.yaml`: every behavioural claim of the specification, written once.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::error::{LoadError, Position};
use super::model::Level;
use super::spec_version::SpecVersion;
use super::yaml::parse;

/// One claim of the specification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// Stable identifier, e.g. `dm.create-room.invitees-flagged`.
    pub id: String,
    /// Link to the specification section.
    pub section: String,
    /// A short quote of the claim.
    pub quote: String,
    /// How strongly the claim binds; `INFO` for de-facto behaviour the spec leaves open.
    pub level: Level,
    /// The specification version that introduced the claim.
    pub since: SpecVersion,
    /// Known spec issues and divergences.
    pub notes: Option<String>,
    /// Why no case can check the claim, for claims out of the harness's reach.
    pub not_testable: Option<String>,
    /// Whose behaviour the claim is about: a server's, or a client's (never judged against a server).
    pub subject: Subject,
    /// Where the specification is silent, ambiguous or contradicts itself on this claim.
    pub spec_gap: Option<String>,
    /// Where the quote stands in the specification's sources, e.g. `data/api/client-server/sync.yaml:355`.
    pub source: Option<String>,
}

/// Whose behaviour a claim describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Subject {
    /// The homeserver: judged by the cases that check it.
    #[default]
    Server,
    /// A client: kept in the registry, never judged against a server.
    Client,
}

impl std::fmt::Display for Subject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(match self {
            Subject::Server => "server",
            Subject::Client => "client",
        })
    }
}

/// Every claim, by id, with where each is written.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    claims: BTreeMap<String, (Claim, Position)>,
}

impl Registry {
    /// The claim with this id.
    pub fn get(&self, id: &str) -> Option<&Claim> {
        self.claims.get(id).map(|(claim, _)| claim)
    }

    /// Where the claim with this id is written.
    pub fn position(&self, id: &str) -> Option<&Position> {
        self.claims.get(id).map(|(_, at)| at)
    }

    /// Every claim, sorted by id.
    pub fn iter(&self) -> impl Iterator<Item = &Claim> {
        self.claims.values().map(|(claim, _)| claim)
    }

    /// Every claim id, sorted.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.claims.keys().map(String::as_str)
    }

    /// How many claims there are.
    pub fn len(&self) -> usize {
        self.claims.len()
    }

    /// True when there are no claims.
    pub fn is_empty(&self) -> bool {
        self.claims.is_empty()
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRegistry {
    claims: Vec<RawClaim>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawClaim {
    id: Spanned<String>,
    section: String,
    quote: String,
    level: Level,
    since: SpecVersion,
    notes: Option<String>,
    not_testable: Option<String>,
    subject: Subject,
    spec_gap: Option<String>,
    source: Option<String>,
}

/// Parses a claims file; every duplicate id is an error of its own.
pub fn parse_registry(path: &Path, text: &str) -> Result<Registry, Vec<LoadError>> {
    let raw: RawRegistry = parse(path, text).map_err(|e| vec![e])?;
    let mut registry = Registry::default();
    let mut errors = Vec::new();
    for claim in raw.claims {
        let at = Position {
            file: path.to_path_buf(),
            line: claim.id.referenced.line(),
            column: claim.id.referenced.column(),
        };
        let id = claim.id.value;
        if let Some(first) = registry.position(&id) {
            errors.push(LoadError::DuplicateId {
                at,
                id,
                first: first.clone(),
            });
            continue;
        }
        let parsed = Claim {
            id: id.clone(),
            section: claim.section,
            quote: claim.quote,
            level: claim.level,
            since: claim.since,
            notes: claim.notes,
            not_testable: claim.not_testable,
            subject: claim.subject,
            spec_gap: claim.spec_gap,
            source: claim.source,
        };
        registry.claims.insert(id, (parsed, at));
    }
    if errors.is_empty() {
        Ok(registry)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_parse_with_level_version_and_position() {
        let text = "claims:\n  - id: a.b\n    subject: client\n    section: s\n    quote: q\n    level: SHOULD\n    since: v1.10\n    not_testable: needs federation\n";
        let registry = parse_registry(Path::new("claims.yaml"), text).unwrap();
        let claim = registry.get("a.b").unwrap();
        assert_eq!(
            (claim.level, claim.since.to_string()),
            (Level::Should, "v1.10".to_string())
        );
        assert_eq!(claim.not_testable.as_deref(), Some("needs federation"));
        assert_eq!(claim.subject, Subject::Client);
        assert_eq!(
            registry.position("a.b").map(|p| (p.line, p.column)),
            Some((2, 9))
        );
    }

    #[test]
    fn bad_versions_and_duplicates_are_errors() {
        let bad = "claims:\n  - {id: a, subject: server, section: s, quote: q, level: MUST, since: 1.16}\n";
        let err = parse_registry(Path::new("c.yaml"), bad).unwrap_err();
        assert!(
            err[0].to_string().contains("expected a spec version"),
            "{}",
            err[0]
        );
        let dup = "claims:\n  - {id: a, subject: server, section: s, quote: q, level: MUST, since: v1.1}\n  - {id: a, subject: server, section: s, quote: q, level: INFO, since: v1.1}\n";
        let err = parse_registry(Path::new("c.yaml"), dup).unwrap_err();
        assert!(matches!(&err[0], LoadError::DuplicateId { id, .. } if id == "a"));
    }
}
