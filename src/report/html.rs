//! The HTML report: one self-contained page, with no network access and no external assets.
//!
//! A header with the target and the totals, filters by outcome and by level, the claims × cases
//! matrix coloured by outcome, and every case, those that broke something expandable to their
//! failure, transcript and replay command. Every text from the report is escaped: a server's
//! answers are untrusted.

use std::cmp::Reverse;
use std::fmt::Write;

use super::detail::{self, Standing};
use super::model::{CaseReport, ClaimReport};
use super::text::describe;
use super::{Emitter, RunReport};
use crate::case::Level;
use crate::verdict::{Failure, Outcome, Problem, SNAPSHOT_HINT};

/// The page's style sheet.
const CSS: &str = include_str!("html/page.css");
/// The page's filters.
const SCRIPT: &str = include_str!("html/page.js");

/// Every outcome label, in the order the filters list them.
const OUTCOMES: [&str; 8] = [
    "pass",
    "fail",
    "non-strict",
    "informational",
    "skipped",
    "blocked",
    "not reached",
    "error",
];

/// Every level, strictest first.
const LEVELS: [Level; 4] = [Level::Must, Level::Should, Level::May, Level::Info];

/// Writes the report as one HTML page.
pub struct Html;

impl Emitter for Html {
    fn format(&self) -> &'static str {
        "html"
    }

    fn render(&self, report: &RunReport) -> Result<String, String> {
        let mut out = String::new();
        let _ = write!(
            out,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>mxconform: {}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n",
            escape(&report.target.spec)
        );
        header(&mut out, report);
        filters(&mut out);
        matrix(&mut out, report);
        cases(&mut out, report);
        let _ = write!(out, "<script>\n{SCRIPT}</script>\n</body>\n</html>\n");
        Ok(out)
    }
}

/// The target, the server, when the run started, and the totals.
fn header(out: &mut String, report: &RunReport) {
    let target = &report.target;
    let server = target
        .server
        .as_ref()
        .map_or("not stated".to_string(), |s| {
            format!("{} {}", s.name, s.version)
        });
    let _ = writeln!(
        out,
        "<header>\n<h1>mxconform report</h1>\n<dl class=\"target\">"
    );
    for (term, value) in [
        ("Target", target.spec.clone()),
        ("URL", target.url.clone()),
        ("Server", server),
        ("Started", report.started.clone()),
        (
            "Duration",
            format!("{:.3} s", report.duration_ms as f64 / 1000.0),
        ),
        ("mxconform", report.mxconform_version.clone()),
    ]
    .into_iter()
    .chain(target.peer.as_ref().map(|p| {
        let peer = format!("{} ({}, server name {})", p.spec, p.url, p.server_name);
        ("Federation peer", peer)
    })) {
        let _ = writeln!(out, "<dt>{term}</dt><dd>{}</dd>", escape(&value));
    }
    let totals = &report.totals;
    let _ = write!(
        out,
        "</dl>\n<p class=\"totals\">{} cases: ",
        report.cases.len()
    );
    for (count, label, words) in [
        (totals.passed, "pass", "passed"),
        (totals.failed, "fail", "failed"),
        (totals.non_strict, "non-strict", "non-strict"),
        (totals.informational, "informational", "informational"),
        (totals.skipped, "skipped", "skipped"),
        (totals.blocked, "blocked", "blocked"),
        (totals.errors, "error", "errors"),
    ] {
        let _ = write!(
            out,
            "<span class=\"chip {}\">{count} {words}</span>",
            class(label)
        );
    }
    let _ = writeln!(out, "</p>\n</header>");
}

/// Checkboxes that show and hide matrix cells, claims and cases by outcome and by level.
fn filters(out: &mut String) {
    let _ = writeln!(
        out,
        "<nav id=\"filters\">\n<fieldset><legend>Outcome</legend>"
    );
    for outcome in OUTCOMES {
        let _ = writeln!(
            out,
            "<label><input type=\"checkbox\" data-kind=\"outcome\" value=\"{outcome}\" checked> \
             <span class=\"chip {}\">{outcome}</span></label>",
            class(outcome)
        );
    }
    let _ = writeln!(out, "</fieldset>\n<fieldset><legend>Level</legend>");
    for level in LEVELS {
        let _ = writeln!(
            out,
            "<label><input type=\"checkbox\" data-kind=\"level\" value=\"{level}\" checked> {level}</label>"
        );
    }
    let _ = writeln!(out, "</fieldset>\n</nav>");
}

