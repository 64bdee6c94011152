//! What went wrong in a case, as data: the step, and each expectation that did not hold.

use std::fmt;

use serde::{Deserialize, Serialize};

/// One expectation that did not hold, or one reason a step could not be carried out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Problem {
    /// The status code is not one the case allows.
    Status {
        /// The statuses allowed, as the case wrote them (`200`, `one of 403, 404`, `a 2xx status`).
        expected: String,
        /// The status that came back.
        found: u16,
    },
    /// The `errcode` is not one the case allows.
    Errcode {
        /// The codes allowed.
        expected: Vec<String>,
        /// The code that came back; `None` when the body had none.
        found: Option<String>,
    },
    /// The body departs from the case at a JSON pointer.
    Body {
        /// Where, as a JSON pointer into the response body (`""` for the whole body).
        pointer: String,
        /// What the case expects there.
        expected: String,
        /// What was there.
        found: String,
    },
    /// The projection of the response differs from its stored snapshot, or none is stored.
    Snapshot {
        /// The snapshot file.
        file: String,
        /// A unified diff from the stored snapshot to this run's projection; `None` when no
        /// snapshot is stored.
        diff: Option<String>,
        /// This run's projection, pretty-printed JSON.
        produced: String,
    },
    /// `/sync` never showed what the step waits for.
    SyncDeadline {
        /// What was awaited: a JSON pointer, and what must be there.
        awaited: String,
        /// What the last `/sync` response had instead.
        last_seen: String,
        /// The wait's deadline in milliseconds: how long the step waited, unless it ended `idle`.
        waited_ms: u64,
        /// The wait ended before its deadline because the server was idle with nothing else of the
        /// case in flight, so nothing more could arrive (only against the in-process fake).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        idle: bool,
    },
    /// A value a later step needs was not in the response.
    Save {
        /// The variable name.
        name: String,
        /// Where it should have been.
        pointer: String,
    },
    /// The request could not be carried out: connection, timeout, unreadable answer.
    Transport {
        /// What the HTTP client reported.
        reason: String,
    },
    /// The case, or the run, did not finish within its deadline.
    TimedOut {
        /// Which deadline: the case's or the run's, with the option that sets it.
        what: String,
        /// The deadline, in milliseconds.
        limit_ms: u64,
    },
    /// A user could not be registered or logged in.
    Provisioning {
        /// What went wrong.
        reason: String,
    },
    /// The harness itself failed while running the case.
    Harness {
        /// What went wrong.
        reason: String,
    },
}

/// How to accept a snapshot's new shape, printed with every snapshot problem.
pub const SNAPSHOT_HINT: &str = "to accept the new shape: INSTA_UPDATE=always mxconform run <case id>, or cargo insta review after a local run";

impl Problem {
    /// The problem's kind, as reports name it.
    pub fn kind(&self) -> &'static str {
        match self {
            Problem::Status { .. } => "status",
            Problem::Errcode { .. } => "errcode",
            Problem::Body { .. } => "body",
            Problem::Snapshot { .. } => "snapshot",
            Problem::SyncDeadline { .. } => "sync_deadline",
            Problem::Save { .. } => "save",
            Problem::Transport { .. } => "transport",
            Problem::TimedOut { .. } => "timed_out",
            Problem::Provisioning { .. } => "provisioning",
            Problem::Harness { .. } => "harness",
        }
    }

    /// Applies `rewrite` to every text the problem carries from the server's answer.
    pub fn rewrite(&mut self, rewrite: &mut impl FnMut(&str) -> String) {
        let texts: Vec<&mut String> = match self {
            Problem::Status { .. } | Problem::Errcode { .. } | Problem::TimedOut { .. } => {
                Vec::new()
            }
            Problem::Body {
                pointer,
                expected,
                found,
            } => vec![pointer, expected, found],
            Problem::Snapshot { diff, produced, .. } => {
                diff.iter_mut().chain(std::iter::once(produced)).collect()
            }
            Problem::SyncDeadline {
                awaited, last_seen, ..
            } => vec![awaited, last_seen],
            Problem::Save { pointer, .. } => vec![pointer],
            Problem::Transport { reason }
            | Problem::Provisioning { reason }
            | Problem::Harness { reason } => vec![reason],
        };
        for text in texts {
            *text = rewrite(text);
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Status { expected, found } => write!(f, "expected {expected}, got {found}"),
            Problem::Errcode { expected, found } => write!(
                f,
                "expected errcode {}, got {}",
                expected.join(" or "),
                found.as_deref().unwrap_or("none")
            ),
            Problem::Body {
                pointer,
                expected,
                found,
            } => {
                let at = if pointer.is_empty() {
                    "the top level"
                } else {
                    pointer
                };
                write!(f, "body at {at}: expected {expected}, found {found}")
            }
            Problem::Snapshot {
                file,
                diff: Some(diff),
                ..
            } => write!(f, "snapshot {file} does not match\n{diff}{SNAPSHOT_HINT}"),
            Problem::Snapshot {
                file,
                diff: None,
                produced,
            } => write!(
                f,
                "no stored snapshot {file}; this run produced:\n{produced}\n{SNAPSHOT_HINT}"
            ),
            Problem::SyncDeadline {
                awaited,
                last_seen,
                idle: true,
                ..
            } => write!(
                f,
                "the server was idle (nothing new, nothing else in flight), so /sync could never have {awaited}; the last response had {last_seen}"
            ),
            Problem::SyncDeadline {
                awaited,
                last_seen,
                waited_ms,
                idle: false,
            } => write!(
                f,
                "waited {} for /sync to have {awaited}; the last response had {last_seen}",
                humantime::format_duration(std::time::Duration::from_millis(*waited_ms))
            ),
            Problem::Save { name, pointer } => {
                write!(f, "nothing at {pointer} to save as `{name}`")
            }
            Problem::Transport { reason } => write!(f, "{reason}"),
            Problem::TimedOut { what, limit_ms } => write!(
                f,
                "{what} did not finish within {}",
                humantime::format_duration(std::time::Duration::from_millis(*limit_ms))
            ),
            Problem::Provisioning { reason } => write!(f, "{reason}"),
            Problem::Harness { reason } => write!(f, "the harness failed: {reason}"),
        }
    }
}

