//! Property tests of every reader of user files: the case and claims loader, the expectations
//! parser and the JSON report reader return on any input, never panic, and name the file in
//! every error. Inputs are random bytes, text built from YAML or JSON tokens, and built-in files
//! with lines and slices deleted, duplicated, swapped or inserted.

use std::path::{Path, PathBuf};

use mxconform::builtin;
use mxconform::case::{Source, load};
use mxconform::report::{self, FORMAT_VERSION};
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::Config;

/// The directory every fuzzed file is said to be in, so errors can be checked for naming it.
const DIR: &str = "fuzzed";

/// Pieces of YAML, case files and template syntax that random text is built from.
const YAML_TOKENS: &[&str] = &[
    "\n",
    "  ",
    "    ",
    "- ",
    ": ",
    "[",
    "]",
    "{",
    "}",
    ", ",
    "? ",
    "&a ",
    "*a",
    "&b ",
    "*b",
    "<<: *a",
    "!!str ",
    "!!binary ",
    "!include ",
    "!x ",
    "\"",
    "'",
    "|\n",
    ">-\n",
    "# c",
    "---\n",
    "...\n",
    "%YAML 1.2\n",
    "~",
    "null",
    "true",
    "yes",
    "1e999",
    ".nan",
    "0x1F",
    "-0",
    "\t",
    "\u{feff}",
    "é",
    "\r\n",
    "\\",
    "${alice}",
    "${",
    "id: a.b",
    "summary: s",
    "actors: [alice]",
    "steps:",
    "as: alice",
    "device: 2",
    "checks: [dm.x]",
    "call: GET /x",
    "call: PUT /a/${room}",
    "body: ",
    "raw_body: ",
    "expect:",
    "status: 200",
    "status: [200, 99]",
    "errcode: M_X",
    "save: {room: /room_id}",
    "sync_until:",
    "within: 10s",
    "within: 0s",
    "snapshot: {name: n}",
    "only_keys: {/: [a]}",
    "types: {/a: string}",
    "every:",
    "at: /x",
    "absent: [/a]",
    "claims:",
    "subject: server",
    "level: MUST",
    "since: v1.1",
    "quote: q",
    "section: s",
    "outcome: fail",
    "reason: r",
    "not_testable: n",
];

/// Pieces of JSON, and of the report's keys, that random report text is built from.
const JSON_TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "\"",
    "\"a\"",
    "null",
    "true",
    "0",
    "-1",
    "1e999",
    "\"\\u00e9\"",
    "\"\\ud800\"",
    " ",
    "\n",
    "\"cases\"",
    "\"claims\"",
    "\"totals\"",
    "\"target\"",
    "\"id\"",
    "\"outcome\"",
    "\"pass\"",
    "\"steps\"",
    "\"format_version\"",
    "\"selection\"",
];

fn config() -> Config {
    Config {
        cases: 128,
        failure_persistence: None,
        ..Config::default()
    }
}

/// A path in the fuzzed directory.
fn fuzzed(name: &str) -> PathBuf {
    Path::new(DIR).join(name)
}

/// Text from random bytes, lossily made UTF-8.
fn bytes() -> impl Strategy<Value = String> {
    prop::collection::vec(any::<u8>(), 0..512)
        .prop_map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
}

/// Text made of the given tokens.
fn tokens(tokens: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop::collection::vec(select(tokens), 0..96).prop_map(|picked| picked.concat())
}