/// The claims × cases matrix: one row per claim, grouped by area and level, each case a cell
/// coloured by its outcome.
fn matrix(out: &mut String, report: &RunReport) {
    let mut claims: Vec<&ClaimReport> = report.claims.iter().collect();
    claims.sort_by_key(|c| (area(&c.id), Reverse(c.level)));
    let _ = writeln!(
        out,
        "<h2>Claims</h2>\n<table id=\"claims-matrix\">\n<thead><tr><th>Claim</th><th>Level</th>\
         <th>Verdict</th><th>Cases</th></tr></thead>"
    );
    let mut group = None;
    for claim in claims {
        let this = (area(&claim.id), claim.level);
        if group != Some(this) {
            if group.is_some() {
                let _ = writeln!(out, "</tbody>");
            }
            let _ = writeln!(
                out,
                "<tbody>\n<tr class=\"group\"><th colspan=\"4\">{} · {}</th></tr>",
                escape(this.0),
                this.1
            );
            group = Some(this);
        }
        let name = if claim.section.starts_with("https://") || claim.section.starts_with("http://")
        {
            format!(
                "<a href=\"{}\">{}</a>",
                escape(&claim.section),
                escape(&claim.id)
            )
        } else {
            escape(&claim.id)
        };
        let verdict = if OUTCOMES.contains(&claim.verdict.as_str()) {
            class(&claim.verdict)
        } else {
            "o-none".to_string()
        };
        let _ = write!(
            out,
            "<tr class=\"claim\" data-level=\"{}\"><td>{name}<div class=\"quote\">{}</div></td>\
             <td>{}</td><td><span class=\"verdict {verdict}\">{}</span></td><td>",
            claim.level,
            escape(&claim.quote),
            claim.level,
            escape(&claim.verdict)
        );
        for case in &claim.cases {
            let _ = write!(
                out,
                "<a class=\"chip {}\" data-outcome=\"{}\" href=\"#case-{}\" title=\"{}\">{}</a>",
                class(&case.outcome),
                escape(&case.outcome),
                escape(&case.case),
                escape(&case.outcome),
                escape(&case.case)
            );
        }
        let _ = writeln!(out, "</td></tr>");
    }
    if group.is_some() {
        let _ = writeln!(out, "</tbody>");
    }
    let _ = writeln!(out, "</table>");
}

/// Every case, the worst outcomes first: one that broke something expandable to its account, the
/// others one line each.
fn cases(out: &mut String, report: &RunReport) {
    let _ = writeln!(out, "<section id=\"cases\">\n<h2>Cases</h2>");
    let mut ordered: Vec<_> = report.cases.iter().collect();
    ordered.sort_by_key(|case| std::cmp::Reverse(case.outcome.severity()));
    for case in ordered {
        let standing = detail::standing(case);
        let (label, note) = match standing {
            Standing::Expected(e) => (case.outcome.label(), detail::expectation(e)),
            Standing::UnexpectedPass(e) => ("unexpected pass", detail::expectation(e)),
            Standing::AsIs => (case.outcome.label(), String::new()),
        };
        let mut head = format!(
            "<span class=\"chip {}\">{label}</span> <code>{}</code> {}",
            class(label),
            escape(&case.id),
            case.level
        );
        let headline = detail::headline(&case.outcome);
        if !headline.is_empty() {
            let _ = write!(head, " — {}", escape(&headline));
        }
        if !note.is_empty() {
            let _ = write!(head, " <span class=\"expected\">{}</span>", escape(&note));
        }
        let attributes = format!(
            "class=\"case\" id=\"case-{}\" data-outcome=\"{}\" data-level=\"{}\"",
            escape(&case.id),
            case.outcome.label(),
            case.level
        );
        let expandable = matches!(standing, Standing::UnexpectedPass(_))
            || matches!(
                case.outcome,
                Outcome::Fail(_) | Outcome::NonStrict(_) | Outcome::Blocked(_) | Outcome::Error(_)
            );
        if expandable {
            let _ = writeln!(out, "<details {attributes}>\n<summary>{head}</summary>");
            account(out, case);
            let _ = writeln!(out, "</details>");
        } else {
            let _ = writeln!(out, "<div {attributes}>{head}</div>");
        }
    }
    let _ = writeln!(out, "</section>");
}

