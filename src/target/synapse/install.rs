//! Installing a Synapse release from PyPI into a per-release virtual environment, reused by later runs.
//!
//! The default release takes today's dependencies. Any other release takes the dependencies that were on
//! PyPI shortly after its own upload (pip's `--uploaded-prior-to`), since older releases do not start
//! with today's.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use super::{DEFAULT_VERSION, SynapseError};

/// The file whose presence marks a finished install; for a release other than the default it records
/// the `--uploaded-prior-to` cutoff the install used.
const DONE_MARKER: &str = "installed";
/// How the done marker of an install with an upload cutoff begins.
const CUTOFF_RECORD: &str = "uploaded-prior-to ";
/// PyPI's JSON description of matrix-synapse, with the upload time of every release's files (the
/// project-wide one: the per-release `/pypi/matrix-synapse/<version>/json` is not reachable everywhere).
const PYPI_PROJECT_JSON: &str = "https://pypi.org/pypi/matrix-synapse/json";
/// How long looking up upload times on PyPI may take.
const PYPI_TIMEOUT: Duration = Duration::from_secs(60);
/// How long after a release's last upload a dependency may have been uploaded and still be used.
const CUTOFF_MARGIN_SECS: i64 = 24 * 60 * 60;
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
        let cutoff = upload_cutoff(version)?;
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

/// The `--uploaded-prior-to` cutoff for `version`, from the upload times PyPI lists for its files.
fn upload_cutoff(version: &str) -> Result<String, SynapseError> {
    let failed = |e: String| {
        SynapseError::Install(format!(
            "cannot look up when matrix-synapse {version} was uploaded ({PYPI_PROJECT_JSON}): {e}"
        ))
    };
    let project = block_on(async {
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(PYPI_TIMEOUT)
            .user_agent(concat!("mxconform/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| e.to_string())?;
        let response = client
            .get(PYPI_PROJECT_JSON)
            .header("Accept", "application/json")
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .map_err(|e| e.to_string())?;
        response.json::<Value>().await.map_err(|e| e.to_string())
    })
    .map_err(failed)?
    .map_err(failed)?;
    cutoff_from_project_json(&project, version).map_err(SynapseError::Install)
}

/// Runs `future` to completion from blocking code, on the current Tokio runtime when there is one.
fn block_on<F: std::future::Future>(future: F) -> Result<F::Output, String> {
    match tokio::runtime::Handle::try_current() {
        Ok(handle) => Ok(handle.block_on(future)),
        Err(_) => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map(|runtime| runtime.block_on(future))
            .map_err(|e| e.to_string()),
    }
}

/// The cutoff for `version` in PyPI's project JSON: a day after the last upload of its files, as
/// `YYYY-MM-DDTHH:MM:SSZ`.
fn cutoff_from_project_json(project: &Value, version: &str) -> Result<String, String> {
    let files = project["releases"][version]
        .as_array()
        .ok_or_else(|| format!("PyPI has no release {version} of matrix-synapse"))?;
    let mut last = None;
    for file in files {
        let uploaded = file["upload_time_iso_8601"].as_str().ok_or_else(|| {
            format!("PyPI gives no upload time for a file of matrix-synapse {version}")
        })?;
        let seconds = parse_utc(uploaded).ok_or_else(|| {
            format!(
                "PyPI gives an unreadable upload time `{uploaded}` for matrix-synapse {version}"
            )
        })?;
        last = last.max(Some(seconds));
    }
    let last = last.ok_or_else(|| format!("PyPI lists no files for matrix-synapse {version}"))?;
    Ok(format_utc(last + CUTOFF_MARGIN_SECS))
}

/// Seconds since the Unix epoch of a UTC time `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+00:00)`; the fraction
/// is dropped.
fn parse_utc(text: &str) -> Option<i64> {
    let (head, rest) = (text.get(..19)?, text.get(19..)?);
    let zone = rest.trim_start_matches(|c: char| c == '.' || c.is_ascii_digit());
    if !matches!(zone, "Z" | "+00:00") || rest.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let b = head.as_bytes();
    if [b[4], b[7], b[10], b[13], b[16]] != *b"--T::" {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = &head[range];
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())
            .flatten()
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + hour * 3_600 + minute * 60 + second)
}

/// `seconds` since the Unix epoch as `YYYY-MM-DDTHH:MM:SSZ`.
fn format_utc(seconds: i64) -> String {
    let (days, time) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        time / 3_600,
        time / 60 % 60,
        time % 60
    )
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The proleptic Gregorian date `days` after 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
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
    let lines: Vec<_> = errors.lines().collect();
    Err(SynapseError::Install(format!(
        "upgrading pip to '{PIP_WITH_CUTOFF}' in {} failed:\n{}",
        venv.display(),
        lines[lines.len().saturating_sub(15)..].join("\n")
    )))
}

