//! What a case's run amounts to, and why.

use std::fmt;
use std::time::Duration;

use crate::case::Level;

/// The result of running one case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Every step did what the claim says.
    Pass,
    /// The server's behaviour broke the claim.
    Fail(Failure),
    /// The case could not be carried out: provisioning or transport failed.
    Error(Failure),
}

impl Outcome {
    /// The outcome's name as reports print it.
    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail(_) => "fail",
            Outcome::Error(_) => "error",
        }
    }

    /// The failure, for outcomes that have one.
    pub fn failure(&self) -> Option<&Failure> {
        match self {
            Outcome::Pass => None,
            Outcome::Fail(f) | Outcome::Error(f) => Some(f),
        }
    }
}

/// Which step went wrong and what was expected and found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// 1-based step number; `None` before the first step (e.g. provisioning).
    pub step: Option<usize>,
    /// `file:line` of the step, or of the case.
    pub location: String,
    /// What the step did, e.g. `alice: POST /_matrix/client/v3/createRoom`.
    pub action: String,
    /// The expectations that did not hold and what came back.
    pub detail: String,
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
        for line in self.detail.lines() {
            writeln!(f, "  {line}")?;
        }
        Ok(())
    }
}

/// One case's verdict, as recorded for the summary and for reports.
#[derive(Debug, Clone)]
pub struct Verdict {
    /// The case id.
    pub case_id: String,
    /// The requirement level of the case's claim.
    pub level: Level,
    /// What happened.
    pub outcome: Outcome,
    /// How long the case took.
    pub duration: Duration,
}

/// Counts of outcomes over a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Cases that passed.
    pub passed: usize,
    /// Cases that failed.
    pub failed: usize,
    /// Cases that could not be carried out.
    pub errors: usize,
}

impl Tally {
    /// Counts the outcomes of `verdicts`.
    pub fn of(verdicts: &[Verdict]) -> Self {
        let mut tally = Tally::default();
        for verdict in verdicts {
            match verdict.outcome {
                Outcome::Pass => tally.passed += 1,
                Outcome::Fail(_) => tally.failed += 1,
                Outcome::Error(_) => tally.errors += 1,
            }
        }
        tally
    }
}

impl fmt::Display for Tally {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} passed, {} failed",
            self.passed,
            self.failed + self.errors
        )?;
        if self.errors > 0 {
            write!(f, " ({} could not be carried out)", self.errors)?;
        }
        Ok(())
    }
}
