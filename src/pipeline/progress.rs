//! Progress while cases run: one live line on a terminal, one plain line per case otherwise.

use std::io::{IsTerminal, Write};

use crate::verdict::{Tally, Verdict};

/// The longest live line, so that it fits a terminal without wrapping.
const LONGEST_LINE: usize = 100;

/// The outcomes counted so far, those that occurred only.
fn counts(tally: &Tally) -> String {
    let all = [
        (tally.passed, "passed"),
        (tally.failed, "failed"),
        (tally.non_strict, "non-strict"),
        (tally.informational, "informational"),
        (tally.skipped, "skipped"),
        (tally.blocked, "blocked"),
        (tally.errors, "errors"),
    ];
    let shown: Vec<String> = all
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{n} {what}"))
        .collect();
    shown.join(", ")
}

/// Reports each finished case.
pub struct Progress {
    total: usize,
    done: usize,
    tally: Tally,
    live: bool,
}

impl Progress {
    /// Progress over `total` cases; live when standard error is a terminal.
    pub fn new(total: usize) -> Self {
        Progress {
            total,
            done: 0,
            tally: Tally::default(),
            live: std::io::stderr().is_terminal(),
        }
    }

    /// Records a finished case and shows it.
    pub fn finished(&mut self, verdict: &Verdict) {
        self.done += 1;
        self.tally.add(&verdict.outcome);
        if self.live {
            let line = format!(
                "[{}/{}] {} · {} {}",
                self.done,
                self.total,
                counts(&self.tally),
                verdict.outcome.label(),
                verdict.case_id
            );
            let line: String = line.chars().take(LONGEST_LINE).collect();
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K{line}");
            let _ = err.flush();
        } else {
            let _ = writeln!(
                std::io::stdout().lock(),
                "{:<13} {} ({:.2}s)",
                verdict.outcome.label(),
                verdict.case_id,
                verdict.duration.as_secs_f64()
            );
        }
    }

    /// Clears the live line.
    pub fn end(&self) {
        if self.live {
            let _ = write!(std::io::stderr().lock(), "\r\x1b[2K");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_live_line_counts_only_the_outcomes_that_occurred() {
        let tally = Tally {
            passed: 3,
            failed: 1,
            ..Tally::default()
        };
        assert_eq!(counts(&tally), "3 passed, 1 failed");
        assert_eq!(counts(&Tally::default()), "");
    }
}
