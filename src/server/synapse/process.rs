//! The Synapse process: started in its own process group, stopped with SIGTERM, then SIGKILL.

use std::fs::File;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, killpg};
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::Pid;

use super::SynapseError;

/// How long Synapse may take to shut down after SIGTERM before it gets SIGKILL.
pub const GRACE: Duration = Duration::from_secs(10);

/// Starts Synapse with `config`, its output going to `log`, as the leader of a new process group.
pub fn spawn(venv: &Path, config: &Path, log: &Path) -> Result<Child, SynapseError> {
    use std::os::unix::process::CommandExt;
    let out = File::create(log)
        .map_err(|e| SynapseError::Start(format!("cannot create {}: {e}", log.display())))?;
    let err = out
        .try_clone()
        .map_err(|e| SynapseError::Start(format!("cannot share {}: {e}", log.display())))?;
    Command::new(venv.join("bin/python"))
        .args(["-m", "synapse.app.homeserver", "--config-path"])
        .arg(config)
        .current_dir(config.parent().unwrap_or(Path::new(".")))
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .process_group(0)
        .spawn()
        .map_err(|e| SynapseError::Start(format!("cannot start Synapse: {e}")))
}

/// True once the process `pid` (a child of this one) has exited; reaps it.
fn exited(pid: Pid) -> bool {
    !matches!(
        waitpid(pid, Some(WaitPidFlag::WNOHANG)),
        Ok(WaitStatus::StillAlive)
    )
}

/// Stops the process group led by `pid`: SIGTERM, up to `grace` to exit, then SIGKILL. Idempotent.
pub fn stop_group(pid: u32, grace: Duration) {
    let pid = Pid::from_raw(pid as i32);
    if killpg(pid, Signal::SIGTERM).is_err() {
        return;
    }
    let deadline = Instant::now() + grace;
    while Instant::now() < deadline {
        if exited(pid) {
            // The leader is gone; anything it left in its group goes too.
            let _ = killpg(pid, Signal::SIGKILL);
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = killpg(pid, Signal::SIGKILL);
    let _ = waitpid(pid, None);
}

/// The last `lines` lines of the log at `path`.
pub fn log_tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}
