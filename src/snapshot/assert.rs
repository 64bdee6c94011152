//! Comparing a normalised projection with its stored insta snapshot, one golden file for every target.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::matcher::sorted_keys;

/// What insta needs to know about the case a snapshot belongs to.
#[derive(Debug, Clone)]
pub struct SnapshotContext {
    /// The directory holding `.snap` files.
    pub dir: PathBuf,
    /// The case id; snapshot files are named `<case id>--<snapshot name>.snap`.
    pub case_id: String,
    /// The case file, recorded as the snapshot's input file.
    pub case_file: PathBuf,
    /// The claim, recorded as the snapshot's description.
    pub description: String,
    /// Compare with the stored file only: never write one, never go through insta (for runs that
    /// expect mismatches, such as the fault profiles).
    pub compare_only: bool,
}

impl SnapshotContext {
    /// The file a named snapshot of this case is stored in.
    pub fn file(&self, name: &str) -> PathBuf {
        self.dir
            .join(format!("{}.snap", snapshot_name(&self.case_id, name)))
    }
}

fn snapshot_name(case_id: &str, name: &str) -> String {
    format!("{case_id}--{name}")
}

/// The start of the message insta panics with when a snapshot does not match; `check` catches the
/// panic and reports the mismatch itself.
const INSTA_MISMATCH: &str = "snapshot assertion for '";

/// Keeps insta's mismatch panics, which `check` catches and reports with its own diff, from also
/// printing a panic message and backtrace; every other panic is reported as before.
pub fn quiet_mismatch_panics() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let message = info
                .payload()
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| info.payload().downcast_ref::<&str>().copied());
            if !message.is_some_and(|m| m.starts_with(INSTA_MISMATCH)) {
                previous(info);
            }
        }));
    });
}

/// How a projection departs from its stored snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotMismatch {
    /// The snapshot file.
    pub file: PathBuf,
    /// A unified diff from the stored snapshot to this run's projection; `None` when none is stored.
    pub diff: Option<String>,
    /// This run's projection, pretty-printed.
    pub produced: String,
}

/// Asserts `value` against the stored snapshot `name`; on a mismatch returns the diff.
///
/// Updating follows insta: `INSTA_UPDATE=always` rewrites the file, the default writes a `.snap.new`
/// for `cargo insta review`, and under `CI` nothing is written and a mismatch fails.
///
/// Object keys are compared, stored and shown in sorted order, so their order in the answer never
/// matters.
pub fn check(context: &SnapshotContext, name: &str, value: &Value) -> Result<(), SnapshotMismatch> {
    let value = &sorted_keys(value);
    if context.compare_only {
        let stored = std::fs::read_to_string(context.file(name)).ok();
        let matches = stored
            .and_then(|text| serde_json::from_str::<Value>(stored_body(&text)).ok())
            .is_some_and(|stored| &stored == value);
        return if matches {
            Ok(())
        } else {
            Err(mismatch_message(&context.file(name), value))
        };
    }
    let full_name = snapshot_name(&context.case_id, name);
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(&context.dir);
    settings.set_prepend_module_to_snapshot(false);
    settings.set_input_file(&context.case_file);
    settings.set_description(context.description.clone());
    settings.set_omit_expression(true);
    settings.set_sort_maps(true);
    let asserted = settings.bind(|| {
        catch_unwind(AssertUnwindSafe(|| {
            insta::assert_json_snapshot!(full_name.as_str(), value)
        }))
    });
    match asserted {
        Ok(()) => Ok(()),
        Err(_) => Err(mismatch_message(&context.file(name), value)),
    }
}

fn mismatch_message(file: &Path, value: &Value) -> SnapshotMismatch {
    let produced = serde_json::to_string_pretty(value).unwrap_or_default();
    let diff = std::fs::read_to_string(file).ok().map(|stored| {
        let old = format!("{}\n", stored_body(&stored).trim_end());
        let new = format!("{}\n", produced.trim_end());
        similar::TextDiff::from_lines(&old, &new)
            .unified_diff()
            .context_radius(3)
            .header("stored snapshot", "this run")
            .to_string()
    });
    SnapshotMismatch {
        file: file.to_path_buf(),
        diff,
        produced,
    }
}

/// The content of a `.snap` file, without its `---` metadata header.
fn stored_body(stored: &str) -> &str {
    stored
        .strip_prefix("---\n")
        .and_then(|rest| rest.split_once("\n---\n"))
        .map_or(stored, |(_, body)| body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compare_only_never_writes_and_reports_the_diff() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("c--s.snap"),
            "---\nsource: x\n---\n{\n  \"a\": 1\n}\n",
        )
        .unwrap();
        let context = SnapshotContext {
            dir: dir.path().to_path_buf(),
            case_id: "c".into(),
            case_file: "c.yaml".into(),
            description: String::new(),
            compare_only: true,
        };
        assert_eq!(check(&context, "s", &serde_json::json!({"a": 1})), Ok(()));
        let err = check(&context, "s", &serde_json::json!({"a": 2})).unwrap_err();
        let diff = err.diff.unwrap_or_default();
        assert!(
            diff.contains("-  \"a\": 1") && diff.contains("+  \"a\": 2"),
            "{diff}"
        );
        assert!(check(&context, "missing", &serde_json::json!({})).is_err());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn stored_body_skips_the_header() {
        assert_eq!(
            stored_body("---\nsource: x\n---\n{\n  \"a\": 1\n}\n"),
            "{\n  \"a\": 1\n}\n"
        );
    }
}
