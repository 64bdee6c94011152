//! Every case in `cases/` as one libtest-mimic trial, through the run pipeline the command line
//! uses: against the built-in fake, or against what `MXCONFORM_TARGET` names (with the same
//! `MXCONFORM_*` options as `mxconform run`).

use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    mxconform::pipeline::harness::test_main(Path::new(env!("CARGO_MANIFEST_DIR")), |_| {})
}
