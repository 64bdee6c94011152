//! Writing the expectations file a run implies: its departures, each with its failure's headline.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::report::RunReport;
use crate::verdict::Outcome;

/// One entry as the file writes it.
#[derive(Serialize)]
struct Written {
    outcome: &'static str,
    reason: String,
}

/// The expectations file that `report` implies: every case that failed, was non-strict, blocked
/// or erred, with its failure's headline as the reason, under a comment naming the target.
pub fn from_report(report: &RunReport) -> String {
    let entries: BTreeMap<&str, Written> = report
        .cases
        .iter()
        .filter_map(|case| {
            let failure = match &case.outcome {
                Outcome::Fail(f)
                | Outcome::NonStrict(f)
                | Outcome::Blocked(f)
                | Outcome::Error(f) => f,
                _ => return None,
            };
            let headline = failure.headline();
            let reason = if headline.trim().is_empty() {
                format!("{} at {}", case.outcome.label(), failure.location)
            } else {
                headline
            };
            Some((
                case.id.as_str(),
                Written {
                    outcome: case.outcome.label(),
                    reason,
                },
            ))
        })
        .collect();
    let mut out = header(report);
    if entries.is_empty() {
        out.push_str("# no departures\n");
        return out;
    }
    match serde_saphyr::to_string(&entries) {
        Ok(yaml) => out.push_str(&yaml),
        Err(e) => {
            out.push_str(&one_line(&format!(
                "# the entries could not be written: {e}"
            )));
            out.push('\n');
        }
    }
    out
}

/// The comment naming the target, its server and the run.
fn header(report: &RunReport) -> String {
    let server = report
        .target
        .server
        .as_ref()
        .map(|s| format!(" ({} {})", s.name, s.version))
        .unwrap_or_default();
    let lines = [
        format!("# Expected outcomes against {}{server}", report.target.spec),
        format!(
            "# from the run of {} by mxconform {}; replace each reason with why, or a link to the issue",
            report.started, report.mxconform_version
        ),
    ];
    lines.iter().map(|line| one_line(line) + "\n").collect()
}

/// `text` on one line: control characters become spaces, so a comment stays a comment.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}
