//! The command line: `mxconform run`, `mxconform list`, their options and exit codes.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use libtest_mimic::Arguments;

use crate::builtin::{self, Suite};
use crate::case::{Catalogue, LoadError, load, read_dir};
use crate::run::Session;
use crate::target::{Registration, SharedSecret, TargetSpec};
use crate::verdict::{Outcome, Tally};

/// Exit codes, documented in the README.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Every case passed.
    Passed = 0,
    /// At least one case failed.
    Failed = 1,
    /// A case file is bad, or the command line is.
    BadInput = 2,
    /// The target could not be reached, or users could not be provisioned.
    Unreachable = 3,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        ExitCode::from(exit as u8)
    }
}

/// Conformance harness for the Matrix client-server API's Direct Messaging module.
#[derive(Debug, Parser)]
#[command(name = "mxconform", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the cases against a homeserver.
    Run(RunArgs),
    /// Print the cases: id, requirement level and claim.
    List(SuiteArgs),
}

/// Where the cases come from.
#[derive(Debug, Args)]
struct SuiteArgs {
    /// A directory of case files to run instead of the built-in ones.
    #[arg(long, env = "MXCONFORM_CASES", value_name = "DIR")]
    cases: Option<PathBuf>,
    /// The snapshots of those cases [default: `snapshots` beside the cases directory].
    #[arg(long, env = "MXCONFORM_SNAPSHOTS", value_name = "DIR")]
    snapshots: Option<PathBuf>,
}

/// How users are created on the target.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RegisterMode {
    /// The client-server `/register` endpoint with `m.login.dummy`.
    Open,
    /// Synapse's shared-secret admin registration; the secret comes from `MXCONFORM_SHARED_SECRET` or a file.
    SharedSecret,
}

#[derive(Debug, Args)]
struct RunArgs {
    /// `fake` (the built-in homeserver), `synapse` or `synapse@X.Y.Z` (a managed Synapse), or a homeserver's base URL.
    #[arg(long, env = "MXCONFORM_TARGET", default_value = "fake")]
    target: TargetSpec,
    /// How to register the fresh users each case needs.
    #[arg(long, env = "MXCONFORM_REGISTER", value_enum, default_value = "open")]
    register: RegisterMode,
    /// A file holding the registration shared secret (never pass the secret itself on the command line).
    #[arg(long, env = "MXCONFORM_SHARED_SECRET_FILE", value_name = "PATH")]
    shared_secret_file: Option<PathBuf>,
    /// How many cases run at once.
    #[arg(long, env = "MXCONFORM_TEST_THREADS", default_value_t = 8)]
    test_threads: usize,
    /// Match FILTER against whole case ids rather than substrings.
    #[arg(long, env = "MXCONFORM_EXACT")]
    exact: bool,
    #[command(flatten)]
    suite: SuiteArgs,
    /// Run only the cases whose id contains this text.
    #[arg(env = "MXCONFORM_FILTER")]
    filter: Option<String>,
}

/// Parses the command line and runs the command.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return if err.use_stderr() {
                Exit::BadInput.into()
            } else {
                Exit::Passed.into()
            };
        }
    };
    match cli.command {
        Command::Run(args) => run(args).into(),
        Command::List(args) => list(args).into(),
    }
}

/// The suite's cases and snapshots directory, with the load errors of bad files.
struct Loaded {
    catalogue: Catalogue,
    snapshots: PathBuf,
    _extracted: Option<tempfile::TempDir>,
}

fn load_suite(args: &SuiteArgs) -> Result<Loaded, LoadError> {
    let suite = match &args.cases {
        Some(dir) => Suite::directory(dir.clone(), args.snapshots.clone()),
        None => Suite::default_suite(),
    };
    match suite {
        Suite::Directory { cases, snapshots } => {
            let sources = read_dir(&cases)?;
            Ok(Loaded {
                catalogue: load(&sources),
                snapshots,
                _extracted: None,
            })
        }
        Suite::Builtin => {
            let unreadable = |e: std::io::Error| LoadError::Unreadable {
                file: "built-in snapshots".into(),
                reason: e.to_string(),
            };
            let dir = tempfile::tempdir().map_err(unreadable)?;
            builtin::write_snapshots(dir.path()).map_err(unreadable)?;
            let snapshots = dir.path().to_path_buf();
            Ok(Loaded {
                catalogue: load(&builtin::sources()),
                snapshots,
                _extracted: Some(dir),
            })
        }
    }
}

