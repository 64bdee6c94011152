//! Every case in `cases/` as one libtest-mimic trial: against the built-in fake, or against the
//! homeserver named by `MXCONFORM_TARGET` (with `MXCONFORM_REGISTER` and the shared-secret variables).

use std::path::Path;
use std::process::ExitCode;

use clap::ValueEnum;
use mxconform::cli::{RegisterMode, registration};
use mxconform::run::harness::test_main;
use mxconform::server::TargetSpec;

fn main() -> ExitCode {
    let target: TargetSpec = match std::env::var("MXCONFORM_TARGET")
        .unwrap_or_else(|_| "fake".into())
        .parse()
    {
        Ok(target) => target,
        Err(message) => {
            eprintln!("error: MXCONFORM_TARGET: {message}");
            return ExitCode::from(2);
        }
    };
    let mode = std::env::var("MXCONFORM_REGISTER").unwrap_or_else(|_| "open".into());
    let Ok(mode) = RegisterMode::from_str(&mode, true) else {
        eprintln!("error: MXCONFORM_REGISTER must be `open` or `shared-secret`, found `{mode}`");
        return ExitCode::from(2);
    };
    let secret_file = std::env::var_os("MXCONFORM_SHARED_SECRET_FILE");
    match registration(mode, secret_file.as_deref().map(Path::new)) {
        Ok(registration) => test_main(Path::new(env!("CARGO_MANIFEST_DIR")), &target, registration),
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}
