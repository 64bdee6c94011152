//! The command line: `mxconform run`, `list` and `claims`, their options and exit codes.

mod claims;
mod list;
mod mutants;
mod reports;
mod run;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::server::TargetSpec;

pub use crate::pipeline::{Exit, RegisterMode, ReportArgs, RunOptions, SuiteArgs, registration};

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
    /// Lay the JSON reports of several runs side by side: a claims × runs matrix, disagreements first.
    Compare(CompareArgs),
    /// Join the JSON reports of the shards of one run (`--partition K/N`) into one report.
    Merge(MergeArgs),
    /// Write the expectations file a run implies, from its JSON report.
    Expectations(ExpectationsArgs),
    /// Print the JSON Schema of the JSON report.
    Schema,
}

#[derive(Debug, Args)]
struct CompareArgs {
    /// Write the comparison as Markdown here [default: standard output].
    #[arg(long, value_name = "PATH")]
    markdown: Option<PathBuf>,
    /// Write the comparison as one self-contained HTML page here.
    #[arg(long, value_name = "PATH")]
    html: Option<PathBuf>,
    /// The JSON reports, one per run (implementation or release).
    #[arg(required = true, value_name = "REPORT")]
    reports: Vec<PathBuf>,
}

#[derive(Debug, Args)]
struct MergeArgs {
    /// Write the merged JUnit XML report here.
    #[arg(long, value_name = "PATH")]
    junit: Option<PathBuf>,
    /// Write the merged JSON report here.
    #[arg(long, value_name = "PATH")]
    json: Option<PathBuf>,
    /// Write the merged Markdown summary here.
    #[arg(long, value_name = "PATH")]
    markdown: Option<PathBuf>,
    /// Write the merged HTML report here.
    #[arg(long, value_name = "PATH")]
    html: Option<PathBuf>,
    /// The JSON reports of the shards.
    #[arg(required = true, value_name = "REPORT")]
    reports: Vec<PathBuf>,
}

#[derive(Debug, Args)]
struct ExpectationsArgs {
    /// The JSON report of the run.
    #[arg(long, value_name = "REPORT")]
    from: PathBuf,
    /// Write the file here [default: standard output].
    #[arg(long, short, value_name = "PATH")]
    output: Option<PathBuf>,
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
    quiet_insta();
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
        _ => false,
    };
    if !manages_a_server {
        end_quietly_on_closed_pipe();
    }
    match cli.command {
        Command::Run(args) => run::run(&args).into(),
        Command::List(args) => list::list(&args).into(),
        Command::Claims(args) => claims::claims(&args).into(),
        Command::Mutants(args) => mutants::mutants(&args).into(),
        Command::Compare(args) => reports::compare(&args).into(),
        Command::Merge(args) => reports::merge(&args).into(),
        Command::Expectations(args) => reports::expectations(&args).into(),
        Command::Schema => reports::schema().into(),
    }
}

/// Keeps insta from printing its own snapshot summary: a mismatch or a missing snapshot is reported
/// with the case's failure, naming the file and how to record it. `INSTA_OUTPUT` set by the user wins.
fn quiet_insta() {
    if std::env::var_os("INSTA_OUTPUT").is_none() {
        // SAFETY: called first thing in `main`, before any other thread is started.
        unsafe { std::env::set_var("INSTA_OUTPUT", "none") };
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
