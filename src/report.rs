//! Human-readable reports: the outcome sections after a run, and the claims table.

use std::fmt::Write;

use crate::case::{Case, Registry};
use crate::verdict::{Outcome, Verdict};

/// Describes an outcome for one section of the report, or `None` when it does not belong there.
type Describe = fn(&Outcome) -> Option<String>;

/// The cases whose outcomes carry no pass or fail verdict, grouped by outcome, with their reasons.
pub fn outcome_sections(verdicts: &[Verdict]) -> String {
    let mut out = String::new();
    let sections: [(&str, Describe); 3] = [
        (
            "non-strict (a SHOULD claim is broken; not a failure of the run)",
            |o| match o {
                Outcome::NonStrict(f) => Some(format!("{}\n      {}", f.headline(), f.location)),
                _ => None,
            },
        ),
        (
            "informational (INFO and MAY claims: recorded, no verdict)",
            |o| match o {
                Outcome::Informational(None) => Some("as the case describes".into()),
                Outcome::Informational(Some(f)) => {
                    Some(format!("differs: {}\n      {}", f.headline(), f.location))
                }
                _ => None,
            },
        ),
        ("skipped", |o| match o {
            Outcome::Skipped(reason) => Some(reason.clone()),
            _ => None,
        }),
    ];
    for (title, describe) in sections {
        let lines: Vec<String> = verdicts
            .iter()
            .filter_map(|v| describe(&v.outcome).map(|text| format!("    {}: {text}", v.case_id)))
            .collect();
        if !lines.is_empty() {
            let _ = writeln!(out, "\n{title}:\n{}", lines.join("\n"));
        }
    }
    if !out.is_empty() {
        out.push('\n');
    }
    out
}

/// The claims registry with the cases that check each claim and, given verdicts, each claim's verdict:
/// the worst outcome among its cases, each judged at the claim's own level.
pub fn claims_table(registry: &Registry, cases: &[Case], verdicts: Option<&[Verdict]>) -> String {
    let mut out = String::new();
    let (mut covered, mut untestable) = (0, 0);
    for claim in registry.iter() {
        let checking: Vec<&str> = cases
            .iter()
            .filter(|case| case.claims.iter().any(|c| c.id == claim.id))
            .map(|case| case.id.as_str())
            .collect();
        let verdict = match (&claim.not_testable, verdicts) {
            (Some(reason), _) => format!("not testable: {reason}"),
            (None, Some(verdicts)) => verdicts
                .iter()
                .filter(|v| checking.contains(&v.case_id.as_str()))
                .map(|v| v.outcome.at_level(claim.level))
                .max_by_key(Outcome::severity)
                .map_or("not run".to_string(), |o| o.label().to_string()),
            (None, None) => String::new(),
        };
        if claim.not_testable.is_some() {
            untestable += 1;
        } else if !checking.is_empty() {
            covered += 1;
        }
        let _ = writeln!(
            out,
            "{:<52} {:<6} {:<7} {:>2} case(s)  {verdict}",
            claim.id,
            claim.level,
            claim.since,
            checking.len()
        );
        let _ = writeln!(out, "    {}", claim.quote);
        let _ = writeln!(out, "    {}", claim.section);
        if !checking.is_empty() {
            let _ = writeln!(out, "    cases: {}", checking.join(", "));
        }
        if let Some(notes) = &claim.notes {
            let _ = writeln!(out, "    notes: {}", notes.trim());
        }
    }
    let _ = writeln!(
        out,
        "\n{} claims: {covered} covered by {} cases, {untestable} not testable",
        registry.len(),
        cases.len()
    );
    out
}
