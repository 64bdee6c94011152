//! `mxconform mutants`: the suite against every fault profile and conformant variant of the fake,
//! printed as a matrix.

use std::fmt::Write;

use super::{Exit, MutantsArgs};
use crate::mutants::{Finding, Matrix, Row, matrix};
use crate::pipeline::suite::{load_suite, print_load_errors};
use crate::pipeline::{ReportArgs, write_reports};
use crate::report::model::{MutantRow, MutantsReport, Selection, TargetInfo};
use crate::report::{self, RunFacts, millis};
use crate::server::fake::{Kind, Profile, profiles};

/// `mxconform mutants`.
pub(super) fn mutants(args: &MutantsArgs) -> Exit {
    let chosen: Vec<Profile> = profiles()
        .iter()
        .filter(|p| args.filter.as_deref().is_none_or(|f| p.name.contains(f)))
        .copied()
        .collect();
    if args.list {
        for profile in &chosen {
            println!("{}", describe(profile));
        }
        return Exit::Passed;
    }
    let loaded = match load_suite(&args.suite) {
        Ok(loaded) => loaded,
        Err(err) => {
            print_load_errors(&[err]);
            return Exit::BadInput;
        }
    };
    if !loaded.catalogue.errors.is_empty() {
        print_load_errors(&loaded.catalogue.errors);
        return Exit::BadInput;
    }
    if chosen.is_empty() {
        eprintln!(
            "error: no fault profile or variant matches the filter; `mxconform mutants --list` lists them"
        );
        return Exit::BadInput;
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return Exit::Unreachable;
        }
    };
    let catalogue = &loaded.catalogue;
    let started = jiff::Timestamp::now();
    let built = runtime.block_on(matrix(
        &catalogue.cases,
        &catalogue.registry,
        loaded.snapshots.clone(),
        &chosen,
    ));
    match built {
        Ok(matrix) => {
            print!("{}", render(&matrix, args.filter.is_none()));
            if let Some(path) = &args.json {
                let mut report = report::build(
                    RunFacts {
                        target: TargetInfo {
                            spec: "fake".into(),
                            url: String::new(),
                            server: None,
                            advertised_versions: Vec::new(),
                            peer: None,
                        },
                        started: started.to_string(),
                        duration: matrix.elapsed,
                        selection: Selection {
                            suite_cases: catalogue.cases.len(),
                            ..Selection::default()
                        },
                        cost: None,
                    },
                    &catalogue.registry,
                    &catalogue.cases,
                    &matrix.baseline,
                );
                report.mutants = Some(matrix_report(&matrix));
                let reports = ReportArgs {
                    json: Some(path.clone()),
                    ..ReportArgs::default()
                };
                match write_reports(&report, &reports) {
                    Ok(_) => println!("json report written to {}", path.display()),
                    Err(message) => {
                        eprintln!("error: {message}");
                        return Exit::BadInput;
                    }
                }
            }
            if matrix.is_clean() || (args.filter.is_some() && matrix.rows_clean()) {
                Exit::Passed
            } else {
                Exit::Failed
            }
        }
        Err(err) => {
            eprintln!("error: {err}");
            Exit::Unreachable
        }
    }
}

/// One profile as `--list` prints it.
fn describe(profile: &Profile) -> String {
    let kind = match profile.kind {
        Kind::Fault { claim } => format!("fault    breaks {claim}"),
        Kind::Variant => "variant  conformant".to_string(),
    };
    format!("{:<36} {kind}\n    {}", profile.name, profile.description)
}

/// The matrix as text: one row per profile, its finding and the marks it left, then the score.
pub(super) fn render(matrix: &Matrix, whole: bool) -> String {
    let mut out = String::new();
    for row in &matrix.rows {
        let _ = writeln!(out, "{}", headline(row));
        let shown = match row.finding {
            Finding::Caught | Finding::Collateral | Finding::WronglyFailed => row.marks.len(),
            Finding::Survived | Finding::Passed => row.marks.len().min(5),
        };
        for mark in row.marks.iter().take(shown) {
            let claim = mark.claim.as_deref().unwrap_or("no claim");
            let _ = writeln!(
                out,
                "    {} {} [{claim}]: {}",
                mark.outcome, mark.case_id, mark.headline
            );
        }
    }
    let (caught, faults) = matrix.fault_score();
    let (passed, variants) = matrix.variant_score();
    for claim in &matrix.unguarded {
        let _ = writeln!(
            out,
            "unguarded: {claim} (no caught fault profile breaks it)"
        );
    }
    for claim in &matrix.beyond_the_fake {
        let _ = writeln!(
            out,
            "beyond the fake: {claim} (only cases with a federation peer check it: runs against real servers judge it, and its notes say how a server could break it)"
        );
    }
    let _ = write!(
        out,
        "\nfaults caught {caught}/{faults}, variants passed {passed}/{variants} (the conformant fake included)"
    );
    if whole {
        let _ = write!(
            out,
            ", unguarded MUST/SHOULD server claims {}",
            matrix.unguarded.len()
        );
    }
    let _ = writeln!(out, "; {:.1}s", matrix.elapsed.as_secs_f64());
    out
}

fn headline(row: &Row) -> String {
    let (kind, claim) = kind_and_claim(row);
    let finding = match row.finding {
        Finding::Caught => "caught",
        Finding::Collateral => "CAUGHT WITH COLLATERAL",
        Finding::Survived => "SURVIVED",
        Finding::Passed => "passed",
        Finding::WronglyFailed => "WRONGLY FAILED",
    };
    let what = claim.unwrap_or("conformant");
    format!("{kind:<8} {:<36} {what:<46} {finding}", row.name())
}

/// The row's kind (`fault`, `variant`, `baseline`) and, for a fault, the claim it breaks.
fn kind_and_claim(row: &Row) -> (&'static str, Option<&'static str>) {
    match row.profile.map(|p| p.kind) {
        Some(Kind::Fault { claim }) => ("fault", Some(claim)),
        Some(Kind::Variant) => ("variant", None),
        None => ("baseline", None),
    }
}

/// The matrix as the report model keeps it.
fn matrix_report(matrix: &Matrix) -> MutantsReport {
    MutantsReport {
        rows: matrix
            .rows
            .iter()
            .map(|row| {
                let (kind, claim) = kind_and_claim(row);
                MutantRow {
                    profile: row.name().to_string(),
                    kind: kind.to_string(),
                    claim: claim.map(str::to_string),
                    finding: match row.finding {
                        Finding::Caught => "caught",
                        Finding::Collateral => "collateral",
                        Finding::Survived => "survived",
                        Finding::Passed => "passed",
                        Finding::WronglyFailed => "wrongly failed",
                    }
                    .to_string(),
                    marks: row
                        .marks
                        .iter()
                        .map(|m| {
                            let claim = m.claim.as_deref().unwrap_or("no claim");
                            format!("{}: {} {claim}: {}", m.case_id, m.outcome, m.headline)
                        })
                        .collect(),
                }
            })
            .collect(),
        unguarded: matrix.unguarded.clone(),
        beyond_the_fake: matrix.beyond_the_fake.clone(),
        duration_ms: millis(matrix.elapsed),
    }
}
