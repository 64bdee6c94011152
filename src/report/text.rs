//! Human-readable reports: the outcome sections after a run, and the claims table.

use std::fmt::Write;

use super::build::judged;
use super::claim_verdict;
use crate::case::{Case, Registry, Subject};
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
                Outcome::Informational(observation) => Some(match &observation.departure {
                    Some(f) => format!("{}\n      {}", observation.summary(), f.location),
                    None => observation.summary(),
                }),
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

/// The claims registry with the cases that check each claim and, given verdicts, each claim's
/// verdict: the worst of its outcomes, each judged only by the steps that check the claim.
pub fn claims_table(registry: &Registry, cases: &[Case], verdicts: Option<&[Verdict]>) -> String {
    let mut out = String::new();
    let (mut covered, mut client, mut untestable) = (0, 0, 0);
    for claim in registry.iter() {
        let checking: Vec<&str> = cases
            .iter()
            .filter(|case| case.judges(&claim.id))
            .map(|case| case.id.as_str())
            .collect();
        let judged = judged(&claim.id, verdicts.unwrap_or_default());
        let verdict = match (&claim.not_testable, claim.subject) {
            (None, Subject::Server) if verdicts.is_none() => String::new(),
            _ => claim_verdict(claim, judged.iter().map(|(_, o)| *o)),
        };
        if claim.not_testable.is_some() {
            untestable += 1;
        } else if claim.subject == Subject::Client {
            client += 1;
        } else if !checking.is_empty() {
            covered += 1;
        }
        let _ = writeln!(
            out,
            "{:<52} {:<6} {:<6} {:<7} {:>2} case(s)  {verdict}",
            claim.id,
            claim.subject,
            claim.level,
            claim.since,
            checking.len()
        );
        let _ = writeln!(out, "    {}", claim.quote.trim());
        let _ = writeln!(out, "    {}", claim.section);
        if judged.is_empty() && !checking.is_empty() {
            let _ = writeln!(out, "    cases: {}", checking.join(", "));
        }
        for (case_id, outcome) in &judged {
            let _ = writeln!(out, "    {case_id}: {}", describe(outcome));
        }
        if let Some(notes) = &claim.notes {
            let _ = writeln!(out, "    notes: {}", notes.trim());
        }
        if let Some(gap) = &claim.spec_gap {
            let _ = writeln!(out, "    spec gap: {}", gap.trim());
        }
    }
    let _ = writeln!(
        out,
        "\n{} claims: {covered} server claims covered by {} cases, {client} client claims, {untestable} not testable",
        registry.len(),
        cases.len()
    );
    out
}

/// One claim's outcome in one case, on one line.
pub(crate) fn describe(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Informational(observation) => {
            format!("informational: {}", observation.summary())
        }
        Outcome::Skipped(reason) | Outcome::NotReached(reason) => {
            format!("{}: {reason}", outcome.label())
        }
        other => match other.failure() {
            Some(failure) => {
                let at = failure
                    .step
                    .map_or("before the first step".to_string(), |n| {
                        format!("at step {n}")
                    });
                format!("{} {at}: {}", other.label(), failure.headline())
            }
            None => other.label().to_string(),
        },
    }
}

/// The claims whose specification text is silent, ambiguous or contradictory: a list for spec editors.
pub fn spec_gaps(registry: &Registry) -> String {
    let mut out = String::new();
    let gaps: Vec<_> = registry.iter().filter(|c| c.spec_gap.is_some()).collect();
    for claim in &gaps {
        let _ = writeln!(
            out,
            "{} ({} {}, {})",
            claim.id, claim.subject, claim.level, claim.since
        );
        let _ = writeln!(out, "    {}", claim.section);
        if let Some(gap) = &claim.spec_gap {
            let _ = writeln!(out, "    {}", gap.trim());
        }
    }
    let _ = writeln!(
        out,
        "\n{} spec gaps among {} claims",
        gaps.len(),
        registry.len()
    );
    out
}
