//! One run pipeline for the command line and `cargo test`: load the suite, select cases, bring the
//! target up, run the cases, judge them, build and write the reports, and decide the exit code.

pub mod cost;
pub mod exit;
pub mod harness;
pub mod notes;
pub mod options;
mod progress;
pub mod select;
pub mod suite;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use libtest_mimic::{Arguments, Failed, Trial};

pub use exit::{Exit, Judged, exit_code};
pub use options::{RegisterMode, ReportArgs, RunOptions, SelectArgs, SuiteArgs};
pub use suite::{Loaded, registration};

use crate::case::{Case, LoadError};
use crate::expectations::{self, Expectations};
use crate::report::model::{PeerInfo, ServerInfo, TargetInfo};
use crate::report::{self, Emitter, RunFacts, RunReport};
use crate::run::Session;
use crate::run::session::Excuse;
use crate::server::{PeerSpec, TargetSpec};
use crate::verdict::Verdict;
use cost::Meter;
use progress::Progress;
use suite::{load_suite, print_load_errors};

/// How the cases are carried out and shown.
pub enum Driver {
    /// The command line: a progress line on a terminal, a line per case otherwise.
    Console,
    /// libtest-mimic trials, as `cargo test` runs them.
    Libtest(Arguments),
}

/// A finished run.
pub struct Finished {
    /// The loaded suite.
    pub loaded: Loaded,
    /// The cases the selection chose.
    pub cases: Vec<Case>,
    /// One verdict per case that ran, sorted by id.
    pub verdicts: Vec<Verdict>,
    /// The report built from them.
    pub report: RunReport,
    /// The reports written, with their formats.
    pub written: Vec<(&'static str, PathBuf)>,
    /// The run's exit code.
    pub exit: Exit,
}

/// Runs the pipeline; `Err` carries the exit code of a run that could not start, after saying why
/// on standard error.
pub fn run(options: &RunOptions, driver: Driver) -> Result<Finished, Exit> {
    let registration = registration(options.register, options.shared_secret_file.as_deref())
        .map_err(|message| fail(&message, Exit::BadInput))?;
    let loaded = load_suite(&options.suite).map_err(|err| {
        print_load_errors(&[err]);
        Exit::BadInput
    })?;
    let (cases, selection) =
        select::select(&loaded.catalogue.cases, &options.select).map_err(|message| {
            print_load_errors(&loaded.catalogue.errors);
            fail(&message, Exit::BadInput)
        })?;
    let expected = match &options.expect {
        Some(path) => Some(Arc::new(load_expectations(path, &loaded.catalogue.cases)?)),
        None => None,
    };
    let peer = peer(options, &cases)?;
    let session = Session::start(
        &options.target,
        peer.as_ref(),
        registration,
        loaded.snapshots.clone(),
        options.time.bounds(),
    )
    .map_err(|err| {
        print_load_errors(&loaded.catalogue.errors);
        let exit = if loaded.catalogue.errors.is_empty() {
            Exit::Unreachable
        } else {
            Exit::BadInput
        };
        fail(&err.to_string(), exit)
    })?;
    match &options.target {
        TargetSpec::Url(_) => say(&format!("target: {}", options.target)),
        other => say(&format!("target: {other} ({})", session.target_url())),
    }
    if let (Some(spec), Some((url, name))) = (&peer, session.peer()) {
        say(&format!("peer: {spec} ({url}, server name {name})"));
    }
    let started = jiff::Timestamp::now();
    let clock = Instant::now();
    let meter = Meter::start(&session);
    let verdicts = match driver {
        Driver::Console => {
            let mut progress = Progress::new(cases.len());
            let verdicts =
                session.run_cases(&cases, options.test_threads, |v| progress.finished(v));
            progress.end();
            verdicts
        }
        Driver::Libtest(arguments) => {
            let mut trials = load_error_trials(&loaded.catalogue.errors);
            let excuse: Excuse = match &expected {
                Some(expected) => {
                    let expected = Arc::clone(expected);
                    Arc::new(move |verdict: &Verdict| {
                        let label = verdict.outcome.label();
                        expected
                            .is_excused(&verdict.case_id, label)
                            .then(|| format!("expected {label}"))
                    })
                }
                None => Arc::new(|_: &Verdict| None),
            };
            trials.extend(session.trials(&cases, excuse));
            let _conclusion = libtest_mimic::run(&arguments, trials);
            session.verdicts()
        }
    };
    let cost = meter.finish(&session);
    if let Some(reason) = session.stopped_answering() {
        say(&format!(
            "error: {reason}; the cases after it ended as errors without being sent"
        ));
    }
    if verdicts.iter().any(|v| v.outcome.is_failure()) {
        for (role, log) in session.keep_server_logs() {
            say(&format!("{role} server log kept at {}", log.display()));
        }
    }
    let facts = RunFacts {
        target: TargetInfo {
            spec: options.target.to_string(),
            url: session.target_url().to_string(),
            server: session.software().map(|(name, version)| ServerInfo {
                name: name.clone(),
                version: version.clone(),
            }),
            advertised_versions: session.advertised_versions(),
            peer: peer
                .as_ref()
                .zip(session.peer())
                .map(|(spec, (url, name))| PeerInfo {
                    spec: spec.to_string(),
                    url: url.to_string(),
                    server_name: name.to_string(),
                }),
        },
        started: started.to_string(),
        duration: clock.elapsed(),
        selection,
        cost: Some(cost),
    };
    let catalogue = &loaded.catalogue;
    let mut report = report::build(facts, &catalogue.registry, &catalogue.cases, &verdicts);
    let unexpected_passes = match &expected {
        Some(expected) => expected.apply(&mut report).unexpected_passes.len(),
        None => 0,
    };
    if options.allow_unexpected_pass {
        for case in &mut report.cases {
            if let Some(entry) = case.expected.as_mut().filter(|e| !e.met) {
                entry.allowed = matches!(case.outcome, crate::verdict::Outcome::Pass);
            }
        }
    }
    let judged = Judged {
        load_errors: !catalogue.errors.is_empty(),
        unexpected_passes: if options.allow_unexpected_pass {
            0
        } else {
            unexpected_passes
        },
    };
    let mut exit = exit_code(&verdicts, judged, |v| {
        expected
            .as_ref()
            .is_some_and(|e| e.is_excused(&v.case_id, v.outcome.label()))
    });
    let written = match write_reports(&report, &options.reports) {
        Ok(written) => written,
        Err(message) => {
            eprintln!("error: {message}");
            exit = Exit::BadInput;
            Vec::new()
        }
    };
    Ok(Finished {
        loaded,
        cases,
        verdicts,
        report,
        written,
        exit,
    })
}

/// The federation peer of the run: the one named, else the one the target implies for the selected
/// cases. A peer for the built-in fake is refused: it does not federate.
fn peer(options: &RunOptions, cases: &[Case]) -> Result<Option<PeerSpec>, Exit> {
    if let (TargetSpec::Fake(_), Some(_)) = (&options.target, &options.peer) {
        return Err(fail(
            "--peer needs a target that federates: the built-in fake does not; use `--target synapse` or a homeserver's URL",
            Exit::BadInput,
        ));
    }
    let needs_peer = cases.iter().any(Case::needs_peer);
    Ok(options
        .peer
        .clone()
        .or_else(|| options.target.implied_peer(needs_peer)))
}

/// Loads an expectations file and checks that every case it names is in the suite.
fn load_expectations(path: &Path, cases: &[Case]) -> Result<Expectations, Exit> {
    let expected =
        expectations::load(path).map_err(|err| fail(&err.to_string(), Exit::BadInput))?;
    let known: Vec<&str> = cases.iter().map(|c| c.id.as_str()).collect();
    let unknown = expected.unknown_cases(&known);
    if unknown.is_empty() {
        Ok(expected)
    } else {
        for err in &unknown {
            eprintln!("error: {err}");
        }
        Err(Exit::BadInput)
    }
}

/// Writes every report `args` asks for, each one it can; `Err` names those it could not write.
pub fn write_reports(
    report: &RunReport,
    args: &ReportArgs,
) -> Result<Vec<(&'static str, PathBuf)>, String> {
    let asked: [(&Option<PathBuf>, &dyn Emitter); 4] = [
        (&args.junit, &report::Junit),
        (&args.json, &report::Json),
        (&args.markdown, &report::Markdown),
        (&args.html, &report::Html),
    ];
    let mut written = Vec::new();
    let mut errors = Vec::new();
    for (path, emitter) in asked {
        let Some(path) = path else { continue };
        let format = emitter.format();
        match emitter.render(report) {
            Ok(text) => match write_file(path, &text) {
                Ok(()) => written.push((format, path.clone())),
                Err(e) => errors.push(format!(
                    "cannot write the {format} report {}: {e}",
                    path.display()
                )),
            },
            Err(e) => errors.push(format!("cannot render the {format} report: {e}")),
        }
    }
    if errors.is_empty() {
        Ok(written)
    } else {
        for (format, path) in &written {
            say(&format!("{format} report written to {}", path.display()));
        }
        Err(errors.join("\nerror: "))
    }
}

/// Writes `text` to `path`, creating its directory.
pub fn write_file(path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, text)
}

/// A failing trial per file that did not load, so a test run names it.
fn load_error_trials(errors: &[LoadError]) -> Vec<Trial> {
    errors
        .iter()
        .map(|err| {
            let message = err.to_string();
            let name = err
                .position()
                .map_or_else(|| message.clone(), |p| p.file.display().to_string());
            Trial::test(format!("load::{name}"), move || Err(Failed::from(message)))
        })
        .collect()
}

/// Prints `message` as an error and returns `exit`.
fn fail(message: &str, exit: Exit) -> Exit {
    eprintln!("error: {message}");
    exit
}

/// Prints a line to standard output; a closed output is not an error worth stopping for.
fn say(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stdout().lock(), "{line}");
}