/// One edit of a file's text.
#[derive(Debug, Clone)]
enum Edit {
    /// Removes lines `at..at + len`.
    DeleteLines { at: usize, len: usize },
    /// Writes lines `at..at + len` twice.
    DuplicateLines { at: usize, len: usize },
    /// Swaps two lines.
    SwapLines { a: usize, b: usize },
    /// Inserts a token at a character offset.
    Insert { at: usize, token: &'static str },
    /// Removes characters `at..at + len`.
    DeleteChars { at: usize, len: usize },
    /// Ends the text at a character offset.
    Truncate { at: usize },
}

fn edit() -> impl Strategy<Value = Edit> {
    let spot = 0..4096usize;
    prop_oneof![
        (spot.clone(), 1..8usize).prop_map(|(at, len)| Edit::DeleteLines { at, len }),
        (spot.clone(), 1..8usize).prop_map(|(at, len)| Edit::DuplicateLines { at, len }),
        (spot.clone(), spot.clone()).prop_map(|(a, b)| Edit::SwapLines { a, b }),
        (spot.clone(), select(YAML_TOKENS)).prop_map(|(at, token)| Edit::Insert { at, token }),
        (spot.clone(), 1..64usize).prop_map(|(at, len)| Edit::DeleteChars { at, len }),
        spot.prop_map(|at| Edit::Truncate { at }),
    ]
}

/// `text` with `edits` applied; offsets wrap around the text's length.
fn edited(text: &str, edits: &[Edit]) -> String {
    let mut text = text.to_string();
    for edit in edits {
        let mut lines: Vec<String> = text.split_inclusive('\n').map(str::to_string).collect();
        let chars: Vec<char> = text.chars().collect();
        let line = |i: usize| i % lines.len().max(1);
        let char_at = |i: usize| i % (chars.len() + 1);
        text = match *edit {
            Edit::DeleteLines { at, len } if !lines.is_empty() => {
                let start = line(at);
                lines.drain(start..(start + len).min(lines.len()));
                lines.concat()
            }
            Edit::DuplicateLines { at, len } if !lines.is_empty() => {
                let start = line(at);
                let copy: Vec<String> = lines[start..(start + len).min(lines.len())].to_vec();
                lines.splice(start..start, copy);
                lines.concat()
            }
            Edit::SwapLines { a, b } if !lines.is_empty() => {
                let (a, b) = (line(a), line(b));
                lines.swap(a, b);
                lines.concat()
            }
            Edit::Insert { at, token } => {
                let at = char_at(at);
                let mut out: String = chars[..at].iter().collect();
                out.push_str(token);
                out.extend(&chars[at..]);
                out
            }
            Edit::DeleteChars { at, len } => {
                let at = char_at(at);
                let end = (at + len).min(chars.len());
                chars[..at].iter().chain(&chars[end..]).collect()
            }
            Edit::Truncate { at } => chars[..char_at(at)].iter().collect(),
            _ => text,
        };
    }
    text
}

/// A built-in case file, edited, and said to be in the fuzzed directory.
fn mutated_case() -> impl Strategy<Value = Source> {
    let cases = builtin::sources();
    (0..cases.len(), prop::collection::vec(edit(), 1..6)).prop_map(move |(index, edits)| {
        let case = &cases[index];
        Source {
            path: fuzzed(&case.path.file_name().unwrap().to_string_lossy()),
            text: edited(&case.text, &edits),
        }
    })
}

/// Loads `cases` beside `claims` and checks that every error names a fuzzed file.
fn loads_naming_the_file(claims: &Source, cases: &[Source]) -> Result<(), TestCaseError> {
    let catalogue = load(claims, cases);
    for error in &catalogue.errors {
        let message = error.to_string();
        prop_assert!(message.contains(DIR), "{message}");
    }
    Ok(())
}

/// The built-in claims, said to be in the fuzzed directory.
fn claims() -> Source {
    Source {
        path: fuzzed("claims.yaml"),
        ..builtin::claims()
    }
}

fn case(text: String) -> Vec<Source> {
    vec![Source {
        path: fuzzed("case.yaml"),
        text,
    }]
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn case_files_of_random_bytes_fail_naming_the_file(text in bytes()) {
        loads_naming_the_file(&claims(), &case(text))?;
    }

    #[test]
    fn case_files_of_yaml_tokens_fail_naming_the_file(text in tokens(YAML_TOKENS)) {
        loads_naming_the_file(&claims(), &case(text))?;
    }

    #[test]
    fn edited_built_in_cases_load_or_fail_naming_the_file(source in mutated_case()) {
        loads_naming_the_file(&claims(), &[source])?;
    }

    #[test]
    fn claims_files_of_any_text_fail_naming_the_file(
        text in prop_oneof![bytes(), tokens(YAML_TOKENS)],
        edits in prop::collection::vec(edit(), 1..6),
    ) {
        let random = Source { path: fuzzed("claims.yaml"), text };
        loads_naming_the_file(&random, &[])?;
        let mutated = Source { text: edited(&claims().text, &edits), ..claims() };
        let cases: Vec<Source> = builtin::sources()[..2]
            .iter()
            .map(|case| Source { path: fuzzed(&case.path.to_string_lossy()), ..case.clone() })
            .collect();
        loads_naming_the_file(&mutated, &cases)?;
    }

    #[test]
    fn expectations_of_any_text_fail_naming_the_file(
        text in prop_oneof![bytes(), tokens(YAML_TOKENS)],
        edits in prop::collection::vec(edit(), 1..6),
    ) {
        let sample = "dm.a:\n  outcome: fail\n  reason: https://example.org/1\ndm.b: {outcome: error, reason: r}\n";
        let path = fuzzed("expect.yaml");
        for text in [text, edited(sample, &edits)] {
            if let Err(error) = mxconform::expectations::parse(&path, &text) {
                let message = error.to_string();
                prop_assert!(message.contains(DIR), "{message}");
            }
        }
    }

    #[test]
    fn reports_of_any_text_fail_naming_the_file(
        text in prop_oneof![bytes(), tokens(JSON_TOKENS)],
        body in tokens(JSON_TOKENS),
    ) {
        let versioned = format!("{{\"format_version\": {FORMAT_VERSION}, {body}");
        for text in [text, versioned] {
            if let Err(error) = report::read(&text) {
                let message = error.in_file(&fuzzed("report.json"));
                prop_assert!(message.contains(DIR), "{message}");
            }
        }
    }
}
