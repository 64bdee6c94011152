//! The command line: `mxconform run`, `list` and `claims`, their options and exit codes.

mod claims;
mod list;
mod mutants;
mod run;

use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::server::TargetSpec;

pub use crate::pipeline::{Exit, RegisterMode, RunOptions, SuiteArgs, registration};

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

#[derive(Debug, Args)]
struct RunArgs {
    #[command(flatten)]
    options: RunOptions,
}

#[derive(Debug, Args)]
struct MutantsArgs {
    /// List the profiles (name, kind, the claim a fault breaks, what it does) without running.
    #[arg(long)]
    list: bool,
    #[command(flatten)]
    suite: SuiteArgs,
    /// Write the JSON report (the conformant fake's run, with the matrix) here.
    #[arg(long, value_name = "PATH")]
    json: Option<std::path::PathBuf>,
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
        Command::Run(args) => matches!(args.options.target, TargetSpec::Synapse { .. }),
        Command::Claims(args) => {
            args.run && matches!(args.run_args.options.target, TargetSpec::Synapse { .. })
        }
        Command::List(_) | Command::Mutants(_) => false,
    };
    if !manages_a_server {
        end_quietly_on_closed_pipe();
    }
    match cli.command {
        Command::Run(args) => run::run(&args).into(),
        Command::List(args) => list::list(&args).into(),
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
