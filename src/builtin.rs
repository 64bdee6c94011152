//! The cases and snapshots built into the binary, so an installed mxconform runs from any directory.

use std::io;
use std::path::{Path, PathBuf};

use include_dir::{Dir, DirEntry, include_dir};

use crate::case::Source;

static CASES: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/cases");
static SNAPSHOTS: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/snapshots");

/// Where the cases and snapshots of a run come from.
#[derive(Debug, Clone)]
pub enum Suite {
    /// A directory of case files, with its snapshots directory.
    Directory { cases: PathBuf, snapshots: PathBuf },
    /// The copies built into the binary.
    Builtin,
}

impl Suite {
    /// The source checkout's suite when this binary was built in and runs from that checkout
    /// (`cargo run`, `cargo test`), so snapshot updates land there; else the built-in copy.
    pub fn default_suite() -> Suite {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let runs_from_checkout = std::env::current_exe().is_ok_and(|exe| exe.starts_with(root));
        let cases = root.join("cases");
        if runs_from_checkout && cases.is_dir() {
            Suite::Directory {
                cases,
                snapshots: root.join("snapshots"),
            }
        } else {
            Suite::Builtin
        }
    }

    /// A user's directory of cases; snapshots default to the `snapshots` directory beside it.
    pub fn directory(cases: PathBuf, snapshots: Option<PathBuf>) -> Suite {
        let snapshots = snapshots.unwrap_or_else(|| {
            cases.parent().map_or_else(
                || PathBuf::from("snapshots"),
                |parent| parent.join("snapshots"),
            )
        });
        Suite::Directory { cases, snapshots }
    }
}

/// The built-in case files, with paths such as `cases/dm/invitee-flagged.yaml`.
pub fn sources() -> Vec<Source> {
    let mut sources = Vec::new();
    collect(&CASES, &mut sources);
    sources.sort_by(|a, b| a.path.cmp(&b.path));
    sources
}

fn collect(dir: &Dir<'_>, sources: &mut Vec<Source>) {
    for entry in dir.entries() {
        match entry {
            DirEntry::Dir(sub) => collect(sub, sources),
            DirEntry::File(file) => {
                let is_case = file.path().extension().is_some_and(|e| e == "yaml")
                    && file.path() != Path::new("claims.yaml");
                if let (true, Some(text)) = (is_case, file.contents_utf8()) {
                    sources.push(Source {
                        path: Path::new("cases").join(file.path()),
                        text: text.to_string(),
                    });
                }
            }
        }
    }
}

/// The built-in claims registry.
pub fn claims() -> Source {
    let text = CASES
        .get_file("claims.yaml")
        .and_then(|f| f.contents_utf8())
        .unwrap_or_default();
    Source {
        path: Path::new("cases").join("claims.yaml"),
        text: text.to_string(),
    }
}

/// Writes the built-in snapshots into `dir`, for insta to compare against.
pub fn write_snapshots(dir: &Path) -> io::Result<()> {
    SNAPSHOTS.extract(dir)
}
