//! The options of a run, shared by `mxconform run`, `mxconform claims --run` and `cargo test`
//! (which reads them from the environment).

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, ValueEnum};

use crate::case::Level;
use crate::run::bounds::Bounds;
use crate::server::Limits;
use crate::server::{PeerSpec, TargetSpec};

/// Where the cases come from.
#[derive(Debug, Clone, Default, Args)]
pub struct SuiteArgs {
    /// A directory of case files (with its claims.yaml) to use instead of the built-in ones.
    #[arg(long, env = "MXCONFORM_CASES", value_name = "DIR")]
    pub cases: Option<PathBuf>,
    /// The snapshots of those cases [default: `snapshots` beside the cases directory].
    #[arg(long, env = "MXCONFORM_SNAPSHOTS", value_name = "DIR")]
    pub snapshots: Option<PathBuf>,
}

/// How users are created on the target.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RegisterMode {
    /// The client-server `/register` endpoint with `m.login.dummy`.
    Open,
    /// Synapse's shared-secret admin registration; the secret comes from `MXCONFORM_SHARED_SECRET` or a file.
    SharedSecret,
}

/// A requirement level as the command line spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LevelArg {
    /// MUST claims.
    Must,
    /// SHOULD claims.
    Should,
    /// MAY claims.
    May,
    /// INFO claims.
    Info,
}

impl From<LevelArg> for Level {
    fn from(level: LevelArg) -> Level {
        match level {
            LevelArg::Must => Level::Must,
            LevelArg::Should => Level::Should,
            LevelArg::May => Level::May,
            LevelArg::Info => Level::Info,
        }
    }
}

/// Which cases run.
#[derive(Debug, Clone, Default, Args)]
pub struct SelectArgs {
    /// Only the cases whose id matches this glob (`dm.*`); repeat to add more.
    #[arg(
        long = "id",
        env = "MXCONFORM_ID",
        value_delimiter = ',',
        value_name = "GLOB"
    )]
    pub ids: Vec<String>,
    /// Only the cases with this tag; repeat to add more.
    #[arg(
        long = "tag",
        env = "MXCONFORM_TAG",
        value_delimiter = ',',
        value_name = "TAG"
    )]
    pub tags: Vec<String>,
    /// Only the cases that check a claim whose id matches this glob; repeat to add more.
    #[arg(
        long = "claim",
        env = "MXCONFORM_CLAIM",
        value_delimiter = ',',
        value_name = "GLOB"
    )]
    pub claims: Vec<String>,
    /// Only the cases that check a claim of this level; repeat to add more.
    #[arg(
        long = "level",
        env = "MXCONFORM_LEVEL",
        value_enum,
        value_delimiter = ',',
        value_name = "LEVEL"
    )]
    pub levels: Vec<LevelArg>,
    /// Run shard K of N (`2/4`): the cases split deterministically by id, the shards disjoint.
    #[arg(long, env = "MXCONFORM_PARTITION", value_name = "K/N")]
    pub partition: Option<String>,
    /// Match FILTER against whole case ids rather than substrings.
    #[arg(long, env = "MXCONFORM_EXACT", value_parser = clap::builder::BoolishValueParser::new())]
    pub exact: bool,
    /// Run only the cases whose id contains this text.
    #[arg(env = "MXCONFORM_FILTER")]
    pub filter: Option<String>,
}

/// Where the reports of a run are written.
#[derive(Debug, Clone, Default, Args)]
pub struct ReportArgs {
    /// Write a JUnit XML report here.
    #[arg(long, env = "MXCONFORM_JUNIT", value_name = "PATH")]
    pub junit: Option<PathBuf>,
    /// Write the JSON report (versioned, with a JSON Schema: `mxconform schema`) here.
    #[arg(long, env = "MXCONFORM_JSON", value_name = "PATH")]
    pub json: Option<PathBuf>,
    /// Write a Markdown summary (for a CI job summary) here.
    #[arg(long, env = "MXCONFORM_MARKDOWN", value_name = "PATH")]
    pub markdown: Option<PathBuf>,
    /// Write a self-contained HTML report here.
    #[arg(long, env = "MXCONFORM_HTML", value_name = "PATH")]
    pub html: Option<PathBuf>,
}

