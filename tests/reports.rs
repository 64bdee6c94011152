//! Reports end to end: a failing run against the fake, against a managed Synapse and against Synapse
//! by URL each write all four reports; the JUnit parses, the JSON validates against the shipped
//! schema, the HTML holds the claims matrix, and no report, transcript, output or server log carries
//! an access token, a password or the registration shared secret.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use mxconform::report::SCHEMA;
use mxconform::run::actor::PASSWORD_MARKER;
use mxconform::server::TargetSpec;
use mxconform::server::synapse::DEFAULT_VERSION;
use serde_json::Value;

const FORMATS: [(&str, &str); 4] = [
    ("--junit", "junit.xml"),
    ("--json", "report.json"),
    ("--markdown", "summary.md"),
    ("--html", "report.html"),
];

fn mxconform(args: &[&str], reports: &Path) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mxconform"));
    command
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("INSTA_UPDATE", "no")
        .env("MXCONFORM_CACHE", synapse_cache())
        .env_remove("MXCONFORM_TARGET")
        .env_remove("MXCONFORM_FILTER")
        .env_remove("MXCONFORM_SHARED_SECRET");
    for (option, file) in FORMATS {
        command.arg(option).arg(reports.join(file));
    }
    command.output().expect("the mxconform binary runs")
}

fn synapse_cache() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("mxconform-cache")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn skip_synapse() -> bool {
    std::env::var_os("MXCONFORM_SKIP_SYNAPSE").is_some_and(|v| !v.is_empty() && v != "0")
}

/// Checks the four reports of a run of `fixtures/failing` and returns their texts by file name.
fn four_reports(dir: &Path) -> Vec<(String, String)> {
    let read = |name: &str| {
        std::fs::read_to_string(dir.join(name))
            .unwrap_or_else(|e| panic!("{name} was not written: {e}"))
    };
    let json: Value = serde_json::from_str(&read("report.json")).expect("the JSON report parses");
    let schema: Value = serde_json::from_str(SCHEMA).expect("the schema parses");
    let validator = jsonschema::validator_for(&schema).expect("the schema is a JSON Schema");
    let errors: Vec<String> = validator
        .iter_errors(&json)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "the JSON report breaks the schema: {errors:#?}"
    );
    let cases = json["cases"].as_array().expect("cases").len();
    assert!(cases >= 2, "{cases} cases in the JSON report");
    assert!(
        json["cases"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["outcome"]["status"] == "fail"
                && !c["transcript"].as_array().unwrap().is_empty()),
        "a failing case keeps its transcript"
    );

    let junit = read("junit.xml");
    let document = roxmltree::Document::parse(&junit).expect("the JUnit report parses as XML");
    let testcases = document
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .count();
    assert_eq!(testcases, cases, "one JUnit testcase per case");
    assert!(
        document.descendants().any(|n| n.has_tag_name("failure")),
        "the failing cases are JUnit failures"
    );

    let html = read("report.html");
    assert!(
        html.contains("id=\"claims-matrix\""),
        "the HTML report has the claims matrix"
    );
    let markdown = read("summary.md");
    assert!(markdown.contains("failing.wrong-expectation"), "{markdown}");
    [
        ("report.json", json.to_string()),
        ("junit.xml", junit),
        ("report.html", html),
        ("summary.md", markdown),
    ]
    .into_iter()
    .map(|(name, text)| (name.to_string(), text))
    .collect()
}

/// `text` with the HTML and XML entities for quotes, apostrophes, angle brackets and ampersands
/// put back, so the JUnit and HTML reports are searched as they read.
fn unescaped(text: &str) -> String {
    [
        ("&quot;", "\""),
        ("&#34;", "\""),
        ("&#x22;", "\""),
        ("&apos;", "'"),
        ("&#39;", "'"),
        ("&lt;", "<"),
        ("&gt;", ">"),
        ("&amp;", "&"),
    ]
    .into_iter()
    .fold(text.to_string(), |text, (entity, c)| {
        text.replace(entity, c)
    })
}

/// Asserts that none of `texts` carries an access token, a password or one of `secrets`.
fn no_secrets(texts: &[(String, String)], secrets: &[&str]) {
    for (name, text) in texts {
        let text = &unescaped(text);
        for secret in secrets {
            assert!(!text.contains(secret), "{name} carries a secret");
        }
        assert!(!text.contains("syt_"), "{name} carries an access token");
        assert!(
            !text.contains(PASSWORD_MARKER),
            "{name} carries a generated password"
        );
        for key in [
            "\"password\":\"",
            "\"password\": \"",
            "\"access_token\":\"",
            "\"mac\":\"",
        ] {
            for (at, _) in text.match_indices(key) {
                let value = &text[at + key.len()..];
                assert!(
                    value.starts_with("[redacted]"),
                    "{name} carries a {key} value: {}",
                    &value[..value.len().min(40)]
                );
            }
        }
    }
}

