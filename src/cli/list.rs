//! `mxconform list`: every case with its level and claims.

use super::Exit;
use crate::pipeline::SuiteArgs;
use crate::pipeline::suite::{load_suite, print_load_errors};

/// `mxconform list`: every case with its level and claims.
pub(super) fn list(args: &SuiteArgs) -> Exit {
    let loaded = match load_suite(args) {
        Ok(loaded) => loaded,
        Err(err) => {
            print_load_errors(&[err]);
            return Exit::BadInput;
        }
    };
    for case in &loaded.catalogue.cases {
        let claims: Vec<&str> = case.claims.iter().map(|c| c.id.as_str()).collect();
        println!("{}  {}  {}", case.id, case.level(), claims.join(", "));
        println!("    {}", case.summary);
    }
    print_load_errors(&loaded.catalogue.errors);
    if loaded.catalogue.errors.is_empty() {
        Exit::Passed
    } else {
        Exit::BadInput
    }
}