/// How long requests, cases and the run may take.
#[derive(Debug, Clone, Args)]
pub struct TimeArgs {
    /// The longest one request may take, connection and whole answer included (`/sync` long-polls ask for at most half of it).
    #[arg(long, env = "MXCONFORM_REQUEST_TIMEOUT", value_parser = duration, default_value = "10s")]
    pub request_timeout: Duration,
    /// The longest one case may take, its `/sync` waits included; a case that runs over is an error.
    #[arg(long, env = "MXCONFORM_CASE_TIMEOUT", value_parser = duration, default_value = "60s")]
    pub case_timeout: Duration,
    /// The longest the whole run may take; cases still running or waiting then end as errors.
    #[arg(long, env = "MXCONFORM_RUN_TIMEOUT", value_parser = duration, default_value = "30m")]
    pub run_timeout: Duration,
}

impl TimeArgs {
    /// The bounds these options set.
    pub fn bounds(&self) -> Bounds {
        Bounds {
            limits: Limits {
                request: self.request_timeout,
                ..Limits::default()
            },
            case: self.case_timeout,
            run: self.run_timeout,
        }
    }
}

/// A positive duration such as `10s`, `500ms` or `2m`.
fn duration(text: &str) -> Result<Duration, String> {
    match humantime::parse_duration(text) {
        Ok(d) if d.is_zero() => Err("expected a duration above zero".into()),
        Ok(d) => Ok(d),
        Err(e) => Err(format!("{e}; expected a duration such as 10s, 500ms or 2m")),
    }
}

/// Everything a run needs to know.
#[derive(Debug, Clone, Args)]
pub struct RunOptions {
    /// `fake` (the built-in homeserver), `fake:<profile>`, `synapse` or `synapse@X.Y.Z` (a managed Synapse), or a homeserver's base URL.
    #[arg(long, env = "MXCONFORM_TARGET", default_value = "fake")]
    pub target: TargetSpec,
    /// A managed Synapse (`synapse` or `synapse@X.Y.Z`) to start as the federation peer of a target given by URL; `--target synapse` starts one by itself when a selected case needs it.
    #[arg(long, env = "MXCONFORM_PEER", value_name = "SYNAPSE")]
    pub peer: Option<PeerSpec>,
    /// How to register the fresh users each case needs.
    #[arg(long, env = "MXCONFORM_REGISTER", value_enum, default_value = "open")]
    pub register: RegisterMode,
    /// A file holding the registration shared secret (never pass the secret itself on the command line).
    #[arg(long, env = "MXCONFORM_SHARED_SECRET_FILE", value_name = "PATH")]
    pub shared_secret_file: Option<PathBuf>,
    /// How many cases run at once.
    #[arg(long, env = "MXCONFORM_TEST_THREADS", default_value_t = 8, value_parser = at_least_one)]
    pub test_threads: usize,
    /// Outcomes expected of this server (YAML: case id → outcome and reason); expected ones do not fail the run.
    #[arg(long, env = "MXCONFORM_EXPECT", value_name = "FILE")]
    pub expect: Option<PathBuf>,
    /// With --expect: report a case expected to fail that passed, but do not fail the run for it.
    #[arg(long, env = "MXCONFORM_ALLOW_UNEXPECTED_PASS", value_parser = clap::builder::BoolishValueParser::new())]
    pub allow_unexpected_pass: bool,
    #[command(flatten)]
    pub time: TimeArgs,
    #[command(flatten)]
    pub suite: SuiteArgs,
    #[command(flatten)]
    pub select: SelectArgs,
    #[command(flatten)]
    pub reports: ReportArgs,
}

/// A count of one or more, such as `--test-threads`.
fn at_least_one(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(0) => Err("expected 1 or more".into()),
        Ok(count) => Ok(count),
        Err(_) => Err(format!(
            "expected a whole number of 1 or more, found `{text}`"
        )),
    }
}

/// The options alone, for reading them from the environment.
#[derive(Debug, Parser)]
#[command(name = "mxconform")]
struct FromEnv {
    #[command(flatten)]
    options: RunOptions,
}

impl RunOptions {
    /// The options as the `MXCONFORM_*` environment variables set them, defaults elsewhere.
    pub fn from_env() -> Result<RunOptions, String> {
        FromEnv::try_parse_from(["mxconform"])
            .map(|parsed| parsed.options)
            .map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    // The defaults the command line documents are the bounds the library runs with by default.
    #[test]
    fn time_defaults_are_the_default_bounds() {
        let command = FromEnv::command();
        let default = |id: &str| {
            let arg = command
                .get_arguments()
                .find(|arg| arg.get_id() == id)
                .unwrap_or_else(|| panic!("an argument {id}"));
            let text = arg.get_default_values()[0].to_string_lossy().into_owned();
            duration(&text).expect("a duration")
        };
        let bounds = Bounds::default();
        assert_eq!(default("request_timeout"), bounds.limits.request);
        assert_eq!(default("case_timeout"), bounds.case);
        assert_eq!(default("run_timeout"), bounds.run);
    }
}
