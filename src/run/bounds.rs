//! The time a run may take: each request's limit, each case's deadline and the run's.

use std::time::Duration;

use tokio::time::Instant;

use crate::server::Limits;
use crate::verdict::{Execution, Failure, Problem, Stop};

/// How long a case may take by default, its `/sync` waits included.
pub const DEFAULT_CASE_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a whole run may take by default, from reaching the target to the last verdict.
pub const DEFAULT_RUN_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// The bounds of one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    /// What every request keeps to.
    pub limits: Limits,
    /// The longest one case may take.
    pub case: Duration,
    /// The longest the whole run may take.
    pub run: Duration,
}

impl Default for Bounds {
    fn default() -> Self {
        Bounds {
            limits: Limits::default(),
            case: DEFAULT_CASE_TIMEOUT,
            run: DEFAULT_RUN_TIMEOUT,
        }
    }
}

/// Which deadline a case ran into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deadline {
    /// The case's own (`--case-timeout`).
    Case(Duration),
    /// The run's (`--run-timeout`).
    Run(Duration),
}

impl Deadline {
    /// The deadline a case starting now must keep: its own, or the run's if that comes first.
    pub fn for_case(bounds: &Bounds, run_started: Instant) -> (Deadline, Duration) {
        let run_left = bounds.run.saturating_sub(run_started.elapsed());
        if run_left < bounds.case {
            (Deadline::Run(bounds.run), run_left)
        } else {
            (Deadline::Case(bounds.case), bounds.case)
        }
    }

    /// What a case that ran into this deadline at 1-based `step` (at `location`) ends with: an
    /// error, as no claim was judged.
    pub fn passed(self, step: Option<usize>, location: String) -> Execution {
        let (what, limit) = match self {
            Deadline::Case(limit) => ("the case (--case-timeout)", limit),
            Deadline::Run(limit) => ("the run (--run-timeout)", limit),
        };
        let problem = Problem::TimedOut {
            what: what.to_string(),
            limit_ms: u64::try_from(limit.as_millis()).unwrap_or(u64::MAX),
        };
        Execution {
            stop: Some(Stop::Aborted {
                step: step.map(|s| s - 1),
                failure: Failure::new(step, location, "running the case".into(), problem),
            }),
            ..Execution::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_case_gets_the_run_deadline_when_that_comes_first() {
        let bounds = Bounds {
            case: Duration::from_secs(60),
            run: Duration::from_secs(90),
            ..Bounds::default()
        };
        let now = Instant::now();
        assert_eq!(
            Deadline::for_case(&bounds, now).0,
            Deadline::Case(Duration::from_secs(60))
        );
        let (deadline, left) = Deadline::for_case(&bounds, now - Duration::from_secs(80));
        assert_eq!(deadline, Deadline::Run(Duration::from_secs(90)));
        assert!(left <= Duration::from_secs(10));
        let late = Deadline::for_case(&bounds, now - Duration::from_secs(100));
        assert_eq!(late.1, Duration::ZERO);
    }
}
