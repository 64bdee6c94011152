//! `mxconform mutants`: the suite against every fault profile and conformant variant of the fake,
//! printed as a matrix.

use std::fmt::Write;

use super::{Exit, MutantsArgs};
use crate::mutants::{Finding, Matrix, Row, matrix};
use crate::pipeline::suite::{load_suite, print_load_errors};
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
    let built = runtime.block_on(matrix(
        &catalogue.cases,
        &catalogue.registry,
        loaded.snapshots.clone(),
        &chosen,
    ));
    match built {
        Ok(matrix) => {
            print!("{}", render(&matrix, args.filter.is_none()));
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
    let (kind, what) = match row.profile.map(|p| p.kind) {
        Some(Kind::Fault { claim }) => ("fault", claim.to_string()),
        Some(Kind::Variant) => ("variant", "conformant".to_string()),
        None => ("baseline", "conformant".to_string()),
    };
    let finding = match row.finding {
        Finding::Caught => "caught",
        Finding::Collateral => "CAUGHT WITH COLLATERAL",
        Finding::Survived => "SURVIVED",
        Finding::Passed => "passed",
        Finding::WronglyFailed => "WRONGLY FAILED",
    };
    format!("{kind:<8} {:<36} {what:<46} {finding}", row.name())
}
