//! The Markdown report, fit for a GitHub Actions job summary: failures first, each with its
//! account folded away, then the non-strict cases, the claims table, and the cases without a
//! verdict. Text from the report is escaped, so a server's answer cannot break the layout.

use std::fmt::Write;

use super::detail::{self, Standing};
use super::html::entity;
use super::model::CaseReport;
use super::{Emitter, RunReport};
use crate::verdict::Outcome;

/// Writes the report as GitHub-flavoured Markdown.
pub struct Markdown;

impl Emitter for Markdown {
    fn format(&self) -> &'static str {
        "markdown"
    }

    fn render(&self, report: &RunReport) -> Result<String, String> {
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
        let _ = writeln!(
            out,
            "{} cases: {}. Run at {} against {} with mxconform {}.\n",
            report.cases.len(),
            report.totals,
            inline(&report.started),
            inline(&target.url),
            inline(&report.mxconform_version)
        );
        let failures: Vec<&CaseReport> = report
            .cases
            .iter()
            .filter(|c| match detail::standing(c) {
                Standing::Expected(_) => false,
                Standing::UnexpectedPass(_) => true,
                Standing::AsIs => c.outcome.is_failure(),
            })
            .collect();
        if !failures.is_empty() {
            let _ = writeln!(out, "## Failures\n");
            for case in failures {
                failure(&mut out, case);
            }
        }
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
        Ok(out)
    }
}

/// One failing case: what broke and where, then its account and replay folded away.
fn failure(out: &mut String, case: &CaseReport) {
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
    let _ = writeln!(
        out,
        "\n<details><summary>Failure, claims and transcript</summary>\n"
    );
    let _ = writeln!(out, "{}", fenced("text", &detail::account(case)));
    if let Some(curl) = &case.replay {
        let _ = writeln!(out, "{}", fenced("sh", curl));
    }
    let _ = writeln!(out, "</details>\n");
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
    fn a_failure_folds_away_its_account_and_replay() {
        let md = rendered(&Markdown);
        let details = md.find("<details>").unwrap();
        let rest = &md[details..];
        let end = rest.find("</details>").unwrap();
        let folded = &rest[..end];
        assert!(
            folded.contains("```text\nstep 2 (dm/create.yaml:21)"),
            "{folded}"
        );
        assert!(
            folded.contains("\"access_token\": \"[redacted]\""),
            "{folded}"
        );
        assert!(folded.contains("```sh\ncurl -X GET"), "{folded}");
        assert!(md.contains("- at dm/create.yaml:21"), "{md}");
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