fn print_load_errors(errors: &[LoadError]) {
    for err in errors {
        eprintln!("error: {err}");
    }
}

fn list(args: SuiteArgs) -> Exit {
    let loaded = match load_suite(&args) {
        Ok(loaded) => loaded,
        Err(err) => {
            print_load_errors(&[err]);
            return Exit::BadInput;
        }
    };
    for case in &loaded.catalogue.cases {
        println!("{}  {}  {}", case.id, case.claim.level, case.claim.section);
        println!("    {}", case.claim.quote);
    }
    print_load_errors(&loaded.catalogue.errors);
    if loaded.catalogue.errors.is_empty() {
        Exit::Passed
    } else {
        Exit::BadInput
    }
}

/// The registration method, with the shared secret read from a file or `MXCONFORM_SHARED_SECRET`.
pub fn registration(
    mode: RegisterMode,
    secret_file: Option<&Path>,
) -> Result<Registration, String> {
    match mode {
        RegisterMode::Open => Ok(Registration::Open),
        RegisterMode::SharedSecret => {
            let secret = match secret_file {
                Some(path) => std::fs::read_to_string(path)
                    .map_err(|e| format!("cannot read the shared secret file {}: {e}", path.display()))?
                    .trim()
                    .to_string(),
                None => std::env::var("MXCONFORM_SHARED_SECRET").map_err(|_| {
                    "--register shared-secret needs the secret in MXCONFORM_SHARED_SECRET or a file named by --shared-secret-file".to_string()
                })?,
            };
            if secret.is_empty() {
                return Err("the registration shared secret is empty".into());
            }
            Ok(Registration::SharedSecret(SharedSecret::new(secret)))
        }
    }
}

fn run(args: RunArgs) -> Exit {
    let registration = match registration(args.register, args.shared_secret_file.as_deref()) {
        Ok(registration) => registration,
        Err(message) => {
            eprintln!("error: {message}");
            return Exit::BadInput;
        }
    };
    let loaded = match load_suite(&args.suite) {
        Ok(loaded) => loaded,
        Err(err) => {
            print_load_errors(&[err]);
            return Exit::BadInput;
        }
    };
    let session = match Session::start(&args.target, registration, loaded.snapshots.clone()) {
        Ok(session) => session,
        Err(err) => {
            print_load_errors(&loaded.catalogue.errors);
            eprintln!("error: {err}");
            return Exit::Unreachable;
        }
    };
    println!("target: {} ({})", args.target, session.target_url());
    let arguments = Arguments {
        filter: args.filter.clone(),
        exact: args.exact,
        test_threads: Some(args.test_threads.max(1)),
        ..Arguments::default()
    };
    let _conclusion = libtest_mimic::run(&arguments, session.trials(&loaded.catalogue.cases));
    let verdicts = session.verdicts();
    print_load_errors(&loaded.catalogue.errors);
    let tally = Tally::of(&verdicts);
    if tally.failed + tally.errors > 0
        && let Some(log) = session.keep_server_log()
    {
        println!("server log kept at {}", log.display());
    }
    if !loaded.catalogue.errors.is_empty() {
        println!(
            "{} case files could not be loaded",
            loaded.catalogue.errors.len()
        );
    }
    println!("{tally}");
    if !loaded.catalogue.errors.is_empty() {
        Exit::BadInput
    } else if verdicts
        .iter()
        .any(|v| matches!(v.outcome, Outcome::Error(_)))
    {
        Exit::Unreachable
    } else if tally.failed > 0 {
        Exit::Failed
    } else {
        Exit::Passed
    }
}
