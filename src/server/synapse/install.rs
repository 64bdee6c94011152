//! Installing a Synapse release from PyPI into a per-release virtual environment, reused by later runs.
//!
//! The default release takes today's dependencies. Any other release takes the dependencies that were on
//! PyPI shortly after its own upload (pip's `--uploaded-prior-to`), since older releases do not start
//! with today's.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::{DEFAULT_VERSION, SynapseError, pypi};

/// The file whose presence marks a finished install; for a release other than the default it records
/// the `--uploaded-prior-to` cutoff the install used.
const DONE_MARKER: &str = "installed";
/// How the done marker of an install with an upload cutoff begins.
const CUTOFF_RECORD: &str = "uploaded-prior-to ";
/// The pip requirement that brings `--uploaded-prior-to` (new in pip 26.0).
const PIP_WITH_CUTOFF: &str = "pip>=26.0";

/// The cache directory: `MXCONFORM_CACHE`, else the user's cache directory, plus `mxconform`.
pub fn cache_root() -> PathBuf {
    match std::env::var_os("MXCONFORM_CACHE") {
        Some(dir) => PathBuf::from(dir),
        None => dirs::cache_dir()
            .unwrap_or_else(std::env::temp_dir)
            .join("mxconform"),
    }
}

/// The Python interpreter used to create virtual environments: `MXCONFORM_PYTHON` or `python3`.
fn python() -> String {
    std::env::var("MXCONFORM_PYTHON").unwrap_or_else(|_| "python3".into())
}

/// The virtual environment holding `version`, installing it first when it is not there yet.
///
/// Concurrent runs wait on a lock file, so one release is installed once.
pub fn ensure(cache: &Path, version: &str) -> Result<PathBuf, SynapseError> {
    let dir = cache.join("synapse").join(version);
    let venv = dir.join("venv");
    let io = |what: &str, e: std::io::Error| {
        SynapseError::Install(format!("{what} {}: {e}", dir.display()))
    };
    std::fs::create_dir_all(&dir).map_err(|e| io("cannot create", e))?;
    let lock = File::create(dir.join("lock")).map_err(|e| io("cannot create a lock file in", e))?;
    lock.lock().map_err(|e| io("cannot lock", e))?;
    let pinned = version != DEFAULT_VERSION;
    let marker = std::fs::read_to_string(dir.join(DONE_MARKER)).ok();
    if marker.is_some_and(|m| install_done(&m, pinned)) && venv.join("bin/python").exists() {
        return Ok(venv);
    }
    eprintln!(
        "mxconform: installing matrix-synapse {version} into {} (the first install takes about a minute)",
        dir.display()
    );
    check_python()?;
    let cutoff = if pinned {
        let cutoff = pypi::upload_cutoff(version)?;
        eprintln!(
            "mxconform:   taking the dependencies of its time: packages uploaded before {cutoff}"
        );
        Some(cutoff)
    } else {
        None
    };
    if venv.exists() {
        std::fs::remove_dir_all(&venv)
            .map_err(|e| io("cannot clear a half-finished install in", e))?;
    }
    eprintln!(
        "mxconform:   creating a virtual environment with {}",
        python()
    );
    let venv_status = Command::new(python())
        .args(["-m", "venv"])
        .arg(&venv)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| SynapseError::Python(format!("cannot run `{} -m venv`: {e}", python())))?;
    if !venv_status.status.success() {
        return Err(SynapseError::Python(format!(
            "`{} -m venv` failed: {}\ninstall the venv module (Debian and Ubuntu: apt-get install python3-venv)",
            python(),
            String::from_utf8_lossy(&venv_status.stderr).trim()
        )));
    }
    if cutoff.is_some() {
        upgrade_pip(&venv)?;
    }
    pip_install(&venv, version, cutoff.as_deref())?;
    let record = cutoff
        .map(|c| format!("{CUTOFF_RECORD}{c}\n"))
        .unwrap_or_default();
    std::fs::write(dir.join(DONE_MARKER), record)
        .map_err(|e| io("cannot mark the install done in", e))?;
    eprintln!("mxconform:   matrix-synapse {version} installed");
    Ok(venv)
}

