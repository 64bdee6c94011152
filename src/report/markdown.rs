//! The Markdown report, fit for a GitHub Actions job summary: failures first, each with its
//! account folded away, then the non-strict cases, the claims table, and the cases without a
//! verdict. Text from the report is escaped, so a server's answer cannot break the layout.
//! Transcripts are left to the JSON and HTML reports, and the whole stays under [`BUDGET`].

use std::fmt::Write;

use super::detail::{self, Standing};
use super::html::entity;
use super::model::CaseReport;
use super::{Emitter, RunReport};
use crate::verdict::Outcome;

/// Writes the report as GitHub-flavoured Markdown.
pub struct Markdown;

/// The most bytes the report takes: GitHub job summaries stop at 1 MiB.
pub const BUDGET: usize = 900 * 1024;

/// Room kept in the budget for the line saying how many cases' details were left out.
const NOTE_ROOM: usize = 256;

impl Emitter for Markdown {
    fn format(&self) -> &'static str {
        "markdown"
    }

    fn render(&self, report: &RunReport) -> Result<String, String> {
        Ok(within(report, BUDGET))
    }
}

/// The report in at most about `budget` bytes: the failures' folded details are kept in order
/// while they fit, and a line says how many were left out.
fn within(report: &RunReport, budget: usize) -> String {
    let failures: Vec<(String, String)> = failing(report).into_iter().map(failure).collect();
    let mut out = heading(report);
    if !failures.is_empty() {
        out.push_str("## Failures\n\n");
    }
    let tail = rest(report);
    let fixed = out.len() + tail.len() + failures.iter().map(|(f, _)| f.len()).sum::<usize>();
    let kept = fitting(fixed, failures.iter().map(|(_, d)| d.len()), budget);
    let left_out = failures.len() - kept;
    for (index, (summary, details)) in failures.into_iter().enumerate() {
        out.push_str(&summary);
        if index < kept {
            out.push_str(&details);
        }
    }
    if left_out > 0 {
        out.push_str(&left_out_note(left_out));
    }
    out.push_str(&tail);
    out
}

/// The line saying that `count` failing cases' details were left out.
fn left_out_note(count: usize) -> String {
    let cases = if count == 1 { "case" } else { "cases" };
    format!(
        "The details of {count} failing {cases} were left out to keep this summary under 1 MiB; \
         the JSON and HTML reports have them.\n\n"
    )
}

/// How many of the details, taken in order, fit in `budget` beside `fixed` bytes: all of them
/// when everything fits, else as many as leave room for the note.
fn fitting(fixed: usize, details: impl Iterator<Item = usize> + Clone, budget: usize) -> usize {
    if fixed + details.clone().sum::<usize>() <= budget {
        return details.count();
    }
    let mut used = fixed + NOTE_ROOM;
    details
        .take_while(|len| {
            used += len;
            used <= budget
        })
        .count()
}

/// The title and the line of totals.
fn heading(report: &RunReport) -> String {
    let mut out = String::new();
    let target = &report.target;
    let server = target
        .server
        .as_ref()
        .map(|s| format!(" ({} {})", s.name, s.version))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "# mxconform: {}{}\n",
        inline(&target.spec),
        inline(&server)
    );
    let peer = target
        .peer
        .as_ref()
        .map(|p| {
            format!(
                ", with the federation peer {} ({}, server name {})",
                inline(&p.spec),
                inline(&p.url),
                inline(&p.server_name)
            )
        })
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "{} cases: {}. Run at {} against {}{peer} with mxconform {}.\n",
        report.cases.len(),
        report.totals,
        inline(&report.started),
        inline(&target.url),
        inline(&report.mxconform_version)
    );
    out
}

/// The cases listed under Failures: failures not expected, and unexpected passes.
fn failing(report: &RunReport) -> Vec<&CaseReport> {
    report
        .cases
        .iter()
        .filter(|c| match detail::standing(c) {
            Standing::Expected(_) => false,
            Standing::UnexpectedPass(_) => true,
            Standing::AsIs => c.outcome.is_failure(),
        })
        .collect()
}

/// Everything after the failures: non-strict cases, the claims table, the cases without a verdict
/// and the expected outcomes.
fn rest(report: &RunReport) -> String {
    let mut out = String::new();
    let non_strict: Vec<String> = report
        .cases
        .iter()
        .filter(|c| matches!(c.outcome, Outcome::NonStrict(_)))
        .filter(|c| detail::standing(c) == Standing::AsIs)
        .map(|c| entry(c, &detail::headline(&c.outcome)))
        .collect();
    list(
        &mut out,
        "Non-strict (a SHOULD claim is broken)",
        &non_strict,
    );
    claims(&mut out, report);
    let pick = |keep: fn(&Outcome) -> bool| -> Vec<String> {
        report
            .cases
            .iter()
            .filter(|c| keep(&c.outcome) && detail::standing(c) == Standing::AsIs)
            .map(|c| entry(c, &detail::headline(&c.outcome)))
            .collect()
    };
    list(
        &mut out,
        "Informational",
        &pick(|o| matches!(o, Outcome::Informational(_))),
    );
    list(
        &mut out,
        "Skipped and not reached",
        &pick(|o| matches!(o, Outcome::Skipped(_) | Outcome::NotReached(_))),
    );
    let expected: Vec<String> = report
        .cases
        .iter()
        .filter_map(|c| match detail::standing(c) {
            Standing::Expected(e) => Some(entry(c, &detail::expectation(e))),
            _ => None,
        })
        .collect();
    list(&mut out, "Expected outcomes", &expected);
    out
}

