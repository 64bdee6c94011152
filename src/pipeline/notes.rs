//! What a finished run says after its verdicts, on the console and in `cargo test`: how it
//! compares with the expectations file, and why a run that judged nothing fails.

use std::fmt::Write;

use super::Finished;

/// Why a run in which every case was skipped does not pass.
pub const NOTHING_JUDGED: &str = "every case that ran was skipped, so nothing was judged: the server advertises no specification version their claims need, or they need a federation peer the run does not have (see the skipped reasons above)";

/// How the run compares with the expectations file, when there is one.
pub fn expectations(finished: &Finished) -> String {
    let mut out = String::new();
    let Some(summary) = &finished.report.expectations else {
        return out;
    };
    let reason = |id: &str| {
        finished
            .report
            .cases
            .iter()
            .find(|c| c.id == id)
            .and_then(|c| c.expected.as_ref())
            .map(|e| format!("expected {}: {}", e.outcome, e.reason))
            .unwrap_or_default()
    };
    let sections = [
        (
            "as expected (not failures of the run)",
            &summary.expected_failures,
        ),
        (
            "unexpected passes (the expectations file should lose these entries)",
            &summary.unexpected_passes,
        ),
        ("unexpected outcomes", &summary.unexpected_outcomes),
    ];
    for (title, ids) in sections {
        if !ids.is_empty() {
            let _ = writeln!(out, "\n{title}, by {}:", summary.file);
            for id in ids {
                let _ = writeln!(out, "    {id}: {}", reason(id));
            }
        }
    }
    out
}
