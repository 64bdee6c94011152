//! Expectations files: the outcomes a homeserver is known to have in some cases, and why, so a run
//! can tell a known departure from a new one.
//!
//! The file maps case ids to an expected outcome and a reason:
//!
//! ```yaml
//! # Synapse 1.98.0: known departures
//! account_data.fully-read-rejected-global:
//!   outcome: fail
//!   reason: https://github.com/element-hq/synapse/issues/NNNN
//! ```

mod write;

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_saphyr::{Location, Spanned};

use crate::case::LoadError;
use crate::case::error::{Position, closest, did_you_mean};
use crate::case::yaml;
use crate::report::model::{CaseReport, ExpectationsReport, Expected, RunReport};
use crate::verdict::OUTCOME_LABELS;

pub use write::from_report;

/// A loaded expectations file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expectations {
    file: PathBuf,
    entries: Vec<Entry>,
}

/// One case's expected outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The case id.
    pub case: String,
    /// The expected outcome's label, as [`crate::verdict::Outcome::label`] prints it.
    pub outcome: String,
    /// Why, or a link to the issue.
    pub reason: String,
    /// Where the case id is written.
    pub at: Position,
}

/// Why an expectations file, or one of its entries, is not acceptable.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum ExpectationsError {
    /// The file is unreadable, is not YAML or does not have the shape of an expectations file.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// An outcome that is not an outcome's label.
    #[error("{at}: unknown outcome `{label}`, expected one of {expected}{hint}", expected = ExpectedLabels, hint = did_you_mean(.suggestion))]
    UnknownOutcome {
        /// Where the outcome is written.
        at: Position,
        /// The outcome as written.
        label: String,
        /// The label it is likely a typo of.
        suggestion: Option<String>,
    },
    /// An entry naming a case the suite does not have.
    #[error("{at}: no case `{case}` in the suite{hint}", hint = did_you_mean(.suggestion))]
    UnknownCase {
        /// Where the case id is written.
        at: Position,
        /// The case id as written.
        case: String,
        /// The case id it is likely a typo of.
        suggestion: Option<String>,
    },
}

/// The labels an expectations file may name, for messages.
struct ExpectedLabels;

impl fmt::Display for ExpectedLabels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let labels: Vec<&str> = expectable().collect();
        f.write_str(&labels.join(", "))
    }
}

/// The labels no entry may expect: a pass is no departure, and only a claim is ever not reached.
const UNEXPECTABLE: [&str; 2] = ["pass", "not reached"];

/// The outcome labels an entry may expect: a case's outcomes other than `pass`.
fn expectable() -> impl Iterator<Item = &'static str> {
    OUTCOME_LABELS
        .into_iter()
        .filter(|label| !UNEXPECTABLE.contains(label))
}

/// The label `written` stands for, accepting `non_strict` for the label reports print; `None`
/// for anything else, `pass` and `not reached` included.
pub fn canonical_label(written: &str) -> Option<&'static str> {
    let spelled = match written {
        "non_strict" => "non-strict",
        other => other,
    };
    expectable().find(|label| *label == spelled)
}

/// Why `written`, an outcome's label, cannot be expected, if it is `pass` or `not reached`.
fn refusal(written: &str) -> Option<String> {
    let why = match written {
        "pass" => "`pass` is not a departure: a case expected to pass needs no entry",
        "not reached" | "not_reached" => {
            "`not reached` is a claim's outcome, never a case's: expect the case's own outcome"
        }
        _ => return None,
    };
    Some(format!("{why}; expected one of {ExpectedLabels}"))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    outcome: Spanned<String>,
    reason: Spanned<String>,
}

/// The file's entries in the order written; an empty document has none.
struct RawFile(Vec<(Spanned<String>, RawEntry)>);

impl<'de> Deserialize<'de> for RawFile {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Entries;
        impl<'de> serde::de::Visitor<'de> for Entries {
            type Value = RawFile;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(SHAPE)
            }

            fn visit_unit<E: serde::de::Error>(self) -> Result<RawFile, E> {
                Ok(RawFile(Vec::new()))
            }

            fn visit_none<E: serde::de::Error>(self) -> Result<RawFile, E> {
                Ok(RawFile(Vec::new()))
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<RawFile, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(RawFile(entries))
            }
        }
        deserializer.deserialize_map(Entries)
    }
}

/// Reads and checks an expectations file.
pub fn load(path: &Path) -> Result<Expectations, ExpectationsError> {
    let source = yaml::read_source(path)?;
    parse(path, &source.text)
}

