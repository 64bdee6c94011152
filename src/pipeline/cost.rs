//! What running the cases costs: wall time, requests sent, and the CPU time of mxconform and of a
//! managed server, measured from the first case to the last verdict.

use std::time::{Duration, Instant};

use crate::report::{Cost, millis};
use crate::run::Session;
use crate::server::cpu;

/// The readings taken as the cases start.
pub struct Meter {
    wall: Instant,
    requests: u64,
    harness: Option<Duration>,
    server: Option<Duration>,
}

impl Meter {
    /// Takes the readings before the first case.
    pub fn start(session: &Session) -> Meter {
        Meter {
            wall: Instant::now(),
            requests: session.requests_sent(),
            harness: cpu::of_this_process(),
            server: session.server_cpu_time(),
        }
    }

    /// What the cases cost since [`Meter::start`].
    pub fn finish(self, session: &Session) -> Cost {
        let spent = |before: Option<Duration>, after: Option<Duration>| {
            Some(millis(after?.saturating_sub(before?)))
        };
        Cost {
            wall_ms: millis(self.wall.elapsed()),
            requests: session.requests_sent().saturating_sub(self.requests),
            harness_cpu_ms: spent(self.harness, cpu::of_this_process()),
            server_cpu_ms: spent(self.server, session.server_cpu_time()),
        }
    }
}

/// One line for the summary: requests per case, wall time, and each side's CPU time.
pub fn summary(cost: &Cost, cases: usize) -> String {
    let seconds = |ms: u64| format!("{:.1}s", ms as f64 / 1000.0);
    let per_case = cost.requests as f64 / cases.max(1) as f64;
    let mut line = format!(
        "cost: {} requests ({per_case:.1} per case) in {}",
        cost.requests,
        seconds(cost.wall_ms)
    );
    match (cost.server_cpu_ms, cost.harness_cpu_ms) {
        (Some(server), Some(harness)) => {
            let share = 100.0 * harness as f64 / server.max(1) as f64;
            line.push_str(&format!(
                "; CPU: server {}, mxconform {} ({share:.1}% of the server's)",
                seconds(server),
                seconds(harness)
            ));
        }
        (None, Some(harness)) => {
            line.push_str(&format!("; CPU: mxconform {}", seconds(harness)));
        }
        _ => {}
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_gives_requests_per_case_and_the_cpu_shares() {
        let cost = Cost {
            wall_ms: 41_000,
            requests: 800,
            harness_cpu_ms: Some(400),
            server_cpu_ms: Some(40_000),
        };
        assert_eq!(
            summary(&cost, 80),
            "cost: 800 requests (10.0 per case) in 41.0s; CPU: server 40.0s, mxconform 0.4s (1.0% of the server's)"
        );
        let unmanaged = Cost {
            server_cpu_ms: None,
            ..cost
        };
        assert!(summary(&unmanaged, 80).ends_with("; CPU: mxconform 0.4s"));
    }
}
