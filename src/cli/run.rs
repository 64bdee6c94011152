//! `mxconform run`: the cases as libtest-mimic trials, then the outcome sections and the summary line.

use libtest_mimic::Arguments;

use super::suite::{Loaded, load_suite, print_load_errors, registration};
use super::{Exit, RunArgs};
use crate::report;
use crate::run::Session;
use crate::server::TargetSpec;
use crate::verdict::{Outcome, Tally, Verdict};

/// What a run produced, for the commands that report on it.
pub(super) struct Ran {
    /// The loaded suite.
    pub loaded: Loaded,
    /// One verdict per case that ran, sorted by case id.
    pub verdicts: Vec<Verdict>,
}

/// Loads the suite and runs it; `Err` carries the exit code of a run that could not start.
pub(super) fn execute(args: &RunArgs) -> Result<Ran, Exit> {
    let registration =
        registration(args.register, args.shared_secret_file.as_deref()).map_err(|message| {
            eprintln!("error: {message}");
            Exit::BadInput
        })?;
    let loaded = load_suite(&args.suite).map_err(|err| {
        print_load_errors(&[err]);
        Exit::BadInput
    })?;
    let session =
        Session::start(&args.target, registration, loaded.snapshots.clone()).map_err(|err| {
            print_load_errors(&loaded.catalogue.errors);
            eprintln!("error: {err}");
            if loaded.catalogue.errors.is_empty() {
                Exit::Unreachable
            } else {
                Exit::BadInput
            }
        })?;
    match &args.target {
        TargetSpec::Url(_) => println!("target: {}", args.target),
        other => println!("target: {other} ({})", session.target_url()),
    }
    let arguments = Arguments {
        filter: args.filter.clone(),
        exact: args.exact,
        test_threads: Some(args.test_threads.max(1)),
        ..Arguments::default()
    };
    let _conclusion = libtest_mimic::run(&arguments, session.trials(&loaded.catalogue.cases));
    let verdicts = session.verdicts();
    if verdicts.iter().any(|v| v.outcome.is_failure())
        && let Some(log) = session.keep_server_log()
    {
        println!("server log kept at {}", log.display());
    }
    Ok(Ran { loaded, verdicts })
}

/// The exit code of a finished run: bad files first, then errors, then blocked cases, then failures.
pub(super) fn exit_code(ran: &Ran) -> Exit {
    if !ran.loaded.catalogue.errors.is_empty() {
        Exit::BadInput
    } else if ran
        .verdicts
        .iter()
        .any(|v| matches!(v.outcome, Outcome::Error(_)))
    {
        Exit::Unreachable
    } else if ran
        .verdicts
        .iter()
        .any(|v| matches!(v.outcome, Outcome::Blocked(_)))
    {
        Exit::Blocked
    } else if ran
        .verdicts
        .iter()
        .any(|v| matches!(v.outcome, Outcome::Fail(_)))
    {
        Exit::Failed
    } else {
        Exit::Passed
    }
}

/// `mxconform run`.
pub(super) fn run(args: &RunArgs) -> Exit {
    let ran = match execute(args) {
        Ok(ran) => ran,
        Err(exit) => return exit,
    };
    print!("{}", report::outcome_sections(&ran.verdicts));
    print_load_errors(&ran.loaded.catalogue.errors);
    if !ran.loaded.catalogue.errors.is_empty() {
        println!(
            "{} case or claims files could not be loaded",
            ran.loaded.catalogue.errors.len()
        );
    }
    println!("{}", Tally::of(&ran.verdicts));
    exit_code(&ran)
}
