//! `mxconform run`: the pipeline on the console, then the failures, the outcome sections, the
//! summary line and where the reports went.

use super::{Exit, RunArgs};
use crate::pipeline::cost;
use crate::pipeline::notes::{NOTHING_JUDGED, expectations};
use crate::pipeline::suite::print_load_errors;
use crate::pipeline::{Driver, Finished, run as run_pipeline};
use crate::report;
use crate::verdict::{Tally, explain};

/// `mxconform run`.
pub(super) fn run(args: &RunArgs) -> Exit {
    let finished = match run_pipeline(&args.options, Driver::Console) {
        Ok(finished) => finished,
        Err(exit) => return exit,
    };
    print!("{}", failures(&finished));
    print!("{}", report::outcome_sections(&finished.verdicts));
    summary(&finished);
    finished.exit
}

/// Each case that failed, was blocked or erred, explained claim by claim.
pub(super) fn failures(finished: &Finished) -> String {
    let explained: Vec<String> = finished
        .verdicts
        .iter()
        .filter(|v| v.outcome.is_failure())
        .filter(|v| !met_expectation(finished, &v.case_id))
        .filter_map(|v| {
            let case = finished.cases.iter().find(|c| c.id == v.case_id)?;
            Some(format!("---- {} ----\n{}", v.case_id, explain(case, v)))
        })
        .collect();
    if explained.is_empty() {
        String::new()
    } else {
        format!("\nfailures:\n\n{}\n", explained.join("\n"))
    }
}

/// Whether the case's outcome is the one the expectations file expects.
fn met_expectation(finished: &Finished, case_id: &str) -> bool {
    finished
        .report
        .cases
        .iter()
        .any(|c| c.id == case_id && c.expected.as_ref().is_some_and(|e| e.met))
}

/// The load errors, the tally, the reports written and why a run judged nothing.
pub(super) fn summary(finished: &Finished) {
    print!("{}", expectations(finished));
    let errors = &finished.loaded.catalogue.errors;
    print_load_errors(errors);
    if !errors.is_empty() {
        println!("{} case or claims files could not be loaded", errors.len());
    }
    println!("{}", Tally::of(&finished.verdicts));
    if let Some(cost) = &finished.report.cost {
        println!("{}", cost::summary(cost, finished.verdicts.len()));
    }
    for (format, path) in &finished.written {
        println!("{format} report written to {}", path.display());
    }
    if finished.exit == Exit::NothingJudged {
        eprintln!("error: {NOTHING_JUDGED}");
    }
}
