//! Comparing runs: a matrix of claims and the cases that check them against implementations or
//! releases, the rows where the runs disagree first, in Markdown or as one HTML page.

mod html;

use std::collections::BTreeMap;
use std::fmt::Write;

use super::RunReport;

pub use html::html;

/// What a cell shows for a claim or case a run does not have.
pub const MISSING: &str = "—";

/// One run's column: its label and what it ran against.
struct Column {
    label: String,
    target: String,
    server: Option<String>,
}

/// A claim's rows: its verdict in each run, then each case that checks it.
struct Block {
    claim: String,
    level: String,
    verdicts: Vec<Option<String>>,
    cases: Vec<(String, Vec<Option<String>>)>,
}

impl Block {
    /// Whether two runs differ on the claim's verdict or on any of its cases.
    fn disagrees(&self) -> bool {
        let differs = |cells: &[Option<String>]| cells.windows(2).any(|pair| pair[0] != pair[1]);
        differs(&self.verdicts) || self.cases.iter().any(|(_, cells)| differs(cells))
    }
}

/// The runs' columns and the claims, split into those the runs disagree on and the rest.
struct Matrix {
    columns: Vec<Column>,
    disagreements: Vec<Block>,
    agreements: Vec<Block>,
}

/// The claim verdict as a cell shows it: the outcome label, or the kind of verdict before its
/// reason (`not testable`, `client claim`).
fn verdict_cell(verdict: &str) -> String {
    verdict
        .split_once(':')
        .map_or(verdict, |(kind, _)| kind)
        .trim()
        .to_string()
}

fn matrix(runs: &[(String, RunReport)]) -> Matrix {
    let columns = runs
        .iter()
        .map(|(label, report)| Column {
            label: label.clone(),
            target: report.target.spec.clone(),
            server: report
                .target
                .server
                .as_ref()
                .map(|s| format!("{} {}", s.name, s.version)),
        })
        .collect();
    let mut levels: BTreeMap<&str, String> = BTreeMap::new();
    for (_, report) in runs {
        for claim in &report.claims {
            levels
                .entry(claim.id.as_str())
                .or_insert_with(|| claim.level.to_string());
        }
    }
    let (mut disagreements, mut agreements) = (Vec::new(), Vec::new());
    for (id, level) in levels {
        let claims: Vec<_> = runs
            .iter()
            .map(|(_, report)| report.claims.iter().find(|c| c.id == id))
            .collect();
        let mut case_ids: Vec<&str> = claims
            .iter()
            .flatten()
            .flat_map(|claim| claim.cases.iter().map(|c| c.case.as_str()))
            .collect();
        case_ids.sort_unstable();
        case_ids.dedup();
        let block = Block {
            claim: id.to_string(),
            level,
            verdicts: claims
                .iter()
                .map(|claim| claim.map(|c| verdict_cell(&c.verdict)))
                .collect(),
            cases: case_ids
                .into_iter()
                .map(|case| {
                    let cells = claims
                        .iter()
                        .map(|claim| {
                            claim
                                .and_then(|c| c.cases.iter().find(|cc| cc.case == case))
                                .map(|cc| cc.outcome.clone())
                        })
                        .collect();
                    (case.to_string(), cells)
                })
                .collect(),
        };
        if block.disagrees() {
            disagreements.push(block);
        } else {
            agreements.push(block);
        }
    }
    Matrix {
        columns,
        disagreements,
        agreements,
    }
}

/// The comparison as Markdown: a table of the claims the runs disagree on, then one of the rest;
/// each claim's row is followed by a row per case that checks it.
pub fn markdown(runs: &[(String, RunReport)]) -> String {
    let matrix = matrix(runs);
    let mut out = String::from("# mxconform comparison\n");
    let mut header = String::from("| claim / case | level |");
    let mut rule = String::from("| --- | --- |");
    for column in &matrix.columns {
        let server = column
            .server
            .as_ref()
            .map(|s| format!(", {s}"))
            .unwrap_or_default();
        let _ = write!(
            header,
            " {} |",
            cell(&format!("{} ({}{server})", column.label, column.target))
        );
        rule.push_str(" --- |");
    }
    let sections = [
        ("Disagreements", &matrix.disagreements),
        ("Agreements", &matrix.agreements),
    ];
    for (title, blocks) in sections {
        let _ = write!(out, "\n## {title}\n\n");
        if blocks.is_empty() {
            out.push_str("None.\n");
            continue;
        }
        let _ = writeln!(out, "{header}\n{rule}");
        for block in blocks {
            let _ = writeln!(
                out,
                "| **{}** | {} |{}",
                cell(&block.claim),
                block.level,
                cells(&block.verdicts)
            );
            for (case, outcomes) in &block.cases {
                let _ = writeln!(out, "| ↳ {} | |{}", cell(case), cells(outcomes));
            }
        }
    }
    out
}

/// A row's cells after its first two, `—` for a run without the claim or case.
fn cells(outcomes: &[Option<String>]) -> String {
    outcomes
        .iter()
        .map(|o| format!(" {} |", o.as_deref().map_or(MISSING.to_string(), cell)))
        .collect()
}

/// `text` safe in a Markdown table cell: on one line, pipes escaped.
fn cell(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::full_sample::sample;
    use crate::report::model::{ClaimCase, ClaimReport};

    /// Two runs of the sample; in the second, Synapse 1.99 passes `account_data.b-fail` and has
    /// no client claim.
    pub(crate) fn runs() -> Vec<(String, RunReport)> {
        let mut old = sample();
        let mut new = sample();
        new.target.server.as_mut().unwrap().version = "1.99.0".into();
        new.claims[0].verdict = "pass".into();
        new.claims[0].cases[1].outcome = "pass".into();
        new.claims.truncate(1);
        old.claims.push(ClaimReport {
            id: "account_data.z".into(),
            verdict: "pass".into(),
            cases: vec![ClaimCase {
                case: "account_data.a-pass".into(),
                outcome: "pass".into(),
            }],
            ..old.claims[0].clone()
        });
        new.claims.push(old.claims[2].clone());
        vec![("synapse-1.98".into(), old), ("synapse-1.99".into(), new)]
    }

    #[test]
    fn a_disagreeing_claim_comes_first() {
        let text = markdown(&runs());
        let disagreements = text.find("## Disagreements").unwrap();
        let agreements = text.find("## Agreements").unwrap();
        let differing = text
            .find("| **account_data.a** | MUST | fail | pass |")
            .unwrap();
        let agreed = text
            .find("| **account_data.z** | MUST | pass | pass |")
            .unwrap();
        assert!(disagreements < differing && differing < agreements && agreements < agreed);
        assert!(
            text.contains("| ↳ account_data.b-fail | | fail | pass |"),
            "{text}"
        );
        assert!(text.contains("synapse-1.99 (synapse@1.98.0, Synapse 1.99.0)"));
    }

    #[test]
    fn a_claim_missing_from_a_run_shows_a_dash() {
        let text = markdown(&runs());
        assert!(
            text.contains("| **dm.client** | SHOULD | not testable | — |"),
            "{text}"
        );
    }

    #[test]
    fn one_run_disagrees_with_nothing() {
        let text = markdown(&runs()[..1]);
        assert!(text.contains("## Disagreements\n\nNone.\n"), "{text}");
    }

    #[test]
    fn pipes_in_labels_are_escaped() {
        let mut runs = runs();
        runs[0].0 = "a|b".into();
        assert!(markdown(&runs).contains("a\\|b ("));
    }
}
