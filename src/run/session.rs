//! A run session: one tokio runtime, one HTTP client, one target, and a libtest-mimic trial per case.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use libtest_mimic::{Completion, Failed, Trial};
use tokio::runtime::Runtime;

use super::bounds::Bounds;
use super::case::{Run, run_case};
use super::suite::{prepare, run_all};
use crate::case::Case;
use crate::server::synapse::Stopper;
use crate::server::{Connected, PeerSpec, Registration, TargetError, TargetSpec};
use crate::snapshot::quiet_mismatch_panics;
use crate::verdict::{Failure, Outcome, Problem, Verdict, every_claim, explain};

/// The shared state of one run of the suite.
pub struct Session {
    runtime: Runtime,
    run: Arc<Run>,
    connected: Connected,
    software: Option<(String, String)>,
    verdicts: Arc<Mutex<Vec<Verdict>>>,
}

/// Says why a verdict that would fail its trial is expected of this server, if it is.
pub type Excuse = Arc<dyn Fn(&Verdict) -> Option<String> + Send + Sync>;

impl Session {
    /// Starts the runtime, brings up or reaches the target (and its federation `peer`, if any)
    /// within `bounds` and checks that it answers.
    pub fn start(
        target: &TargetSpec,
        peer: Option<&PeerSpec>,
        registration: Registration,
        snapshots: PathBuf,
        bounds: Bounds,
    ) -> Result<Session, TargetError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .map_err(|e| TargetError::Unreachable {
                url: target.to_string(),
                reason: format!("cannot start the async runtime: {e}"),
            })?;
        let (connected, run) =
            runtime.block_on(prepare(target, peer, registration, snapshots, bounds))?;
        let software = match target {
            TargetSpec::Fake(_) => {
                Some(("mxconform fake".into(), env!("CARGO_PKG_VERSION").into()))
            }
            _ => runtime.block_on(connected.homeserver.software()),
        };
        quiet_mismatch_panics();
        let stoppers: Vec<Stopper> = connected
            .managed()
            .into_iter()
            .map(|(_, synapse)| synapse.stopper())
            .collect();
        if !stoppers.is_empty() {
            runtime.spawn(stop_on_signal(stoppers));
        }
        let run = Arc::new(run);
        Ok(Session {
            runtime,
            run,
            connected,
            software,
            verdicts: Arc::default(),
        })
    }

    /// The server's name and version, where it says them.
    pub fn software(&self) -> Option<&(String, String)> {
        self.software.as_ref()
    }

    /// The specification versions the server advertises.
    pub fn advertised_versions(&self) -> Vec<String> {
        self.connected.versions["versions"]
            .as_array()
            .map(|list| {
                list.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Runs `cases`, `threads` at a time, showing each verdict to `finished` as it comes; returns
    /// the verdicts sorted by case id.
    pub fn run_cases(
        &self,
        cases: &[Case],
        threads: usize,
        finished: impl FnMut(&Verdict),
    ) -> Vec<Verdict> {
        let slots = Arc::new(tokio::sync::Semaphore::new(threads.max(1)));
        self.runtime
            .block_on(run_all(Arc::clone(&self.run), cases, slots, finished))
    }

    /// Why requests stopped being sent, when the target stopped answering during the run.
    pub fn stopped_answering(&self) -> Option<String> {
        self.connected.homeserver.breaker_open()
    }

    /// How many requests were sent to the target so far.
    pub fn requests_sent(&self) -> u64 {
        self.connected.homeserver.requests_sent()
    }

    /// The CPU time a managed server has used so far; `None` for other targets.
    pub fn server_cpu_time(&self) -> Option<std::time::Duration> {
        self.connected.synapse()?.cpu_time()
    }

    /// The base URL of the target.
    pub fn target_url(&self) -> &str {
        self.connected.homeserver.base()
    }

    /// The federation peer's base URL and server name, when the run has a peer.
    pub fn peer(&self) -> Option<(&str, &str)> {
        let peer = self.connected.peer.as_ref().ok()?;
        Some((peer.homeserver.base(), peer.synapse.server_name()))
    }

    /// One trial per case; each records its verdict in this session when it runs. A verdict
    /// `excuse` accepts does not fail its trial.
    pub fn trials(&self, cases: &[Case], excuse: Excuse) -> Vec<Trial> {
        cases
            .iter()
            .map(|case| {
                let case = case.clone();
                let run = Arc::clone(&self.run);
                let verdicts = Arc::clone(&self.verdicts);
                let handle = self.runtime.handle().clone();
                let excuse = Arc::clone(&excuse);
                let area = case.id.split('.').next().unwrap_or_default().to_string();
                Trial::ignorable_test(case.id.clone(), move || {
                    let ran =
                        catch_unwind(AssertUnwindSafe(|| handle.block_on(run_case(&run, &case))));
                    let verdict =
                        ran.unwrap_or_else(|panic| panicked(&case, panic_message(panic.as_ref())));
                    let result = match excuse(&verdict) {
                        Some(reason) => Ok(Completion::ignored_with(reason)),
                        None => trial_result(&case, &verdict),
                    };
                    verdicts
                        .lock()
                        .unwrap_or_else(|poisoned| poisoned.into_inner())
                        .push(verdict);
                    result
                })
                .with_kind(area)
            })
            .collect()
    }

    /// Keeps each managed server's log after the run and returns its role (`target` or `peer`) and
    /// path; none for servers the run did not start.
    pub fn keep_server_logs(&self) -> Vec<(&'static str, PathBuf)> {
        self.connected
            .managed()
            .into_iter()
            .map(|(role, synapse)| (role, synapse.keep_log()))
            .collect()
    }

    /// The verdicts recorded so far, sorted by case id.
    pub fn verdicts(&self) -> Vec<Verdict> {
        let mut verdicts = self
            .verdicts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone();
        verdicts.sort_by(|a, b| a.case_id.cmp(&b.case_id));
        verdicts
    }
}

/// The message a panic carried.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> &str {
    payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
        .unwrap_or("no message")
}

/// The verdict of a case whose run panicked: an error, so it still counts and still fails the run.
pub(super) fn panicked(case: &Case, message: &str) -> Verdict {
    let failure = Failure::new(
        None,
        case.file.display().to_string(),
        "running the case".into(),
        Problem::Harness {
            reason: format!("it panicked: {message}"),
        },
    );
    let error = Outcome::Error(failure);
    Verdict {
        case_id: case.id.clone(),
        level: case.level(),
        claims: every_claim(case, &error),
        outcome: error,
        duration: Default::default(),
        transcript: Vec::new(),
    }
}

/// How libtest shows an outcome: `fail`, `blocked` and `error` fail the trial, outcomes without a
/// verdict are "ignored" with the outcome as the reason.
fn trial_result(case: &Case, verdict: &Verdict) -> Result<Completion, Failed> {
    match &verdict.outcome {
        Outcome::Pass => Ok(Completion::Completed),
        Outcome::Fail(_) | Outcome::Blocked(_) | Outcome::Error(_) => {
            Err(Failed::from(explain(case, verdict)))
        }
        Outcome::NonStrict(failure) => Ok(Completion::ignored_with(format!(
            "non-strict: {}",
            failure.headline()
        ))),
        Outcome::Informational(observation) => Ok(Completion::ignored_with(format!(
            "informational: {}",
            observation.summary()
        ))),
        Outcome::Skipped(reason) => Ok(Completion::ignored_with(format!("skipped: {reason}"))),
        Outcome::NotReached(reason) => {
            Ok(Completion::ignored_with(format!("not reached: {reason}")))
        }
    }
}

/// On Ctrl-C or SIGTERM, stops the managed servers before the process exits.
async fn stop_on_signal(stoppers: Vec<Stopper>) {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate => {}
    }
    eprintln!("mxconform: interrupted; stopping the managed homeservers");
    std::thread::scope(|scope| {
        for stopper in stoppers {
            scope.spawn(move || stopper.stop());
        }
    });
    std::process::exit(130);
}
