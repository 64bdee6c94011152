//! Hostile files and command lines: each is refused with exit 2 and an error naming the file (and
//! the line, where there is one), within a bound, without a panic, whether it is handed in as a case
//! file, as `claims.yaml`, as an expectations file or as a report to `compare`.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long one command may take before the test kills it and fails: far beyond any honest run.
const BOUND: Duration = Duration::from_secs(60);

/// The size of the generated very large file: well past every input limit.
const HUGE_BYTES: usize = 50 * 1024 * 1024;

/// The checked-in hostile files.
const CHECKED_IN: &[&str] = &[
    "empty.yaml",
    "not-utf8.yaml",
    "deeply-nested.yaml",
    "deeply-nested-block.yaml",
    "billion-laughs.yaml",
    "duplicate-keys.yaml",
    "top-level-list.yaml",
];

/// What a finished command left: its exit code and both streams.
struct Ended {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs `mxconform` with `args` in `dir`, killing it and failing the test if it outlasts [`BOUND`].
fn mxconform(dir: &Path, args: &[&str]) -> Ended {
    let stdout = dir.join("stdout.txt");
    let stderr = dir.join("stderr.txt");
    let mut child = Command::new(env!("CARGO_BIN_EXE_mxconform"))
        .args(args)
        .current_dir(dir)
        .env("INSTA_UPDATE", "no")
        .env_remove("MXCONFORM_TARGET")
        .env_remove("MXCONFORM_FILTER")
        .env_remove("MXCONFORM_CASES")
        .env_remove("MXCONFORM_EXPECT")
        .stdout(Stdio::from(File::create(&stdout).unwrap()))
        .stderr(Stdio::from(File::create(&stderr).unwrap()))
        .spawn()
        .expect("the mxconform binary runs");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("the child can be waited on") {
            break status;
        }
        if started.elapsed() > BOUND {
            let _ = child.kill();
            let _ = child.wait();
            panic!("mxconform {args:?} ran longer than {BOUND:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let read = |path: &Path| String::from_utf8_lossy(&std::fs::read(path).unwrap()).into_owned();
    Ended {
        code: status.code(),
        stdout: read(&stdout),
        stderr: read(&stderr),
    }
}

/// Asserts exit 2 with no panic and an error naming `name`, followed by a line number unless
/// `positioned` is false.
fn refused(ended: &Ended, name: &str, positioned: bool, role: &str) {
    let Ended {
        code,
        stdout,
        stderr,
    } = ended;
    let context = format!("{name} as {role}\nstdout:\n{stdout}\nstderr:\n{stderr}");
    assert_eq!(*code, Some(2), "{context}");
    assert!(!stderr.contains("panicked"), "{context}");
    let named = stderr
        .lines()
        .filter(|line| line.starts_with("error: "))
        .filter_map(|line| line.split_once(&format!("{name}:")))
        .map(|(_, after)| after.starts_with(|c: char| c.is_ascii_digit()))
        .collect::<Vec<_>>();
    assert!(!named.is_empty(), "no error names the file: {context}");
    if positioned {
        assert!(named.contains(&true), "no error gives a line: {context}");
    }
}

/// The fixtures directory of hostile files.
fn hostile() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/hostile")
}

/// Every hostile file by name with its bytes: the checked-in ones, a binary one and a very large one.
fn corpus() -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = CHECKED_IN
        .iter()
        .map(|name| {
            (
                name.to_string(),
                std::fs::read(hostile().join(name)).unwrap(),
            )
        })
        .collect();
    let binary = (0..4096u32).map(|i| (i * 131 + 7) as u8).collect();
    files.push(("binary.yaml".into(), binary));
    let mut huge = b"id: hostile.huge\nsummary: ".to_vec();
    huge.resize(HUGE_BYTES, b'a');
    files.push(("huge.yaml".into(), huge));
    files
}

/// A cases directory with the fixtures' claims and one good case, plus `extra` files.
fn cases_dir(root: &Path, name: &str, extra: &[(&str, &[u8])]) -> PathBuf {
    let dir = root.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    let broken = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/broken/cases");
    for file in ["claims.yaml", "good.yaml"] {
        std::fs::copy(broken.join(file), dir.join(file)).unwrap();
    }
    for (file, bytes) in extra {
        std::fs::write(dir.join(file), bytes).unwrap();
    }
    dir
}

// As a case file: refused at its place, and the good case beside it still runs and passes.
#[test]
fn hostile_case_files_are_refused_and_the_others_still_run() {
    let root = tempfile::tempdir().unwrap();
    for (name, bytes) in corpus() {
        let dir = cases_dir(root.path(), &format!("case-{name}"), &[(&name, &bytes)]);
        let ended = mxconform(root.path(), &["run", "--cases", dir.to_str().unwrap()]);
        refused(&ended, &name, name != "huge.yaml", "a case file");
        assert!(
            ended.stdout.contains("1 passed, 0 failed"),
            "{name}: the good case still runs:\n{}",
            ended.stdout
        );
    }
}

// As the claims file: refused, nothing runs.
#[test]
fn hostile_claims_files_are_refused() {
    let root = tempfile::tempdir().unwrap();
    for (name, bytes) in corpus() {
        let dir = cases_dir(
            root.path(),
            &format!("claims-{name}"),
            &[("claims.yaml", &bytes)],
        );
        let ended = mxconform(root.path(), &["run", "--cases", dir.to_str().unwrap()]);
        refused(&ended, "claims.yaml", name != "huge.yaml", "claims.yaml");
    }
}

// As an expectations file (an empty one expects nothing, and is good) and as a report to compare.
#[test]
fn hostile_expectations_and_reports_are_refused() {
    let root = tempfile::tempdir().unwrap();
    let cases = cases_dir(root.path(), "cases", &[]);
    let mut corpus = corpus();
    for json in ["duplicate-keys.json", "wrong-shape.json"] {
        corpus.push((json.into(), std::fs::read(hostile().join(json)).unwrap()));
    }
    for (name, bytes) in corpus {
        let file = root.path().join(&name);
        std::fs::write(&file, &bytes).unwrap();
        let file = file.to_str().unwrap();
        let positioned = name != "huge.yaml";
        if name.ends_with(".yaml") && name != "empty.yaml" {
            let args = ["run", "--cases", cases.to_str().unwrap(), "--expect", file];
            refused(
                &mxconform(root.path(), &args),
                &name,
                positioned,
                "--expect",
            );
        }
        let ended = mxconform(root.path(), &["compare", file, file]);
        refused(&ended, &name, positioned, "a report");
    }
}

// A bad command line exits 2 and says what was expected.
#[test]
fn bad_command_lines_exit_2_with_a_clear_message() {
    let root = tempfile::tempdir().unwrap();
    for (args, says) in [
        (
            &["run", "--no-such-flag"][..],
            "unexpected argument '--no-such-flag'",
        ),
        (
            &["run", "--partition", "5/3"],
            "expected K/N with 1 <= K <= N",
        ),
        (
            &["run", "--partition", "half"],
            "expected K/N with 1 <= K <= N",
        ),
        (&["run", "--target", "ftp://example.org"], "expected `fake`"),
        (&["run", "--test-threads", "0"], "expected 1 or more"),
        (
            &["run", "--test-threads", "many"],
            "expected a whole number",
        ),
        (
            &["run", "--request-timeout", "0s"],
            "expected a duration above zero",
        ),
        (
            &["run", "--case-timeout", "soon"],
            "expected a duration such as 10s",
        ),
        (&["compare"], "required arguments were not provided"),
        (&["compare", "no-such-report.json"], "no-such-report.json"),
    ] {
        let ended = mxconform(root.path(), args);
        let context = format!("{args:?}\nstderr:\n{}", ended.stderr);
        assert_eq!(ended.code, Some(2), "{context}");
        assert!(ended.stderr.contains(says), "{context}");
        assert!(!ended.stderr.contains("panicked"), "{context}");
    }
}
