//! The commands that work on JSON reports: `compare`, `merge`, `expectations --from` and `schema`.

use std::path::{Path, PathBuf};

use super::{CompareArgs, Exit, ExpectationsArgs, MergeArgs};
use crate::expectations::from_report;
use crate::input::{MAX_REPORT_BYTES, read_text};
use crate::pipeline::{ReportArgs, write_file, write_reports};
use crate::report::{self, RunReport, SCHEMA, compare};

/// Reads a JSON report, or says which file is wrong and why.
fn read_report(path: &Path) -> Result<RunReport, Exit> {
    let text = read_text(path, MAX_REPORT_BYTES).map_err(|e| {
        match e.position() {
            Some((line, column)) => eprintln!("error: {}:{line}:{column}: {e}", path.display()),
            None => eprintln!("error: cannot read {}: {e}", path.display()),
        }
        Exit::BadInput
    })?;
    report::read(&text).map_err(|e| {
        eprintln!("error: {}", e.in_file(path));
        Exit::BadInput
    })
}

/// Writes `text` to `path`, or to standard output when there is no path.
fn emit(path: Option<&PathBuf>, text: &str, what: &str) -> Result<(), Exit> {
    match path {
        Some(path) => write_file(path, text)
            .map(|()| println!("{what} written to {}", path.display()))
            .map_err(|e| {
                eprintln!("error: cannot write {}: {e}", path.display());
                Exit::BadInput
            }),
        None => {
            use std::io::Write;
            let _ = std::io::stdout().lock().write_all(text.as_bytes());
            Ok(())
        }
    }
}

/// `mxconform compare`: the runs side by side, as Markdown (standard output by default) and HTML.
pub(super) fn compare(args: &CompareArgs) -> Exit {
    let mut runs: Vec<(String, RunReport)> = Vec::new();
    for path in &args.reports {
        match read_report(path) {
            Ok(report) => runs.push((label(path, &args.reports), report)),
            Err(exit) => return exit,
        }
    }
    let markdown = compare::markdown(&runs);
    let html = args.html.as_ref().map(|_| compare::html(&runs));
    let written = emit(args.markdown.as_ref(), &markdown, "markdown comparison").and_then(|()| {
        match (&args.html, html) {
            (Some(path), Some(html)) => emit(Some(path), &html, "html comparison"),
            _ => Ok(()),
        }
    });
    written.err().unwrap_or(Exit::Passed)
}

/// A run's column label: its file stem, or its whole path when two stems are alike.
fn label(path: &Path, all: &[PathBuf]) -> String {
    let stem = |p: &Path| {
        p.file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    let clash = all.iter().filter(|p| stem(p) == stem(path)).count() > 1;
    if clash {
        path.display().to_string()
    } else {
        stem(path)
    }
}

/// `mxconform merge`: the shards of one run joined, written in the formats asked for.
pub(super) fn merge(args: &MergeArgs) -> Exit {
    let mut reports = Vec::new();
    for path in &args.reports {
        match read_report(path) {
            Ok(report) => reports.push(report),
            Err(exit) => return exit,
        }
    }
    let merged = match report::merge(reports) {
        Ok(merged) => merged,
        Err(message) => {
            eprintln!("error: {message}");
            return Exit::BadInput;
        }
    };
    let outputs = ReportArgs {
        junit: args.junit.clone(),
        json: args.json.clone(),
        markdown: args.markdown.clone(),
        html: args.html.clone(),
    };
    match write_reports(&merged, &outputs) {
        Ok(written) if written.is_empty() => {
            eprintln!(
                "error: say where the merged report goes: --json, --junit, --markdown or --html"
            );
            Exit::BadInput
        }
        Ok(written) => {
            for (format, path) in written {
                println!("{format} report written to {}", path.display());
            }
            println!("{}", merged.totals);
            Exit::Passed
        }
        Err(message) => {
            eprintln!("error: {message}");
            Exit::BadInput
        }
    }
}

/// `mxconform expectations --from report.json`: the expectations file the run implies.
pub(super) fn expectations(args: &ExpectationsArgs) -> Exit {
    match read_report(&args.from) {
        Ok(report) => emit(args.output.as_ref(), &from_report(&report), "expectations")
            .err()
            .unwrap_or(Exit::Passed),
        Err(exit) => exit,
    }
}

/// `mxconform schema`: the JSON Schema of the JSON report.
pub(super) fn schema() -> Exit {
    emit(None, SCHEMA, "schema").err().unwrap_or(Exit::Passed)
}
