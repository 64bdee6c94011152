//! The exit codes of mxconform, and the exit code a finished run earns.

use std::process::ExitCode;

use crate::verdict::{Outcome, Verdict};

/// Exit codes, documented in the README. When several apply: 2, then 3, then 1 (a proven failure
/// wins over blocked cases), then 4, then 5.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Every case judged held, or broke only what was expected of the server.
    Passed = 0,
    /// At least one case broke a MUST claim, or a case expected to fail passed.
    Failed = 1,
    /// A case, claims or expectations file is bad, or the command line is, or the selection
    /// matches no case.
    BadInput = 2,
    /// The target could not be reached or set up, or a case could not be carried out.
    Unreachable = 3,
    /// A step that sets a case up (and checks no claim) did not get the answer it needs.
    Blocked = 4,
    /// Every case that ran was skipped (the server advertises no version their claims need):
    /// nothing was judged.
    NothingJudged = 5,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        ExitCode::from(exit as u8)
    }
}

/// What decides a finished run's exit code besides the verdicts.
#[derive(Debug, Clone, Copy, Default)]
pub struct Judged {
    /// Whether some case or claims file did not load.
    pub load_errors: bool,
    /// Cases expected to fail that passed, when they count against the run.
    pub unexpected_passes: usize,
}

/// The exit code of a finished run; verdicts `excused` by an expectations file do not count.
pub fn exit_code(verdicts: &[Verdict], judged: Judged, excused: impl Fn(&Verdict) -> bool) -> Exit {
    let counted: Vec<&Verdict> = verdicts.iter().filter(|v| !excused(v)).collect();
    let any = |pick: fn(&Outcome) -> bool| counted.iter().any(|v| pick(&v.outcome));
    if judged.load_errors {
        Exit::BadInput
    } else if any(|o| matches!(o, Outcome::Error(_))) {
        Exit::Unreachable
    } else if any(|o| matches!(o, Outcome::Fail(_))) || judged.unexpected_passes > 0 {
        Exit::Failed
    } else if any(|o| matches!(o, Outcome::Blocked(_))) {
        Exit::Blocked
    } else if !verdicts.is_empty()
        && verdicts
            .iter()
            .all(|v| matches!(v.outcome, Outcome::Skipped(_)))
    {
        Exit::NothingJudged
    } else {
        Exit::Passed
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{Exit, Judged, exit_code};
    use crate::case::Level;
    use crate::verdict::{Failure, Outcome, Problem, Verdict};

    fn verdict(outcome: fn(Failure) -> Outcome) -> Verdict {
        let failure = Failure::new(
            Some(1),
            "case.yaml:3".into(),
            "alice: GET /sync".into(),
            Problem::Harness {
                reason: "test".into(),
            },
        );
        Verdict {
            case_id: "c".into(),
            level: Level::Must,
            outcome: outcome(failure),
            claims: Vec::new(),
            duration: Duration::ZERO,
            transcript: Vec::new(),
        }
    }

    fn exit_of(outcomes: &[fn(Failure) -> Outcome]) -> Exit {
        let verdicts: Vec<Verdict> = outcomes.iter().map(|o| verdict(*o)).collect();
        exit_code(&verdicts, Judged::default(), |_| false)
    }

    // A proven MUST failure is the headline over blocked cases; a case that could not be carried
    // out still wins over it.
    #[test]
    fn a_proven_failure_wins_over_blocked_cases() {
        assert_eq!(exit_of(&[Outcome::Blocked, Outcome::Fail]), Exit::Failed);
        assert_eq!(exit_of(&[Outcome::Fail, Outcome::Error]), Exit::Unreachable);
        assert_eq!(
            exit_of(&[Outcome::Blocked, Outcome::Error]),
            Exit::Unreachable
        );
        assert_eq!(
            exit_of(&[Outcome::Blocked, Outcome::NonStrict]),
            Exit::Blocked
        );
        assert_eq!(exit_of(&[Outcome::NonStrict]), Exit::Passed);
    }

    // An unexpected pass counts as a failure: above blocked cases, below bad input.
    #[test]
    fn an_unexpected_pass_is_a_failure_above_blocked() {
        let verdicts = vec![verdict(Outcome::Blocked)];
        let judged = Judged {
            load_errors: false,
            unexpected_passes: 1,
        };
        assert_eq!(exit_code(&verdicts, judged, |_| false), Exit::Failed);
        let judged = Judged {
            load_errors: true,
            unexpected_passes: 0,
        };
        assert_eq!(
            exit_code(&[verdict(Outcome::Fail)], judged, |_| false),
            Exit::BadInput
        );
    }
}
