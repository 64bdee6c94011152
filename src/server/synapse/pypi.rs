//! When a Synapse release was uploaded to PyPI, for installing it with the dependencies of its time.

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use serde_json::Value;

use super::SynapseError;

/// PyPI's JSON description of matrix-synapse, with the upload time of every release's files (the
/// project-wide one: the per-release `/pypi/matrix-synapse/<version>/json` is not reachable everywhere).
const PYPI_PROJECT_JSON: &str = "https://pypi.org/pypi/matrix-synapse/json";

/// How long looking up upload times on PyPI may take.
const PYPI_TIMEOUT: Duration = Duration::from_secs(60);

/// How long after a release's last upload a dependency may have been uploaded and still be used.
const CUTOFF_MARGIN: SignedDuration = SignedDuration::from_hours(24);

/// The `--uploaded-prior-to` cutoff for `version`, from the upload times PyPI lists for its files.
pub fn upload_cutoff(version: &str) -> Result<String, SynapseError> {
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

/// The cutoff for `version` in PyPI's project JSON: a day after the last upload of its files, in UTC
/// to the second (`YYYY-MM-DDTHH:MM:SSZ`).
fn cutoff_from_project_json(project: &Value, version: &str) -> Result<String, String> {
    let files = project["releases"][version]
        .as_array()
        .ok_or_else(|| format!("PyPI has no release {version} of matrix-synapse"))?;
    let mut last: Option<Timestamp> = None;
    for file in files {
        let uploaded = file["upload_time_iso_8601"].as_str().ok_or_else(|| {
            format!("PyPI gives no upload time for a file of matrix-synapse {version}")
        })?;
        let at: Timestamp = uploaded.parse().map_err(|_| {
            format!(
                "PyPI gives an unreadable upload time `{uploaded}` for matrix-synapse {version}"
            )
        })?;
        last = last.max(Some(at));
    }
    let last = last.ok_or_else(|| format!("PyPI lists no files for matrix-synapse {version}"))?;
    let cutoff = last
        .checked_add(CUTOFF_MARGIN)
        .map_err(|e| format!("cannot add a day to {last}: {e}"))?;
    Ok(cutoff.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
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
    fn cutoff_crosses_months_years_and_leap_days_in_utc() {
        let cutoff = |t: &str| cutoff_from_project_json(&project(&[t]), "1.98.0").unwrap();
        assert_eq!(cutoff("2023-12-31T23:59:59.999Z"), "2024-01-01T23:59:59Z");
        assert_eq!(cutoff("2024-02-28T10:00:00Z"), "2024-02-29T10:00:00Z");
        assert_eq!(cutoff("2023-02-28T10:00:00+00:00"), "2023-03-01T10:00:00Z");
        assert_eq!(cutoff("2100-02-28T00:00:00Z"), "2100-03-01T00:00:00Z");
        assert_eq!(cutoff("2023-12-12T17:25:29+01:00"), "2023-12-13T16:25:29Z");
    }

    #[test]
    fn unreadable_or_missing_upload_times_are_errors() {
        for bad in [
            "2023-12-12 17:25:29",
            "2023-12-12T17:25:29",
            "2023-13-12T17:25:29Z",
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
}
