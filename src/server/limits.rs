//! The bounds on talking to a homeserver: how long a request may take, how large an answer may
//! be, and the breaker that stops sending once the target has stopped answering.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

/// How long a request may take by default, from connecting to the last byte of the answer.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest answer body read by default; a larger one is a transport error.
pub const DEFAULT_LARGEST_BODY: usize = 16 * 1024 * 1024;
/// How many requests in a row must fail in transport before the breaker opens.
pub const FAILURES_TO_OPEN: u32 = 5;

/// The bounds every request to one target keeps to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The longest a request may take, connection and whole body included.
    pub request: Duration,
    /// The largest body read from an answer, in bytes.
    pub largest_body: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            request: DEFAULT_REQUEST_TIMEOUT,
            largest_body: DEFAULT_LARGEST_BODY,
        }
    }
}

/// Counts requests and transport failures across a run; after [`FAILURES_TO_OPEN`] failures in a
/// row it opens, and no further request is sent.
#[derive(Debug, Default)]
pub struct Breaker {
    failures_in_a_row: AtomicU32,
    sent: AtomicU64,
    opened_by: Mutex<Option<String>>,
}

impl Breaker {
    /// Why the breaker is open, if it is: the last failure that opened it.
    pub fn open(&self) -> Option<String> {
        self.opened_by
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Records a request about to be sent.
    pub fn sending(&self) {
        self.sent.fetch_add(1, Ordering::Relaxed);
    }

    /// How many requests were sent so far.
    pub fn sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }

    /// Records an answer: the target is answering.
    pub fn answered(&self) {
        self.failures_in_a_row.store(0, Ordering::Relaxed);
    }

    /// Records a transport failure, opening the breaker when it is one too many.
    pub fn failed(&self, reason: &str) {
        let in_a_row = self.failures_in_a_row.fetch_add(1, Ordering::Relaxed) + 1;
        if in_a_row >= FAILURES_TO_OPEN {
            let mut opened = self.opened_by.lock().unwrap_or_else(|p| p.into_inner());
            opened.get_or_insert_with(|| {
                format!(
                    "the target stopped answering ({in_a_row} requests in a row failed; the last: {reason})"
                )
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_breaker_opens_only_after_failures_in_a_row() {
        let breaker = Breaker::default();
        for _ in 1..FAILURES_TO_OPEN {
            breaker.failed("reset");
        }
        breaker.answered();
        for _ in 1..FAILURES_TO_OPEN {
            breaker.failed("reset");
        }
        assert_eq!(breaker.open(), None);
        breaker.failed("timed out");
        let reason = breaker.open().expect("open after failures in a row");
        assert!(reason.contains("the last: timed out"), "{reason}");
        breaker.answered();
        assert!(breaker.open().is_some(), "an open breaker stays open");
    }
}
