//! Every claim quotes the specification verbatim: its quote is one contiguous span of the lines its
//! `source` names in the specification, once markup and line breaks are set aside.
//!
//! The specification is looked for at `MXCONFORM_SPEC_DIR`, then beside the project
//! (`../shared/spec`). Where neither is there, the check says loudly that it was skipped and how to
//! get the pinned specification; `MXCONFORM_REQUIRE_SPEC=1` (set in CI) makes that a failure.

use std::io::Write;
use std::path::{Path, PathBuf};

use mxconform::case::load_dir;

/// The commit of the matrix-org/matrix-spec repository the quotes and line numbers are taken from.
const PINNED_COMMIT: &str = "d0ba2aaef801e0134a4e5c6054a2c2f41bb55531";

/// The specification's sources: `MXCONFORM_SPEC_DIR`, else `../shared/spec` beside the project;
/// `None` when neither is a directory.
fn find_spec_root() -> Option<PathBuf> {
    let beside = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/spec");
    std::env::var_os("MXCONFORM_SPEC_DIR")
        .filter(|dir| !dir.is_empty())
        .map(PathBuf::from)
        .into_iter()
        .chain([beside])
        .find(|dir| dir.is_dir())
}

/// The specification's sources; only called once [`find_spec_root`] found them.
fn spec_root() -> PathBuf {
    find_spec_root().expect("the specification was found before the check started")
}

/// Text as the quotes compare it: markdown links reduced to their text, code and emphasis marks
/// dropped, line breaks and runs of white space made one space.
fn normalised(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find("](").and_then(|close| {
            let url_end = after[close + 2..].find(')')?;
            Some((close, close + 2 + url_end + 1))
        }) {
            Some((close, end)) if !after[..close].contains('[') => {
                out.push_str(&after[..close]);
                rest = &after[end..];
            }
            _ => {
                out.push('[');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out.replace(['`', '*'], "")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The lines `from..=to` (1-based) of a source file, or the whole file without a range.
fn lines_of(source: &str) -> Result<String, String> {
    let (path, range) = source.split_once(':').unwrap_or((source, ""));
    let text = std::fs::read_to_string(spec_root().join(path))
        .map_err(|e| format!("cannot read {path} under {}: {e}", spec_root().display()))?;
    if range.is_empty() {
        return Ok(text);
    }
    let (from, to) = range.split_once('-').unwrap_or((range, range));
    let parse = |n: &str| {
        n.trim()
            .parse::<usize>()
            .map_err(|_| format!("bad line range in `{source}`"))
    };
    let (from, to) = (parse(from)?, parse(to)?);
    if from == 0 || to < from {
        return Err(format!("bad line range in `{source}`"));
    }
    Ok(text
        .lines()
        .skip(from.saturating_sub(1))
        .take(to + 1 - from)
        .collect::<Vec<_>>()
        .join("\n"))
}

#[test]
fn every_quote_is_a_verbatim_span_of_its_source() {
    if find_spec_root().is_none() {
        let message = format!(
            "SKIPPED: every_quote_is_a_verbatim_span_of_its_source: no specification at \
             MXCONFORM_SPEC_DIR nor at ../shared/spec beside the project. To run it: \
             git clone https://github.com/matrix-org/matrix-spec && git -C matrix-spec checkout \
             {PINNED_COMMIT}, then MXCONFORM_SPEC_DIR=$PWD/matrix-spec cargo test --test spec_quotes"
        );
        assert!(
            std::env::var_os("MXCONFORM_REQUIRE_SPEC").is_none_or(|v| v.is_empty() || v == "0"),
            "MXCONFORM_REQUIRE_SPEC is set: {message}"
        );
        // Written to stderr itself, not through eprintln!, which the test harness captures for a
        // passing test: the skip must show in every `cargo test`.
        let banner = "=".repeat(72);
        let _ = writeln!(std::io::stderr(), "\n{banner}\n{message}\n{banner}\n");
        return;
    }
    let catalogue = load_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("cases"))
        .expect("the claims registry loads");
    let mut wrong = Vec::new();
    for claim in catalogue.registry.iter() {
        let Some(source) = &claim.source else {
            wrong.push(format!(
                "{}: no `source` names where the quote stands",
                claim.id
            ));
            continue;
        };
        let quote = normalised(&claim.quote);
        match lines_of(source) {
            _ if quote.len() < 20 => wrong.push(format!(
                "{}: the quote is too short to name a sentence",
                claim.id
            )),
            Ok(text) if normalised(&text).contains(&quote) => {}
            Ok(_) => wrong.push(format!("{}: the quote is not in {source}", claim.id)),
            Err(message) => wrong.push(format!("{}: {message}", claim.id)),
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn markup_and_line_breaks_are_set_aside() {
    assert_eq!(
        normalised(
            "the `is_direct` flag to\n   [`/createRoom`](/client-server-api/#post) **must**"
        ),
        "the is_direct flag to /createRoom must"
    );
    assert_eq!(normalised("a [b] c"), "a [b] c");
}
