//! The `cargo test` entry point: every case of a directory as one libtest-mimic trial against one target.

use std::path::Path;
use std::process::ExitCode;

use libtest_mimic::{Arguments, Failed, Trial};

use super::Session;
use crate::case::load_dir;
use crate::server::{Registration, TargetSpec};

/// Runs the cases in `root/cases` against `target`, comparing with `root/snapshots`.
///
/// A case file that does not load becomes a failing trial of its own, so the test run names it.
/// `--list` lists the trials without reaching the target.
pub fn test_main(root: &Path, target: &TargetSpec, registration: Registration) -> ExitCode {
    let args = Arguments::from_args();
    let catalogue = match load_dir(&root.join("cases")) {
        Ok(catalogue) => catalogue,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::from(2);
        }
    };
    let mut trials: Vec<Trial> = catalogue
        .errors
        .iter()
        .map(|err| {
            let message = err.to_string();
            let name = err
                .position()
                .map_or_else(|| message.clone(), |p| p.file.display().to_string());
            Trial::test(format!("load::{name}"), move || Err(Failed::from(message)))
        })
        .collect();
    if args.list {
        trials.extend(
            catalogue
                .cases
                .iter()
                .map(|case| Trial::test(case.id.clone(), || Ok(()))),
        );
        return libtest_mimic::run(&args, trials).exit_code();
    }
    let session = match Session::start(target, registration, root.join("snapshots")) {
        Ok(session) => session,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::from(3);
        }
    };
    trials.extend(session.trials(&catalogue.cases));
    let conclusion = libtest_mimic::run(&args, trials);
    if conclusion.has_failed()
        && let Some(log) = session.keep_server_log()
    {
        eprintln!("server log kept at {}", log.display());
    }
    conclusion.exit_code()
}
