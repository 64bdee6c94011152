//! Merging the reports of the shards of one run (`--partition K/N`) into the report of the whole.

use std::collections::BTreeMap;

use super::model::{ClaimReport, RunReport};
use crate::expectations::summarise;
use crate::verdict::{Tally, severity_of_label};

/// The report of the run whose shards wrote `reports`: every case once, sorted by id, the totals
/// and each claim's verdict recomputed, started at the earliest start and lasting as long as the
/// longest shard.
///
/// `Err` when there is no report, when the reports differ in format version or target, when one
/// case is in two of them, or when they are shards (`--partition K/N`) but not every shard 1..N of
/// one selection, each once.
pub fn merge(reports: Vec<RunReport>) -> Result<RunReport, String> {
    complete_partition(&reports)?;
    let mut shards = reports.into_iter().enumerate();
    let Some((_, mut merged)) = shards.next() else {
        return Err("no reports to merge".into());
    };
    let mut shard_of: BTreeMap<String, usize> =
        merged.cases.iter().map(|c| (c.id.clone(), 1)).collect();
    for (index, shard) in shards {
        let number = index + 1;
        if shard.format_version != merged.format_version {
            return Err(format!(
                "report {number} has format_version {}, report 1 has {}",
                shard.format_version, merged.format_version
            ));
        }
        if shard.target.spec != merged.target.spec {
            return Err(format!(
                "report {number} ran against `{}`, report 1 against `{}`: shards of one run share a target",
                shard.target.spec, merged.target.spec
            ));
        }
        for case in &shard.cases {
            if let Some(first) = shard_of.insert(case.id.clone(), number) {
                return Err(format!(
                    "case `{}` is in reports {first} and {number}: they are not shards of one run",
                    case.id
                ));
            }
        }
        if earlier(&shard.started, &merged.started) {
            merged.started = shard.started;
        }
        merged.duration_ms = merged.duration_ms.max(shard.duration_ms);
        merged.cases.extend(shard.cases);
        join_claims(&mut merged.claims, shard.claims);
        merged.expectations = merged.expectations.or(shard.expectations);
        merged.mutants = merged.mutants.or(shard.mutants);
    }
    merged.cases.sort_by(|a, b| a.id.cmp(&b.id));
    merged.selection.partition = None;
    merged.totals = Tally::default();
    for case in &merged.cases {
        merged.totals.add(&case.outcome);
    }
    for claim in &mut merged.claims {
        claim.cases.sort_by(|a, b| a.case.cmp(&b.case));
        claim.verdict = verdict(claim);
    }
    if let Some(expectations) = &merged.expectations {
        merged.expectations = Some(summarise(&expectations.file, &merged.cases));
    }
    Ok(merged)
}

/// Checks that reports written with `--partition` are every shard of one partition of one selection.
fn complete_partition(reports: &[RunReport]) -> Result<(), String> {
    let shards: Vec<Option<(u64, u64)>> = reports
        .iter()
        .map(|r| {
            r.selection.partition.as_deref().and_then(|p| {
                let (k, n) = p.split_once('/')?;
                Some((k.parse().ok()?, n.parse().ok()?))
            })
        })
        .collect();
    if shards.iter().all(Option::is_none) {
        return Ok(());
    }
    let Some(Some((_, n))) = shards.first().copied() else {
        return Err(
            "report 1 is not a shard (it was not run with --partition), the others are".into(),
        );
    };
    for (i, report) in reports.iter().enumerate() {
        match shards[i] {
            Some((_, other)) if other != n => {
                return Err(format!(
                    "report {} is a shard of {other}, report 1 of {n}",
                    i + 1
                ));
            }
            None => return Err(format!("report {} is not a shard of {n}", i + 1)),
            Some(_) if report.selection.selectors != reports[0].selection.selectors => {
                return Err(format!(
                    "report {} selected `{}`, report 1 `{}`: shards of one run share a selection",
                    i + 1,
                    report.selection.selectors.join(" "),
                    reports[0].selection.selectors.join(" ")
                ));
            }
            Some(_) => {}
        }
    }
    let mut have: Vec<u64> = shards.iter().flatten().map(|(k, _)| *k).collect();
    have.sort_unstable();
    let whole: Vec<u64> = (1..=n).collect();
    if have != whole {
        let missing: Vec<String> = whole
            .iter()
            .filter(|k| !have.contains(k))
            .map(|k| format!("{k}/{n}"))
            .collect();
        return Err(if missing.is_empty() {
            format!("a shard of {n} is given twice")
        } else {
            format!("shards {} are missing", missing.join(", "))
        });
    }
    Ok(())
}

