//! What a case's run amounts to, judged by the requirement level of the claims it checks.

use std::fmt;
use std::time::Duration;

use crate::case::Level;

/// The result of running one case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Every step did what the claim says.
    Pass,
    /// A MUST claim is broken.
    Fail(Failure),
    /// A SHOULD claim is broken: reported, but not a failure of the run.
    NonStrict(Failure),
    /// An INFO or MAY claim: what the server did is recorded (`Some` where it departs from the case), no verdict.
    Informational(Option<Failure>),
    /// Not run: the server does not advertise the specification version the claim needs.
    Skipped(String),
    /// The case could not be carried out: provisioning, transport.
    Error(Failure),
}

/// What carrying out a case's steps produced, before judging.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Execution {
    /// Every expectation held.
    Held,
    /// An expectation did not hold.
    Broken(Failure),
    /// A step could not be carried out.
    Aborted(Failure),
}

/// Judges an execution by the case's level: MUST fails, SHOULD is non-strict, MAY and INFO inform.
pub fn judge(level: Level, execution: Execution) -> Outcome {
    match (execution, level) {
        (Execution::Aborted(failure), _) => Outcome::Error(failure),
        (Execution::Held, Level::Must | Level::Should) => Outcome::Pass,
        (Execution::Held, Level::May | Level::Info) => Outcome::Informational(None),
        (Execution::Broken(failure), Level::Must) => Outcome::Fail(failure),
        (Execution::Broken(failure), Level::Should) => Outcome::NonStrict(failure),
        (Execution::Broken(failure), Level::May | Level::Info) => {
            Outcome::Informational(Some(failure))
        }
    }
}

impl Outcome {
    /// The outcome's name as reports print it.
    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail(_) => "fail",
            Outcome::NonStrict(_) => "non-strict",
            Outcome::Informational(_) => "informational",
            Outcome::Skipped(_) => "skipped",
            Outcome::Error(_) => "error",
        }
    }

    /// The failure or observation, for outcomes that have one.
    pub fn failure(&self) -> Option<&Failure> {
        match self {
            Outcome::Fail(f)
            | Outcome::NonStrict(f)
            | Outcome::Error(f)
            | Outcome::Informational(Some(f)) => Some(f),
            _ => None,
        }
    }

    /// The same execution judged at another level: how a case's outcome reads for each of its claims.
    pub fn at_level(&self, level: Level) -> Outcome {
        match self {
            Outcome::Pass | Outcome::Informational(None) => judge(level, Execution::Held),
            Outcome::Fail(f) | Outcome::NonStrict(f) | Outcome::Informational(Some(f)) => {
                judge(level, Execution::Broken(f.clone()))
            }
            Outcome::Skipped(_) | Outcome::Error(_) => self.clone(),
        }
    }

    /// True for the outcomes that make the run fail: `fail` and `error`.
    pub fn is_failure(&self) -> bool {
        matches!(self, Outcome::Fail(_) | Outcome::Error(_))
    }

    /// How bad the outcome is, for summarising several into one: higher is worse.
    pub fn severity(&self) -> u8 {
        match self {
            Outcome::Skipped(_) => 0,
            Outcome::Pass => 1,
            Outcome::Informational(_) => 2,
            Outcome::NonStrict(_) => 3,
            Outcome::Fail(_) => 4,
            Outcome::Error(_) => 5,
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

impl Failure {
    /// The first line of the detail: a one-line summary.
    pub fn headline(&self) -> &str {
        self.detail.lines().next().unwrap_or_default()
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
    /// The level the case was judged at.
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
    /// Cases that broke a MUST claim.
    pub failed: usize,
    /// Cases that broke a SHOULD claim.
    pub non_strict: usize,
    /// INFO and MAY cases, recorded without a verdict.
    pub informational: usize,
    /// Cases not run for want of an advertised spec version.
    pub skipped: usize,
    /// Cases that could not be carried out.
    pub errors: usize,
}

impl Tally {
    /// Counts the outcomes of `verdicts`.
    pub fn of(verdicts: &[Verdict]) -> Self {
        let mut tally = Tally::default();
        for verdict in verdicts {
            let count = match verdict.outcome {
                Outcome::Pass => &mut tally.passed,
                Outcome::Fail(_) => &mut tally.failed,
                Outcome::NonStrict(_) => &mut tally.non_strict,
                Outcome::Informational(_) => &mut tally.informational,
                Outcome::Skipped(_) => &mut tally.skipped,
                Outcome::Error(_) => &mut tally.errors,
            };
            *count += 1;
        }
        tally
    }
}

impl fmt::Display for Tally {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} passed, {} failed, {} non-strict, {} informational, {} skipped, {} errors",
            self.passed,
            self.failed,
            self.non_strict,
            self.informational,
            self.skipped,
            self.errors
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure() -> Failure {
        Failure {
            step: Some(1),
            location: "f:1".into(),
            action: "a".into(),
            detail: "d".into(),
        }
    }

    #[test]
    fn levels_decide_what_a_broken_expectation_means() {
        assert_eq!(
            judge(Level::Must, Execution::Broken(failure())),
            Outcome::Fail(failure())
        );
        assert_eq!(
            judge(Level::Should, Execution::Broken(failure())),
            Outcome::NonStrict(failure())
        );
        assert_eq!(
            judge(Level::May, Execution::Broken(failure())),
            Outcome::Informational(Some(failure()))
        );
        assert_eq!(
            judge(Level::Info, Execution::Held),
            Outcome::Informational(None)
        );
        assert_eq!(judge(Level::Should, Execution::Held), Outcome::Pass);
        assert_eq!(
            judge(Level::Info, Execution::Aborted(failure())),
            Outcome::Error(failure())
        );
    }

    #[test]
    fn an_outcome_reads_at_each_claim_level() {
        let failed = Outcome::Fail(failure());
        assert_eq!(
            failed.at_level(Level::Should),
            Outcome::NonStrict(failure())
        );
        assert_eq!(
            failed.at_level(Level::Info),
            Outcome::Informational(Some(failure()))
        );
        assert_eq!(
            Outcome::Pass.at_level(Level::May),
            Outcome::Informational(None)
        );
        assert_eq!(
            Outcome::Skipped("r".into()).at_level(Level::Must),
            Outcome::Skipped("r".into())
        );
    }

    #[test]
    fn only_fail_and_error_fail_a_run() {
        assert!(Outcome::Fail(failure()).is_failure() && Outcome::Error(failure()).is_failure());
        assert!(!Outcome::NonStrict(failure()).is_failure());
        assert!(!Outcome::Skipped("r".into()).is_failure());
    }
}