/// One failing case: what broke and where, then, apart, its failure, claims and replay folded
/// away (the transcript is left to the JSON and HTML reports).
fn failure(case: &CaseReport) -> (String, String) {
    let mut out = String::new();
    let outcome = match detail::standing(case) {
        Standing::UnexpectedPass(_) => "unexpected pass",
        _ => case.outcome.label(),
    };
    let _ = writeln!(
        out,
        "### {} ({outcome}, {})\n",
        inline(&case.id),
        case.level
    );
    let _ = writeln!(out, "- claims: {}", inline(&claim_ids(case)));
    match (detail::standing(case), case.outcome.failure()) {
        (Standing::UnexpectedPass(expected), _) => {
            let _ = writeln!(out, "- {}", inline(&detail::expectation(expected)));
        }
        (_, Some(failure)) => {
            let _ = writeln!(out, "- {}", inline(&failure.headline()));
            let _ = writeln!(out, "- at {}", inline(&failure.location));
        }
        (_, None) => {}
    }
    out.push('\n');
    (out, folded(case))
}

/// The `<details>` block of a failing case: its failure, claims and replay command.
fn folded(case: &CaseReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<details><summary>Failure, claims and replay</summary>\n"
    );
    let _ = writeln!(out, "{}", fenced("text", &detail::verdicts(case)));
    if !case.transcript.is_empty() {
        let _ = writeln!(out, "The transcript is in the JSON and HTML reports.\n");
    }
    if let Some(curl) = &case.replay {
        let _ = writeln!(out, "{}", fenced("sh", curl));
    }
    let _ = writeln!(out, "</details>\n");
    out
}

/// The claims table: one row per claim.
fn claims(out: &mut String, report: &RunReport) {
    if report.claims.is_empty() {
        return;
    }
    let _ = writeln!(out, "## Claims\n");
    let _ = writeln!(out, "| claim | level | verdict | cases |");
    let _ = writeln!(out, "| --- | --- | --- | --- |");
    for claim in &report.claims {
        let cases: Vec<String> = claim
            .cases
            .iter()
            .map(|c| format!("{}: {}", c.case, c.outcome))
            .collect();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            inline(&claim.id),
            claim.level,
            inline(&claim.verdict),
            inline(&cases.join(", "))
        );
    }
    out.push('\n');
}

/// A section of one-line entries, left out when there are none.
fn list(out: &mut String, title: &str, entries: &[String]) {
    if entries.is_empty() {
        return;
    }
    let _ = writeln!(out, "## {title}\n");
    for entry in entries {
        let _ = writeln!(out, "- {entry}");
    }
    out.push('\n');
}

/// `**case** (LEVEL; claims: a, b): text`.
fn entry(case: &CaseReport, text: &str) -> String {
    format!(
        "**{}** ({}; claims: {}): {}",
        inline(&case.id),
        case.level,
        inline(&claim_ids(case)),
        inline(text)
    )
}

/// The ids of the claims the case checks, comma-separated.
fn claim_ids(case: &CaseReport) -> String {
    let ids: Vec<&str> = case.claims.iter().map(|c| c.claim.as_str()).collect();
    ids.join(", ")
}

/// Text made safe for a line or a table cell: markup and emphasis characters escaped, `|`
/// escaped, newlines as `<br>`.
fn inline(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match (c, entity(c)) {
            ('\n', _) => out.push_str("<br>"),
            ('\r', _) => {}
            (_, Some(entity)) => out.push_str(entity),
            ('\\' | '|' | '*' | '_' | '`' | '[' | ']' | '#', None) => {
                out.push('\\');
                out.push(c);
            }
            (_, None) => out.push(c),
        }
    }
    out
}

