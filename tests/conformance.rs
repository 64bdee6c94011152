//! Every case in `cases/` as one libtest-mimic trial: against the built-in fake, or against the
//! homeserver named by `MXCONFORM_TARGET` (with `MXCONFORM_REGISTER` and the shared-secret variables).

use std::path::Path;
use std::process::ExitCode;

use clap::ValueEnum;
use libtest_mimic::{Arguments, Failed, Trial};
use mxconform::case::{load, read_dir};
use mxconform::cli::{RegisterMode, registration};
use mxconform::run::Session;
use mxconform::target::TargetSpec;

fn main() -> ExitCode {
    let args = Arguments::from_args();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let catalogue = match read_dir(&root.join("cases")) {
        Ok(sources) => load(&sources),
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::from(2);
        }
    };
    // A case file that does not load is a failing trial of its own, so `cargo test` names it.
    let mut trials: Vec<Trial> = catalogue
        .errors
        .iter()
        .map(|err| {
            let message = err.to_string();
            Trial::test(
                format!(
                    "load::{}",
                    err.position()
                        .map_or(message.clone(), |p| p.file.display().to_string())
                ),
                move || Err(Failed::from(message)),
            )
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
    let registration = match registration(mode, secret_file.as_deref().map(Path::new)) {
        Ok(registration) => registration,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let session = match Session::start(&target, registration, root.join("snapshots")) {
        Ok(session) => session,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::from(3);
        }
    };
    trials.extend(session.trials(&catalogue.cases));
    libtest_mimic::run(&args, trials).exit_code()
}
