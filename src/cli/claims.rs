//! `mxconform claims`: the registry with its coverage, and with `--run` each claim's verdict.

use super::run::{execute, exit_code};
use super::suite::{load_suite, print_load_errors};
use super::{ClaimsArgs, Exit};
use crate::report;
use crate::verdict::Tally;

/// `mxconform claims`.
pub(super) fn claims(args: &ClaimsArgs) -> Exit {
    if args.run {
        let ran = match execute(&args.run_args) {
            Ok(ran) => ran,
            Err(exit) => return exit,
        };
        let catalogue = &ran.loaded.catalogue;
        print!(
            "{}",
            report::claims_table(&catalogue.registry, &catalogue.cases, Some(&ran.verdicts))
        );
        print_load_errors(&catalogue.errors);
        println!("{}", Tally::of(&ran.verdicts));
        return exit_code(&ran);
    }
    match load_suite(&args.run_args.suite) {
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
