//! A managed Synapse: installed from PyPI, configured, started on a free loopback port and stopped,
//! also on Ctrl-C, on SIGTERM, on a failed run and on panic.

pub mod config;
pub mod install;
pub mod process;
mod pypi;
pub mod tls;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::homeserver::{Homeserver, client};
use super::provision::Registration;

/// The Synapse release `--target synapse` runs.
pub const DEFAULT_VERSION: &str = "1.163.2";
/// How long a started Synapse may take to answer `/versions`.
const READY_WITHIN: Duration = Duration::from_secs(90);

/// Why a managed Synapse could not be brought up.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SynapseError {
    /// Python, venv or pip is missing or unusable.
    #[error("{0}")]
    Python(String),
    /// Installing the release failed.
    #[error("installing Synapse failed: {0}")]
    Install(String),
    /// Synapse did not start or did not answer in time.
    #[error("Synapse did not start: {0}")]
    Start(String),
}

/// Where a memory filesystem is usually mounted.
const MEMORY_FILESYSTEM: &str = "/dev/shm";

/// A fresh data directory: on the memory filesystem where there is one, so the server never waits
/// for its database to reach the disk (it is thrown away after the run), else in the temp directory.
fn data_directory() -> std::io::Result<tempfile::TempDir> {
    let mut builder = tempfile::Builder::new();
    builder.prefix("mxconform-synapse-");
    let memory = Path::new(MEMORY_FILESYSTEM);
    if memory.is_dir()
        && let Ok(dir) = builder.tempdir_in(memory)
    {
        return Ok(dir);
    }
    builder.tempdir()
}

/// Whether a managed Synapse federates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Federation {
    /// No federation listener; the server is named `mxconform.localhost`.
    #[default]
    Off,
    /// A TLS federation listener on loopback; the server is named `localhost:<its port>` and
    /// reaches other servers on loopback only.
    Loopback,
}

/// The client port and server name a managed Synapse was configured with.
struct Configured {
    port: u16,
    server_name: String,
}

/// Writes the configuration, signing key and, when it federates, the TLS certificate into `data`.
fn configure(data: &Path, federation: Federation) -> Result<Configured, SynapseError> {
    let io = |what: &str, e: std::io::Error| SynapseError::Start(format!("{what}: {e}"));
    let secret = config::random_hex(32);
    let (homeserver_config, configured) = match federation {
        Federation::Off => {
            let port = config::free_port().map_err(|e| io("cannot find a free port", e))?;
            let configured = Configured {
                port,
                server_name: config::SERVER_NAME.to_string(),
            };
            (config::homeserver_config(data, port, &secret), configured)
        }
        Federation::Loopback => {
            let ports = config::free_ports(2).map_err(|e| io("cannot find free ports", e))?;
            let tls = tls::write_self_signed(data)
                .map_err(|e| io("cannot write the TLS certificate", e))?;
            let configured = Configured {
                port: ports[0],
                server_name: config::loopback_server_name(ports[1]),
            };
            let homeserver_config =
                config::federating_config(data, ports[0], ports[1], &secret, &tls);
            (homeserver_config, configured)
        }
    };
    std::fs::write(data.join("homeserver.yaml"), homeserver_config.to_string())
        .map_err(|e| io("cannot write homeserver.yaml", e))?;
    std::fs::write(data.join("signing.key"), config::signing_key())
        .map_err(|e| io("cannot write the signing key", e))?;
    Ok(configured)
}

/// A running Synapse owned by this process; dropping it stops the server.
pub struct ManagedSynapse {
    url: String,
    server_name: String,
    data: Mutex<Option<tempfile::TempDir>>,
    log: PathBuf,
    pid: u32,
    stopped: Mutex<bool>,
}

/// Stops a managed Synapse from a signal handler, by process id alone.
#[derive(Debug, Clone, Copy)]
pub struct Stopper {
    pid: u32,
}

impl Stopper {
    /// Sends SIGTERM, then SIGKILL after the grace period.
    pub fn stop(self) {
        process::stop_group(self.pid, process::GRACE);
    }
}

impl ManagedSynapse {
    /// Installs `version` under `cache` if needed, then starts it with a fresh data directory,
    /// federating on loopback or not.
    pub async fn start(
        version: &str,
        cache: &Path,
        federation: Federation,
    ) -> Result<ManagedSynapse, SynapseError> {
        let (cache, owned_version) = (cache.to_path_buf(), version.to_string());
        let venv = tokio::task::spawn_blocking(move || install::ensure(&cache, &owned_version))
            .await
            .map_err(|e| SynapseError::Install(e.to_string()))??;
        let data = data_directory()
            .map_err(|e| SynapseError::Start(format!("cannot create a data directory: {e}")))?;
        let configured = configure(data.path(), federation)?;
        let log = data.path().join("homeserver.log");
        let mut child = process::spawn(&venv, &data.path().join("homeserver.yaml"), &log)?;
        let synapse = ManagedSynapse {
            url: format!("http://127.0.0.1:{}", configured.port),
            server_name: configured.server_name,
            log,
            pid: child.id(),
            data: Mutex::new(Some(data)),
            stopped: Mutex::new(false),
        };
        eprintln!(
            "mxconform: starting Synapse {version} as {} on {}",
            synapse.server_name, synapse.url
        );
        let started = Instant::now();
        let client = client();
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                let tail = process::log_tail(&synapse.log, 30);
                let kept = synapse.keep_log();
                return Err(SynapseError::Start(format!(
                    "it exited with {status}; log kept at {}:\n{tail}",
                    kept.display()
                )));
            }
            // A fresh handle each time: refused connections while Synapse starts must not open
            // the breaker the handle keeps.
            let hs = Homeserver::new(&synapse.url, client.clone());
            if hs.versions().await.is_ok() {
                eprintln!(
                    "mxconform: Synapse {version} answered after {:.1}s",
                    started.elapsed().as_secs_f64()
                );
                return Ok(synapse);
            }
            if started.elapsed() > READY_WITHIN {
                synapse.stop();
                let tail = process::log_tail(&synapse.log, 30);
                let kept = synapse.keep_log();
                return Err(SynapseError::Start(format!(
                    "no answer on {} within {READY_WITHIN:?}; log kept at {}:\n{tail}",
                    synapse.url,
                    kept.display()
                )));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The base URL of the client-server API.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The server name in its user ids: `mxconform.localhost` without federation,
    /// `localhost:<federation port>` with it.
    pub fn server_name(&self) -> &str {
        &self.server_name
    }

    /// The spec's open registration, which this server's configuration allows: one request per user
    /// (its shared-secret admin API needs two, a nonce and the registration).
    pub fn registration(&self) -> Registration {
        Registration::Open
    }

    /// The CPU time the server's process has used so far.
    pub fn cpu_time(&self) -> Option<Duration> {
        super::cpu::of_process(self.pid)
    }

    /// A handle that stops this server from a signal handler.
    pub fn stopper(&self) -> Stopper {
        Stopper { pid: self.pid }
    }

    /// Stops the server; later calls do nothing.
    pub fn stop(&self) {
        let mut stopped = self.stopped.lock().unwrap_or_else(|p| p.into_inner());
        if !*stopped {
            self.stopper().stop();
            *stopped = true;
        }
    }

    /// Keeps the data directory after the run and returns the server log's path.
    pub fn keep_log(&self) -> PathBuf {
        if let Some(dir) = self.data.lock().unwrap_or_else(|p| p.into_inner()).take() {
            let _ = dir.keep();
        }
        self.log.clone()
    }
}

impl Drop for ManagedSynapse {
    fn drop(&mut self) {
        self.stop();
    }
}