fn check_python() -> Result<(), SynapseError> {
    match Command::new(python()).arg("--version").output() {
        Ok(out) if out.status.success() => Ok(()),
        _ => Err(SynapseError::Python(format!(
            "`{}` was not found; the managed Synapse target needs Python 3 with venv and pip \
             (Debian and Ubuntu: apt-get install python3 python3-venv python3-pip), or set MXCONFORM_PYTHON",
            python()
        ))),
    }
}

/// Whether a done marker with `contents` marks a usable install: one of a release other than the
/// default must have been made with an upload cutoff (earlier installs took today's dependencies).
fn install_done(contents: &str, pinned: bool) -> bool {
    !pinned || contents.starts_with(CUTOFF_RECORD)
}

/// Upgrades the virtual environment's pip to one that knows `--uploaded-prior-to`.
fn upgrade_pip(venv: &Path) -> Result<(), SynapseError> {
    let python = venv.join("bin/python");
    eprintln!("mxconform:   pip install --upgrade '{PIP_WITH_CUTOFF}' (for --uploaded-prior-to)");
    let out = Command::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "--no-input",
            "--progress-bar",
            "off",
            "--upgrade",
            PIP_WITH_CUTOFF,
        ])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| SynapseError::Python(format!("cannot run {}: {e}", python.display())))?;
    if out.status.success() {
        return Ok(());
    }
    let errors = String::from_utf8_lossy(&out.stderr);
    Err(SynapseError::Install(format!(
        "upgrading pip to '{PIP_WITH_CUTOFF}' in {} failed:\n{}",
        venv.display(),
        last_lines(errors.lines())
    )))
}

/// The last lines of a tool's error output, enough to say why it failed.
fn last_lines<'a>(lines: impl DoubleEndedIterator<Item = &'a str>) -> String {
    let mut tail: Vec<&str> = lines.rev().take(15).collect();
    tail.reverse();
    tail.join("\n")
}

fn pip_install(venv: &Path, version: &str, cutoff: Option<&str>) -> Result<(), SynapseError> {
    let pip = venv.join("bin/pip");
    let cutoff_args: Vec<&str> = cutoff
        .map(|c| vec!["--uploaded-prior-to", c])
        .unwrap_or_default();
    let shown = format!(
        "pip install {}matrix-synapse=={version}",
        cutoff_args
            .iter()
            .map(|a| format!("{a} "))
            .collect::<String>()
    );
    eprintln!("mxconform:   {shown}");
    let mut child = Command::new(&pip)
        .args([
            "install",
            "--disable-pip-version-check",
            "--no-input",
            "--progress-bar",
            "off",
        ])
        .args(&cutoff_args)
        .arg(format!("matrix-synapse=={version}"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            SynapseError::Python(format!(
                "cannot run {}: {e}; install pip (Debian and Ubuntu: apt-get install python3-pip)",
                pip.display()
            ))
        })?;
    let stderr = child.stderr.take();
    let errors = std::thread::spawn(move || {
        stderr
            .map(|s| {
                BufReader::new(s)
                    .lines()
                    .map_while(Result::ok)
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    });
    if let Some(stdout) = child.stdout.take() {
        let mut collected = 0;
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if line.starts_with("Collecting") {
                collected += 1;
                if collected % 10 == 0 {
                    eprintln!("mxconform:     {collected} packages collected");
                }
            } else if line.starts_with("Successfully installed") {
                eprintln!("mxconform:     {collected} packages installed");
            }
        }
    }
    let status = child
        .wait()
        .map_err(|e| SynapseError::Install(format!("pip did not finish: {e}")))?;
    let errors = errors.join().unwrap_or_default();
    if status.success() {
        Ok(())
    } else {
        Err(SynapseError::Install(format!(
            "{shown} failed:\n{}",
            last_lines(errors.iter().map(String::as_str))
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_cutoff_installs_of_other_releases_count_as_done() {
        assert!(install_done("", false));
        assert!(!install_done("", true));
        assert!(install_done(
            "uploaded-prior-to 2023-12-13T17:25:29Z\n",
            true
        ));
    }
}