fn pip_install(venv: &Path, version: &str, cutoff: Option<&str>) -> Result<(), SynapseError> {
    let pip = venv.join("bin/pip");
    let cutoff_args: Vec<&str> = cutoff
        .map(|c| vec!["--uploaded-prior-to", c])
        .unwrap_or_default();
    eprintln!(
        "mxconform:   pip install {}matrix-synapse=={version}",
        cutoff_args
            .iter()
            .map(|a| format!("{a} "))
            .collect::<String>()
    );
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
        let tail: Vec<_> = errors.iter().rev().take(15).rev().cloned().collect();
        Err(SynapseError::Install(format!(
            "pip install {}matrix-synapse=={version} failed:\n{}",
            cutoff_args
                .iter()
                .map(|a| format!("{a} "))
                .collect::<String>(),
            tail.join("\n")
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn project(files: &[&str]) -> Value {
        let files: Vec<_> = files
            .iter()
            .map(|t| json!({"filename": "f", "upload_time_iso_8601": t}))
            .collect();
        json!({"info": {"version": "1.163.2"}, "releases": {"1.98.0": files, "0.1": []}})
    }

    #[test]
    fn cutoff_is_a_day_after_the_last_upload() {
        let json = project(&[
            "2023-12-12T17:22:30.911668Z",
            "2023-12-12T17:25:29.334740Z",
            "2023-12-12T17:23:08.240860Z",
        ]);
        assert_eq!(
            cutoff_from_project_json(&json, "1.98.0").unwrap(),
            "2023-12-13T17:25:29Z"
        );
    }

    #[test]
    fn cutoff_crosses_months_years_and_leap_days() {
        let cutoff = |t: &str| cutoff_from_project_json(&project(&[t]), "1.98.0").unwrap();
        assert_eq!(cutoff("2023-12-31T23:59:59.999Z"), "2024-01-01T23:59:59Z");
        assert_eq!(cutoff("2024-02-28T10:00:00Z"), "2024-02-29T10:00:00Z");
        assert_eq!(cutoff("2023-02-28T10:00:00+00:00"), "2023-03-01T10:00:00Z");
        assert_eq!(cutoff("2000-02-29T00:00:00Z"), "2000-03-01T00:00:00Z");
        assert_eq!(cutoff("2100-02-28T00:00:00Z"), "2100-03-01T00:00:00Z");
    }

    #[test]
    fn utc_times_round_trip_from_the_epoch() {
        assert_eq!(parse_utc("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_utc("2023-12-12T17:25:29Z"), Some(1_702_401_929));
        assert_eq!(format_utc(1_702_401_929), "2023-12-12T17:25:29Z");
        for days in [-1, 0, 59, 365, 11_016, 19_703, 47_541] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    #[test]
    fn unreadable_or_missing_upload_times_are_errors() {
        for bad in [
            "2023-12-12 17:25:29Z",
            "2023-12-12T17:25:29",
            "2023-12-12T17:25:29+01:00",
            "2023-13-12T17:25:29Z",
            "23-12-12T17:25:29Z",
            "",
        ] {
            let error = cutoff_from_project_json(&project(&[bad]), "1.98.0").unwrap_err();
            assert!(error.contains("unreadable upload time"), "{bad}: {error}");
        }
        let no_time = json!({"releases": {"1.98.0": [{"filename": "f"}]}});
        assert!(cutoff_from_project_json(&no_time, "1.98.0").is_err());
        assert_eq!(
            cutoff_from_project_json(&project(&[]), "0.1").unwrap_err(),
            "PyPI lists no files for matrix-synapse 0.1"
        );
        assert_eq!(
            cutoff_from_project_json(&project(&[]), "9.9.9").unwrap_err(),
            "PyPI has no release 9.9.9 of matrix-synapse"
        );
    }

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