// A failing run against the fake writes four reports that parse, validate and keep no secret.
#[test]
fn a_failing_run_against_the_fake_writes_four_valid_reports() {
    let dir = tempfile::tempdir().unwrap();
    let out = mxconform(&["run", "--cases", "fixtures/failing/cases"], dir.path());
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let mut texts = four_reports(dir.path());
    texts.push(("stdout".into(), text(&out.stdout)));
    no_secrets(&texts, &[]);
}

// The mutation matrix's JSON report validates against the same schema and carries the matrix.
#[test]
fn the_mutation_matrix_report_validates() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mutants.json");
    let out = Command::new(env!("CARGO_BIN_EXE_mxconform"))
        .args([
            "mutants",
            "flag-needs-preset",
            "--json",
            path.to_str().unwrap(),
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let json: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let schema: Value = serde_json::from_str(SCHEMA).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&json)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let rows = json["mutants"]["rows"].as_array().unwrap();
    assert_eq!(rows[1]["profile"], "flag-needs-preset");
    assert_eq!(rows[1]["finding"], "caught");
}

// Against Synapse by URL with --register shared-secret, and against a managed Synapse, a failing run
// writes four valid reports, and neither they, the output nor the server log carries a secret.
#[test]
fn failing_runs_against_synapse_write_four_valid_reports_without_secrets() {
    if skip_synapse() {
        eprintln!("SKIPPED: the Synapse report runs, because MXCONFORM_SKIP_SYNAPSE is set");
        return;
    }
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let target = TargetSpec::Synapse {
        version: DEFAULT_VERSION.to_string(),
        cache: synapse_cache(),
    };
    let connected = runtime
        .block_on(target.connect(Default::default(), None))
        .expect("Synapse starts");
    let synapse = connected.synapse().expect("a managed Synapse");
    let log = synapse.keep_log();
    let config = std::fs::read_to_string(log.with_file_name("homeserver.yaml")).unwrap();
    let secret = shared_secret(&config);
    let work = tempfile::tempdir().unwrap();
    let secret_file = work.path().join("secret");
    std::fs::write(&secret_file, &secret).unwrap();
    let by_url = work.path().join("by-url");
    let out = mxconform(
        &[
            "run",
            "--target",
            synapse.url(),
            "--register",
            "shared-secret",
            "--shared-secret-file",
            secret_file.to_str().unwrap(),
            "--cases",
            "fixtures/failing/cases",
        ],
        &by_url,
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let mut texts = four_reports(&by_url);
    texts.push(("stdout".into(), text(&out.stdout)));
    texts.push(("stderr".into(), text(&out.stderr)));
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(by_url.join("report.json")).unwrap())
            .unwrap();
    assert_eq!(
        report["target"]["server"]["name"], "Synapse",
        "{}",
        report["target"]
    );
    let cost = &report["cost"];
    assert!(cost["requests"].as_u64() > Some(0), "{cost}");
    assert!(
        cost.get("server_cpu_ms").is_none(),
        "a server reached by URL has no known process: {cost}"
    );
    drop(connected);
    texts.push((
        "Synapse log".into(),
        std::fs::read_to_string(&log).unwrap_or_default(),
    ));
    no_secrets(&texts, &[&secret]);

    let managed = work.path().join("managed");
    let out = mxconform(
        &[
            "run",
            "--target",
            "synapse",
            "--cases",
            "fixtures/failing/cases",
        ],
        &managed,
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(managed.join("report.json")).unwrap())
            .unwrap();
    let cost = &report["cost"];
    assert!(
        cost["server_cpu_ms"].as_u64() > Some(0) && cost["requests"].as_u64() > Some(0),
        "a managed run records the server's CPU and the requests: {cost}"
    );
    assert!(stdout.contains("; CPU: server "), "{stdout}");
    let mut texts = four_reports(&managed);
    let kept = stdout
        .lines()
        .find_map(|l| l.strip_prefix("target server log kept at "))
        .map(PathBuf::from)
        .expect("a failing run keeps the managed server's log");
    texts.push((
        "Synapse log".into(),
        std::fs::read_to_string(&kept).unwrap_or_default(),
    ));
    let managed_secret =
        shared_secret(&std::fs::read_to_string(kept.with_file_name("homeserver.yaml")).unwrap());
    texts.push(("stdout".into(), stdout));
    texts.push(("stderr".into(), text(&out.stderr)));
    no_secrets(&texts, &[&managed_secret]);
}

/// The registration shared secret of a managed Synapse's configuration (JSON, which is YAML).
fn shared_secret(config: &str) -> String {
    let config: Value = serde_json::from_str(config).expect("the configuration is JSON");
    config["registration_shared_secret"]
        .as_str()
        .filter(|s| s.len() >= 16)
        .expect("the configuration has its shared secret")
        .to_string()
}
