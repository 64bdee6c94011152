//! The command line: `mxconform run`, `list` and `claims`, their options and exit codes.

mod claims;
mod mutants;
mod run;
mod suite;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::server::TargetSpec;

pub use suite::registration;

/// Exit codes, documented in the README.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// No case failed or errored.
    Passed = 0,
    /// At least one case broke a MUST claim.
    Failed = 1,
    /// A case or claims file is bad, or the command line is.
    BadInput = 2,
    /// The target could not be reached or set up, or a case could not be carried out.
    Unreachable = 3,
    /// A step that sets a case up (and checks no claim) did not get the answer it needs.
    Blocked = 4,
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
    /// Print the cases: id, requirement level and claims.
    List(SuiteArgs),
    /// Run the suite against every fault profile and conformant variant of the built-in fake.
    Mutants(MutantsArgs),
    /// Print the claims registry with its coverage; with --run, also each claim's verdict; with --gaps, the spec gaps.
    Claims(ClaimsArgs),
}

/// Where the cases come from.
#[derive(Debug, Args)]
struct SuiteArgs {
    /// A directory of case files (with its claims.yaml) to use instead of the built-in ones.
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
    #[arg(long, env = "MXCONFORM_EXACT", value_parser = clap::builder::BoolishValueParser::new())]
    exact: bool,
    #[command(flatten)]
    suite: SuiteArgs,
    /// Run only the cases whose id contains this text.
    #[arg(env = "MXCONFORM_FILTER")]
    filter: Option<String>,
}

#[derive(Debug, Args)]
struct MutantsArgs {
    /// List the profiles (name, kind, the claim a fault breaks, what it does) without running.
    #[arg(long)]
    list: bool,
    #[command(flatten)]
    suite: SuiteArgs,
    /// Only the profiles whose name contains this text.
    filter: Option<String>,
}

#[derive(Debug, Args)]
struct ClaimsArgs {
    /// Run the cases first and show each claim's verdict.
    #[arg(long, conflicts_with = "gaps")]
    run: bool,
    /// List only the claims where the specification is silent, ambiguous or contradicts itself.
    #[arg(long)]
    gaps: bool,
    #[command(flatten)]
    run_args: RunArgs,
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
    let manages_a_server = match &cli.command {
        Command::Run(args) => matches!(args.target, TargetSpec::Synapse { .. }),
        Command::Claims(args) => {
            args.run && matches!(args.run_args.target, TargetSpec::Synapse { .. })
        }
        Command::List(_) | Command::Mutants(_) => false,
    };
    if !manages_a_server {
        end_quietly_on_closed_pipe();
    }
    match cli.command {
        Command::Run(args) => run::run(&args).into(),
        Command::List(args) => suite::list(&args).into(),
        Command::Claims(args) => claims::claims(&args).into(),
        Command::Mutants(args) => mutants::mutants(&args).into(),
    }
}

/// Lets a closed standard output (`mxconform list | head`) end the process quietly, as it ends other
/// Unix tools. Not for runs that manage a server: those must stop it first, which an unwinding
/// panic does and a signal would not.
fn end_quietly_on_closed_pipe() {
    use nix::sys::signal::{SigHandler, Signal, signal};
    // SAFETY: called before any other thread is started; restores the default disposition.
    let _ = unsafe { signal(Signal::SIGPIPE, SigHandler::SigDfl) };
}