/// A case's claims, failure, transcript and replay command.
fn account(out: &mut String, case: &CaseReport) {
    let _ = writeln!(
        out,
        "<p>{} <code>{}</code></p>\n<h3>Claims</h3>\n<ul>",
        escape(&case.summary),
        escape(&case.file)
    );
    for claim in &case.claims {
        let _ = writeln!(
            out,
            "<li><code>{}</code> {}: {}</li>",
            escape(&claim.claim),
            claim.level,
            escape(&describe(&claim.outcome))
        );
    }
    let _ = writeln!(out, "</ul>");
    if let Some(failure) = case.outcome.failure() {
        failure_section(out, failure);
    }
    if !case.transcript.is_empty() {
        let _ = writeln!(out, "<h3>Transcript</h3>");
        for exchange in &case.transcript {
            let _ = writeln!(
                out,
                "<div class=\"exchange\"><p class=\"exchange-head\">{}</p>",
                escape(&detail::heading(exchange))
            );
            for (name, body) in [
                ("request", &exchange.request),
                ("response", &exchange.response),
            ] {
                if let Some(body) = body {
                    let _ = writeln!(
                        out,
                        "<p class=\"body-name\">{name}</p><pre>{}</pre>",
                        escape(&detail::pretty(body))
                    );
                }
            }
            let _ = writeln!(out, "</div>");
        }
    }
    if let Some(curl) = &case.replay {
        let _ = writeln!(
            out,
            "<h3>Replay</h3>\n<pre class=\"replay\">{}</pre>",
            escape(curl)
        );
    }
}

/// The failing step and each of its problems; a snapshot's diff with its lines coloured.
fn failure_section(out: &mut String, failure: &Failure) {
    let step = failure
        .step
        .map_or("before the first step".to_string(), |n| format!("step {n}"));
    let _ = writeln!(
        out,
        "<h3>Failure</h3>\n<p>{} (<code>{}</code>): <code>{}</code></p>\n<ul class=\"problems\">",
        step,
        escape(&failure.location),
        escape(&failure.action)
    );
    for problem in &failure.problems {
        let _ = write!(
            out,
            "<li><span class=\"problem-kind\">{}</span>",
            problem.kind()
        );
        match problem {
            Problem::Snapshot {
                file,
                diff: Some(diff),
                ..
            } => {
                let _ = write!(
                    out,
                    "<code>{}</code> does not match; {}\n<pre class=\"diff\">",
                    escape(file),
                    escape(SNAPSHOT_HINT)
                );
                for line in diff.lines() {
                    let kind = match line.chars().next() {
                        Some('+') => " class=\"add\"",
                        Some('-') => " class=\"del\"",
                        Some('@') => " class=\"hunk\"",
                        _ => "",
                    };
                    let _ = writeln!(out, "<span{kind}>{}</span>", escape(line));
                }
                let _ = write!(out, "</pre>");
            }
            other => {
                let _ = write!(out, "<pre>{}</pre>", escape(&other.to_string()));
            }
        }
        let _ = writeln!(out, "</li>");
    }
    let _ = writeln!(out, "</ul>");
    if let Some(answer) = &failure.answer {
        let _ = writeln!(
            out,
            "<p>The answer: {}</p>\n<pre>{}</pre>",
            answer.status,
            escape(&answer.body)
        );
    }
}

/// The first segment of an id: its area.
fn area(id: &str) -> &str {
    id.split('.').next().unwrap_or_default()
}

/// The CSS class of an outcome label: `o-` and the label with spaces as dashes.
fn class(label: &str) -> String {
    format!("o-{}", label.replace(' ', "-"))
}

/// `text` safe in HTML text and in a quoted attribute.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match entity(c) {
            Some(entity) => out.push_str(entity),
            None => out.push(c),
        }
    }
    out
}

/// The entity that stands for `c` where HTML gives it a meaning.
pub(super) fn entity(c: char) -> Option<&'static str> {
    match c {
        '&' => Some("&amp;"),
        '<' => Some("&lt;"),
        '>' => Some("&gt;"),
        '"' => Some("&quot;"),
        '\'' => Some("&#39;"),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
