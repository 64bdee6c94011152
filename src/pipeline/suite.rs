//! Loading the suite a command works on, and the registration method of a run.

use std::path::{Path, PathBuf};

use super::options::{RegisterMode, SuiteArgs};
use crate::builtin::{self, Suite};
use crate::case::{Catalogue, LoadError, load, load_dir};
use crate::server::{Registration, SharedSecret};

/// A loaded suite: its catalogue, where its snapshots are, and the load errors of bad files.
pub struct Loaded {
    /// The claims, the cases that loaded and the errors of the rest.
    pub catalogue: Catalogue,
    /// The snapshots directory.
    pub snapshots: PathBuf,
    _extracted: Option<tempfile::TempDir>,
}

/// Loads the suite `args` names: a directory, the source checkout's, or the built-in copy.
pub fn load_suite(args: &SuiteArgs) -> Result<Loaded, LoadError> {
    let suite = match &args.cases {
        Some(dir) => Suite::directory(dir.clone(), args.snapshots.clone()),
        None => Suite::default_suite(),
    };
    match suite {
        Suite::Directory { cases, snapshots } => Ok(Loaded {
            catalogue: load_dir(&cases)?,
            snapshots,
            _extracted: None,
        }),
        Suite::Builtin => {
            let unreadable = |e: std::io::Error| LoadError::Unreadable {
                file: "built-in snapshots".into(),
                reason: e.to_string(),
            };
            let dir = tempfile::tempdir().map_err(unreadable)?;
            builtin::write_snapshots(dir.path()).map_err(unreadable)?;
            let snapshots = dir.path().to_path_buf();
            let catalogue = load(&builtin::claims(), &builtin::sources());
            Ok(Loaded {
                catalogue,
                snapshots,
                _extracted: Some(dir),
            })
        }
    }
}

/// Prints load errors to standard error, one per line.
pub fn print_load_errors(errors: &[LoadError]) {
    for err in errors {
        eprintln!("error: {err}");
    }
}

/// The registration method, with the shared secret read from a file or `MXCONFORM_SHARED_SECRET`.
pub fn registration(
    mode: RegisterMode,
    secret_file: Option<&Path>,
) -> Result<Registration, String> {
    match mode {
        RegisterMode::Open => Ok(Registration::Open),
        RegisterMode::SharedSecret => {
            let secret = match secret_file {
                Some(path) => std::fs::read_to_string(path)
                    .map_err(|e| format!("cannot read the shared secret file {}: {e}", path.display()))?
                    .trim()
                    .to_string(),
                None => std::env::var("MXCONFORM_SHARED_SECRET").map_err(|_| {
                    "--register shared-secret needs the secret in MXCONFORM_SHARED_SECRET or a file named by --shared-secret-file".to_string()
                })?,
            };
            if secret.is_empty() {
                return Err("the registration shared secret is empty".into());
            }
            Ok(Registration::SharedSecret(SharedSecret::new(secret)))
        }
    }
}