/// The answer a failing step got: its status and (redacted, normalised, shortened) body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    /// HTTP status code.
    pub status: u16,
    /// The body, shortened for reading.
    pub body: String,
}

/// Which step went wrong, what it did, and each expectation that did not hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    /// 1-based step number; `None` before the first step (e.g. provisioning).
    pub step: Option<usize>,
    /// `file:line` of the step, or of the case.
    pub location: String,
    /// What the step did, e.g. `alice: POST /_matrix/client/v3/createRoom`.
    pub action: String,
    /// What did not hold, in the order the case checks it.
    pub problems: Vec<Problem>,
    /// The answer the step got, when one came.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<Answer>,
}

impl Failure {
    /// A failure with one problem and no answer.
    pub fn new(step: Option<usize>, location: String, action: String, problem: Problem) -> Self {
        Failure {
            step,
            location,
            action,
            problems: vec![problem],
            answer: None,
        }
    }

    /// The first line of the first problem: a one-line summary.
    pub fn headline(&self) -> String {
        self.problems
            .first()
            .map(|p| p.to_string().lines().next().unwrap_or_default().to_string())
            .unwrap_or_default()
    }

    /// Every problem, then the answer, as lines of text.
    pub fn detail(&self) -> String {
        let mut lines: Vec<String> = self.problems.iter().map(ToString::to_string).collect();
        if let Some(answer) = &self.answer {
            lines.push(format!("response: {} {}", answer.status, answer.body));
        }
        lines.join("\n")
    }

    /// Applies `rewrite` to every text the failure carries from the server's answer.
    pub fn rewrite(&mut self, mut rewrite: impl FnMut(&str) -> String) {
        for problem in &mut self.problems {
            problem.rewrite(&mut rewrite);
        }
        if let Some(answer) = &mut self.answer {
            answer.body = rewrite(&answer.body);
        }
        self.action = rewrite(&self.action);
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.step {
            Some(n) => writeln!(f, "step {n} ({}) {}", self.location, self.action)?,
            None => writeln!(
                f,
                "before the first step ({}): {}",
                self.location, self.action
            )?,
        }
        for line in self.detail().lines() {
            writeln!(f, "  {line}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_round_trips_through_json_with_its_kinds() {
        let failure = Failure {
            step: Some(2),
            location: "c.yaml:9".into(),
            action: "alice: GET /x".into(),
            problems: vec![
                Problem::Status {
                    expected: "200".into(),
                    found: 404,
                },
                Problem::Body {
                    pointer: "/a".into(),
                    expected: "1".into(),
                    found: "2".into(),
                },
            ],
            answer: Some(Answer {
                status: 404,
                body: "{}".into(),
            }),
        };
        let json = serde_json::to_value(&failure).unwrap();
        assert_eq!(json["problems"][0]["kind"], "status");
        assert_eq!(json["problems"][1]["pointer"], "/a");
        let back: Failure = serde_json::from_value(json).unwrap();
        assert_eq!(back, failure);
        assert_eq!(failure.headline(), "expected 200, got 404");
        assert!(failure.detail().ends_with("response: 404 {}"));
    }

    #[test]
    fn rewriting_reaches_every_text_from_the_answer() {
        let mut failure = Failure::new(
            Some(1),
            "f:1".into(),
            "alice: GET /rooms/!r:hs".into(),
            Problem::Body {
                pointer: "/rooms/!r:hs".into(),
                expected: "x".into(),
                found: "!r:hs".into(),
            },
        );
        failure.rewrite(|text| text.replace("!r:hs", "[room:1]"));
        assert!(!failure.to_string().contains("!r:hs"), "{failure}");
    }

    // A wait the idle fake ended says so instead of a time it did not wait, and keeps that in JSON.
    #[test]
    fn an_idle_sync_deadline_says_the_server_was_idle() {
        let deadline = |idle| Problem::SyncDeadline {
            awaited: "something at /rooms".into(),
            last_seen: "nothing at /rooms".into(),
            waited_ms: 3_000,
            idle,
        };
        let text = deadline(true).to_string();
        assert!(text.contains("the server was idle"), "{text}");
        assert!(!text.contains("waited"), "{text}");
        assert!(deadline(false).to_string().starts_with("waited 3s"));
        let json = serde_json::to_value(deadline(true)).unwrap();
        assert_eq!(json["idle"], true);
        assert_eq!(
            serde_json::from_value::<Problem>(json).unwrap(),
            deadline(true)
        );
        let json = serde_json::to_value(deadline(false)).unwrap();
        assert!(json.get("idle").is_none(), "{json}");
    }
}