/// `text` in a fenced code block whose fence is longer than any run of backticks in it.
fn fenced(language: &str, text: &str) -> String {
    let longest = text
        .split(|c| c != '`')
        .map(str::len)
        .max()
        .unwrap_or_default();
    let fence = "`".repeat(longest.max(2) + 1);
    format!("{fence}{language}\n{}\n{fence}\n", text.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample::rendered;

    #[test]
    fn the_title_names_the_target_and_the_totals() {
        let md = rendered(&Markdown);
        let mut lines = md.lines();
        assert_eq!(
            lines.next(),
            Some("# mxconform: synapse@1.163.2 (Synapse 1.163.2)")
        );
        assert!(
            lines
                .nth(1)
                .is_some_and(|l| l.starts_with("10 cases: 2 passed, 2 failed, 1 non-strict")),
            "{md}"
        );
    }

    #[test]
    fn failures_come_before_the_claims_table() {
        let md = rendered(&Markdown);
        let at = |part: &str| md.find(part).unwrap_or_else(|| panic!("{part}:\n{md}"));
        assert!(at("## Failures") < at("## Non-strict"), "{md}");
        assert!(at("## Non-strict") < at("## Claims"), "{md}");
        assert!(at("## Claims") < at("## Informational"), "{md}");
        let failures = &md[at("## Failures")..at("## Non-strict")];
        for id in [
            "dm.create-room.invitees-flagged (fail, MUST)",
            "dm.since-fixed (unexpected pass, MUST)",
            "membership.ban.provisioning (error, MUST)",
            "membership.leave.keeps-flag (blocked, MUST)",
        ] {
            assert!(failures.contains(id), "{id}:\n{failures}");
        }
        assert!(!failures.contains("dm.known-gap"), "{failures}");
        assert!(md.contains("**dm.known-gap** (MUST; claims: dm.known-gap): expected fail"));
    }

    #[test]
    fn a_failure_folds_away_its_account_and_replay_but_no_transcript() {
        let md = rendered(&Markdown);
        let details = md.find("<details>").unwrap();
        let rest = &md[details..];
        let end = rest.find("</details>").unwrap();
        let folded = &rest[..end];
        assert!(
            folded.contains("```text\nstep 2 (dm/create.yaml:21)"),
            "{folded}"
        );
        assert!(folded.contains("claims:\n  dm.create-room"), "{folded}");
        assert!(
            folded.contains("The transcript is in the JSON and HTML reports."),
            "{folded}"
        );
        assert!(folded.contains("```sh\ncurl -X GET"), "{folded}");
        assert!(md.contains("- at dm/create.yaml:21"), "{md}");
        for transcript in ["transcript:", "/_matrix/client/v3/register", "access_token"] {
            assert!(!md.contains(transcript), "{transcript}:\n{md}");
        }
    }

    /// The sample with `copies` more failing cases, each with a snapshot diff of about 10 KiB.
    fn swollen(copies: usize) -> RunReport {
        let mut report = crate::report::sample::sample();
        let failing = report
            .cases
            .iter()
            .find(|c| c.id == "dm.create-room.invitees-flagged")
            .cloned()
            .unwrap();
        for n in 0..copies {
            let mut case = failing.clone();
            case.id = format!("dm.swollen-{n}");
            if let Outcome::Fail(failure) = &mut case.outcome {
                failure.problems.push(crate::verdict::Problem::Snapshot {
                    file: "snapshots/dm.swollen.snap".into(),
                    diff: Some("-  \"a\": 1\n".repeat(1000)),
                    produced: "{}".into(),
                });
            }
            report.cases.push(case);
        }
        report
    }

    #[test]
    fn a_large_report_leaves_out_the_details_past_the_budget() {
        let report = swollen(150);
        let md = Markdown.render(&report).unwrap();
        assert!(md.len() <= BUDGET, "{} bytes", md.len());
        let kept = md.matches("<details>").count();
        let failing = failing(&report).len();
        assert!(kept > 0 && kept < failing, "{kept} of {failing}");
        let note = format!(
            "The details of {} failing cases were left out",
            failing - kept
        );
        assert!(md.contains(&note), "{note}");
        assert!(md.contains("### dm.swollen-149 (fail, MUST)"));
        assert!(
            md.contains("## Claims"),
            "the sections after the failures stay"
        );
        assert!(md.find("<details>") < md.find("### dm.swollen-149"));
    }

    #[test]
    fn a_report_within_the_budget_keeps_every_detail_and_no_note() {
        let report = swollen(10);
        let md = Markdown.render(&report).unwrap();
        assert_eq!(md.matches("<details>").count(), failing(&report).len());
        assert!(!md.contains("were left out"), "{md}");
        let one = within(&crate::report::sample::sample(), 1);
        assert!(!one.contains("<details>"), "{one}");
        assert!(
            one.contains("The details of 4 failing cases were left out"),
            "{one}"
        );
    }

    #[test]
    fn table_cells_escape_bars_and_newlines() {
        let md = rendered(&Markdown);
        let row = md
            .lines()
            .find(|l| l.starts_with("| dm.federation.flag |"))
            .unwrap_or_else(|| panic!("{md}"));
        assert_eq!(
            row,
            "| dm.federation.flag | MUST | not testable: needs federation \\| two servers |  |"
        );
        assert_eq!(inline("a|b\nc"), "a\\|b<br>c");
        assert_eq!(inline("<script>"), "&lt;script&gt;");
    }

    #[test]
    fn a_fence_outlasts_the_backticks_it_holds() {
        assert_eq!(fenced("text", "a ```` b"), "`````text\na ```` b\n`````\n");
        assert_eq!(fenced("sh", "x"), "```sh\nx\n```\n");
    }
}