/// Parses the text of the expectations file at `path`.
pub fn parse(path: &Path, text: &str) -> Result<Expectations, ExpectationsError> {
    let at = |loc: &Location| Position {
        file: path.to_path_buf(),
        line: loc.line(),
        column: loc.column(),
    };
    let blank = text
        .lines()
        .all(|line| line.trim().is_empty() || line.trim_start().starts_with('#'));
    let raw = if blank {
        RawFile(Vec::new())
    } else {
        yaml::parse(path, text).map_err(explained)?
    };
    let mut entries = Vec::new();
    for (case, raw_entry) in raw.0 {
        let written = raw_entry.outcome.value.trim();
        let Some(outcome) = canonical_label(written) else {
            let at = at(&raw_entry.outcome.referenced);
            if let Some(message) = refusal(written) {
                return Err(LoadError::Invalid { at, message }.into());
            }
            return Err(ExpectationsError::UnknownOutcome {
                at,
                label: written.to_string(),
                suggestion: closest(written, expectable()),
            });
        };
        let reason = raw_entry.reason.value.trim();
        if reason.is_empty() {
            return Err(LoadError::Invalid {
                at: at(&raw_entry.reason.referenced),
                message: "an empty reason: say why, or link the issue".into(),
            }
            .into());
        }
        entries.push(Entry {
            case: case.value,
            outcome: outcome.to_string(),
            reason: reason.to_string(),
            at: at(&case.referenced),
        });
    }
    Ok(Expectations {
        file: path.to_path_buf(),
        entries,
    })
}

/// What an expectations file holds, for messages about its shape.
const SHAPE: &str = "an expectations file maps case ids to `{outcome, reason}`";

/// A YAML error said in terms of the file's format.
fn explained(error: LoadError) -> LoadError {
    match error {
        LoadError::DuplicateKey { at, key } => LoadError::Syntax {
            at,
            message: format!("case `{key}` is named twice"),
        },
        LoadError::Syntax { at, message } => LoadError::Syntax {
            at,
            message: format!("{message}: {SHAPE}"),
        },
        other => other,
    }
}

impl Expectations {
    /// The file the expectations were read from.
    pub fn file(&self) -> &Path {
        &self.file
    }

    /// The entries, in the order the file writes them.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The entry naming `case`, if any.
    pub fn get(&self, case: &str) -> Option<&Entry> {
        self.entries.iter().find(|entry| entry.case == case)
    }

    /// An error for each entry naming a case not in `known`, with the closest known id.
    pub fn unknown_cases(&self, known: &[&str]) -> Vec<ExpectationsError> {
        self.entries
            .iter()
            .filter(|entry| !known.contains(&entry.case.as_str()))
            .map(|entry| ExpectationsError::UnknownCase {
                at: entry.at.clone(),
                case: entry.case.clone(),
                suggestion: closest(&entry.case, known.iter().copied()),
            })
            .collect()
    }

    /// Whether the file expects `case` to end with the outcome labelled `label`, so that
    /// outcome does not fail the run.
    pub fn is_excused(&self, case: &str, label: &str) -> bool {
        self.get(case)
            .is_some_and(|entry| canonical_label(label) == Some(entry.outcome.as_str()))
    }

    /// Marks each case of `report` with what the file expects of it, and summarises how the run
    /// compares; the summary is also kept in the report.
    pub fn apply(&self, report: &mut RunReport) -> ExpectationsReport {
        for case in &mut report.cases {
            case.expected = self.get(&case.id).map(|entry| Expected {
                outcome: entry.outcome.clone(),
                reason: entry.reason.clone(),
                met: case.outcome.label() == entry.outcome,
                allowed: false,
            });
        }
        let summary = summarise(&self.file.display().to_string(), &report.cases);
        report.expectations = Some(summary.clone());
        summary
    }
}

/// How the cases compare with the expectations recorded in them, for the file `file`.
pub fn summarise(file: &str, cases: &[CaseReport]) -> ExpectationsReport {
    let mut summary = ExpectationsReport {
        file: file.to_string(),
        expected_failures: Vec::new(),
        unexpected_passes: Vec::new(),
        unexpected_outcomes: Vec::new(),
    };
    for case in cases {
        let Some(expected) = &case.expected else {
            continue;
        };
        let list = if expected.met {
            &mut summary.expected_failures
        } else if case.outcome.label() == "pass" {
            &mut summary.unexpected_passes
        } else {
            &mut summary.unexpected_outcomes
        };
        list.push(case.id.clone());
    }
    summary
}

#[cfg(test)]
mod tests;