/// Whether the RFC 3339 time `a` is before `b`; texts that are not such times compare as text.
fn earlier(a: &str, b: &str) -> bool {
    match (a.parse::<jiff::Timestamp>(), b.parse::<jiff::Timestamp>()) {
        (Ok(a), Ok(b)) => a < b,
        _ => a < b,
    }
}

/// Adds `more`'s cases to the claims of `claims` with the same id; claims only `more` has are added.
fn join_claims(claims: &mut Vec<ClaimReport>, more: Vec<ClaimReport>) {
    for claim in more {
        match claims.iter_mut().find(|c| c.id == claim.id) {
            Some(known) => known.cases.extend(claim.cases),
            None => claims.push(claim),
        }
    }
}

/// A claim's verdict over its joined cases: the worst outcome, `not run` when no case checked it;
/// a verdict that is no outcome (`not testable: …`, `client claim: …`) is kept.
fn verdict(claim: &ClaimReport) -> String {
    let judged = severity_of_label(&claim.verdict).is_some() || claim.verdict == "not run";
    if !judged {
        return claim.verdict.clone();
    }
    claim
        .cases
        .iter()
        .filter_map(|c| severity_of_label(&c.outcome).map(|severity| (severity, &c.outcome)))
        .max_by_key(|(severity, _)| *severity)
        .map_or_else(|| "not run".to_string(), |(_, label)| label.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::full_sample::sample;
    use crate::report::model::ClaimCase;

    /// The sample split in two shards: the first four cases and the last four.
    fn shards() -> (RunReport, RunReport) {
        let mut first = sample();
        let mut second = sample();
        second.cases = first.cases.split_off(4);
        for (shard, k) in [(&mut first, 1), (&mut second, 2)] {
            shard.selection.partition = Some(format!("{k}/2"));
            let ids: Vec<String> = shard.cases.iter().map(|c| c.id.clone()).collect();
            for claim in &mut shard.claims {
                claim.cases.retain(|c| ids.contains(&c.case));
            }
        }
        second.started = "2026-01-02T03:04:00Z".into();
        second.duration_ms = 5000;
        (first, second)
    }

    #[test]
    fn shards_merge_back_into_the_whole_run() {
        let (first, second) = shards();
        let merged = merge(vec![second, first]).unwrap();
        let whole = sample();
        assert_eq!(
            merged.cases.iter().map(|c| &c.id).collect::<Vec<_>>(),
            whole.cases.iter().map(|c| &c.id).collect::<Vec<_>>()
        );
        assert_eq!(merged.totals, whole.totals);
        assert_eq!(merged.claims, whole.claims);
        assert_eq!(merged.started, "2026-01-02T03:04:00Z");
        assert_eq!(merged.duration_ms, 5000);
        assert!(earlier("2026-01-02T03:04:05.5Z", "2026-01-02T03:04:06Z"));
        assert!(!earlier("2026-01-02T03:04:05.5Z", "2026-01-02T03:04:05Z"));
        assert_eq!(merged.selection.partition, None);
        assert_eq!(merged.expectations, whole.expectations);
    }

    #[test]
    fn a_claim_that_passed_in_one_shard_and_failed_in_another_fails() {
        let (mut first, mut second) = shards();
        let claim = |cases: Vec<ClaimCase>, verdict: &str| ClaimReport {
            verdict: verdict.into(),
            cases,
            ..sample().claims[0].clone()
        };
        let case = |case: &str, outcome: &str| ClaimCase {
            case: case.into(),
            outcome: outcome.into(),
        };
        first.claims = vec![claim(vec![case("dm.c-non-strict", "pass")], "pass")];
        second.claims = vec![claim(vec![case("dm.e-skipped", "fail")], "fail")];
        let merged = merge(vec![second, first]).unwrap();
        assert_eq!(merged.claims[0].verdict, "fail");
        assert_eq!(
            merged.claims[0].cases,
            vec![
                case("dm.c-non-strict", "pass"),
                case("dm.e-skipped", "fail")
            ]
        );
        assert_eq!(
            merged
                .claims
                .iter()
                .map(|c| c.id.as_str())
                .collect::<Vec<_>>(),
            vec!["account_data.a"]
        );
    }

    #[test]
    fn a_claim_no_case_checked_is_not_run_and_an_untestable_one_keeps_its_reason() {
        let (mut first, mut second) = shards();
        first.claims[0].verdict = "not run".into();
        second.claims[0].cases.clear();
        first.claims[0].cases.clear();
        let merged = merge(vec![first, second]).unwrap();
        assert_eq!(merged.claims[0].verdict, "not run");
        assert_eq!(merged.claims[1].verdict, "not testable: a client claim");
    }

    #[test]
    fn shards_must_be_the_whole_partition_of_one_selection() {
        let shard = |k: u64, n: u64, selectors: &[&str]| {
            let mut report = sample();
            report.cases.clear();
            report.selection.partition = Some(format!("{k}/{n}"));
            report.selection.selectors = selectors.iter().map(|s| s.to_string()).collect();
            report
        };
        assert!(merge(vec![shard(1, 2, &[]), shard(2, 2, &[])]).is_ok());
        let missing = merge(vec![shard(1, 3, &[]), shard(2, 3, &[])]).unwrap_err();
        assert!(missing.contains("shards 3/3 are missing"), "{missing}");
        let other_n = merge(vec![shard(1, 2, &[]), shard(2, 4, &[])]).unwrap_err();
        assert!(other_n.contains("shard of 4"), "{other_n}");
        let twice = merge(vec![shard(1, 2, &[]), shard(1, 2, &[]), shard(2, 2, &[])]).unwrap_err();
        assert!(twice.contains("twice"), "{twice}");
        let selection = merge(vec![shard(1, 2, &["tag:sync"]), shard(2, 2, &[])]).unwrap_err();
        assert!(selection.contains("share a selection"), "{selection}");
    }

    #[test]
    fn a_case_in_two_shards_is_rejected() {
        let (first, mut second) = shards();
        second.cases.push(first.cases[0].clone());
        let err = merge(vec![first, second]).unwrap_err();
        assert!(
            err.contains("case `account_data.a-pass` is in reports 1 and 2"),
            "{err}"
        );
    }

    #[test]
    fn shards_of_different_targets_or_formats_are_rejected() {
        let (first, mut second) = shards();
        second.target.spec = "fake".into();
        let err = merge(vec![first.clone(), second]).unwrap_err();
        assert!(err.contains("`fake`"), "{err}");
        let (_, mut second) = shards();
        second.format_version = 2;
        let err = merge(vec![first, second]).unwrap_err();
        assert!(err.contains("format_version 2"), "{err}");
        assert!(merge(Vec::new()).is_err());
    }

    #[test]
    fn expectations_are_summarised_over_every_shard() {
        let (mut first, mut second) = shards();
        first
            .expectations
            .as_mut()
            .unwrap()
            .expected_failures
            .clear();
        second.cases[3].expected = Some(crate::report::model::Expected {
            outcome: "fail".into(),
            reason: "r".into(),
            met: false,
            allowed: false,
        });
        let merged = merge(vec![first, second]).unwrap();
        let summary = merged.expectations.unwrap();
        assert_eq!(summary.expected_failures, vec!["account_data.b-fail"]);
        assert_eq!(summary.unexpected_outcomes, vec!["membership.h-error"]);
    }
}
