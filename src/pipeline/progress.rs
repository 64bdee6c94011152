//! Progress while cases run: one live line on a terminal, one plain line per case otherwise.

use std::io::{IsTerminal, Write};

use crate::verdict::{Tally, Verdict};

/// Reports each finished case.
pub struct Progress {
    total: usize,
    done: Vec<Verdict>,
    live: bool,
}

impl Progress {
    /// Progress over `total` cases; live when standard error is a terminal.
    pub fn new(total: usize) -> Self {
        Progress {
            total,
            done: Vec::new(),
            live: std::io::stderr().is_terminal(),
        }
    }

    /// Records a finished case and shows it.
    pub fn finished(&mut self, verdict: &Verdict) {
        self.done.push(verdict.clone());
        if self.live {
            let line = format!(
                "[{}/{}] {} — {} {}",
                self.done.len(),
                self.total,
                Tally::of(&self.done),
                verdict.outcome.label(),
                verdict.case_id
            );
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
