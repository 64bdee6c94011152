//! `mxconform claims`: the registry with its coverage, and with `--run` each claim's verdict.

use super::run::summary;
use super::{ClaimsArgs, Exit};
use crate::pipeline::suite::{load_suite, print_load_errors};
use crate::pipeline::{Driver, run};
use crate::report;

/// `mxconform claims`.
pub(super) fn claims(args: &ClaimsArgs) -> Exit {
    if args.run {
        let finished = match run(&args.run_args.options, Driver::Console) {
            Ok(finished) => finished,
            Err(exit) => return exit,
        };
        let catalogue = &finished.loaded.catalogue;
        print!(
            "{}",
            report::claims_table(
                &catalogue.registry,
                &catalogue.cases,
                Some(&finished.verdicts)
            )
        );
        summary(&finished);
        return finished.exit;
    }
    match load_suite(&args.run_args.options.suite) {
        Ok(loaded) => {
            let registry = &loaded.catalogue.registry;
            if args.gaps {
                print!("{}", report::spec_gaps(registry));
            } else {
                print!(
                    "{}",
                    report::claims_table(registry, &loaded.catalogue.cases, None)
                );
            }
            print_load_errors(&loaded.catalogue.errors);
            if loaded.catalogue.errors.is_empty() {
                Exit::Passed
            } else {
                Exit::BadInput
            }
        }
        Err(err) => {
            print_load_errors(&[err]);
            Exit::BadInput
        }
    }
}
