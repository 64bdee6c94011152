//! The `cargo test` entry point: the run pipeline with libtest-mimic trials, its options read from
//! the same `MXCONFORM_*` environment variables the command line reads.

use std::path::Path;
use std::process::ExitCode;

use libtest_mimic::{Arguments, Trial};

use super::select::select;
use super::{Driver, Exit, RunOptions, cost, notes, run};
use crate::case::load_dir;

/// Runs the cases of `root/cases` (unless `MXCONFORM_CASES` names others) as trials, with the
/// options the environment sets, then changed by `configure`.
///
/// `--list` lists the trials without reaching the target. When libtest's own filter leaves no case
/// to run, the exit code is libtest's.
pub fn test_main(root: &Path, configure: impl FnOnce(&mut RunOptions)) -> ExitCode {
    let arguments = Arguments::from_args();
    let mut options = match RunOptions::from_env() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("error: {message}");
            return Exit::BadInput.into();
        }
    };
    configure(&mut options);
    if options.suite.cases.is_none() {
        options.suite.cases = Some(root.join("cases"));
        options.suite.snapshots = options
            .suite
            .snapshots
            .or_else(|| Some(root.join("snapshots")));
    }
    if arguments.list {
        return list(&options, &arguments);
    }
    match run(&options, Driver::Libtest(arguments)) {
        Ok(finished) if finished.verdicts.is_empty() && finished.exit != Exit::BadInput => {
            ExitCode::SUCCESS
        }
        Ok(finished) => {
            eprint!("{}", notes::expectations(&finished));
            if let Some(cost) = &finished.report.cost {
                eprintln!("{}", cost::summary(cost, finished.verdicts.len()));
            }
            for (format, path) in &finished.written {
                eprintln!("{format} report written to {}", path.display());
            }
            if finished.exit == Exit::NothingJudged {
                eprintln!("error: {}", notes::NOTHING_JUDGED);
            }
            finished.exit.into()
        }
        Err(exit) => exit.into(),
    }
}

/// Lists the trials of the selected cases without reaching the target.
fn list(options: &RunOptions, arguments: &Arguments) -> ExitCode {
    let Some(dir) = &options.suite.cases else {
        return Exit::BadInput.into();
    };
    let selected = load_dir(dir)
        .map_err(|err| err.to_string())
        .and_then(|catalogue| select(&catalogue.cases, &options.select));
    match selected {
        Ok((cases, _)) => {
            let trials = cases
                .iter()
                .map(|case| Trial::test(case.id.clone(), || Ok(())))
                .collect();
            libtest_mimic::run(arguments, trials).exit_code()
        }
        Err(message) => {
            eprintln!("error: {message}");
            Exit::BadInput.into()
        }
    }
}
