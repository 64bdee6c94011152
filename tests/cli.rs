//! The `mxconform` binary end to end: exit codes, error messages and the summary line.

use std::path::Path;
use std::process::{Command, Output};

fn mxconform(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mxconform"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("INSTA_UPDATE", "no")
        .env_remove("MXCONFORM_TARGET")
        .env_remove("MXCONFORM_FILTER")
        .output()
        .expect("the mxconform binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Asserts that the claims table gives each claim the verdict paired with it.
fn claims_read(stdout: &str, verdicts: &[(&str, &str)]) {
    for (claim, verdict) in verdicts {
        let line = stdout
            .lines()
            .find(|l| l.starts_with(claim))
            .unwrap_or_else(|| panic!("no line for {claim}:\n{stdout}"));
        assert!(line.ends_with(verdict), "{claim}: {line}");
    }
}

/// Asserts the exit code, showing both streams when it differs, and returns standard output.
fn exits_with(out: &Output, code: i32) -> String {
    let stdout = text(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout:\n{stdout}\nstderr:\n{}",
        text(&out.stderr)
    );
    stdout
}

// Broken case files exit 2 with file:line:column errors, and the good neighbour still runs and passes.
#[test]
fn broken_case_files_exit_2_with_positions() {
    let out = mxconform(&["run", "--cases", "fixtures/broken/cases"]);
    let stderr = text(&out.stderr);
    let stdout = text(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(2),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    for expected in [
        "fixtures/broken/cases/unknown-key.yaml:7:5: unknown key `cal`",
        "(did you mean `call`?)",
        "fixtures/broken/cases/unknown-actor.yaml:5:9: unknown actor `bbo`, the case declares alice, bob (did you mean `bob`?)",
        "fixtures/broken/cases/undefined-variable.yaml:7:40: undefined variable `${rooom}`",
        "fixtures/broken/cases/malformed.yaml:4:",
        "fixtures/broken/cases/duplicate-b.yaml:1:5: duplicate case id `broken.duplicate`, first defined at fixtures/broken/cases/duplicate-a.yaml:1:5",
    ] {
        assert!(
            stderr.contains(expected),
            "missing {expected:?} in:\n{stderr}"
        );
    }
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("pass ") && l.contains("broken.neighbour-still-runs")),
        "{stdout}"
    );
    assert!(
        stdout.lines().any(|l| l.starts_with("2 passed, 0 failed,")),
        "{stdout}"
    );
}

// An unreachable target exits 3 and names the URL.
#[test]
fn unreachable_target_exits_3() {
    let out = mxconform(&["run", "--target", "http://127.0.0.1:9"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        text(&out.stderr).contains("homeserver at http://127.0.0.1:9 is unreachable"),
        "{}",
        text(&out.stderr)
    );
}

// A usage error exits 2; a bad --target value says what was expected.
#[test]
fn bad_usage_exits_2() {
    let out = mxconform(&["run", "--target", "synapse-ish"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains(
        "expected `fake`, `fake:PROFILE`, `synapse`, `synapse@X.Y.Z` or a homeserver URL"
    ));
    let out = mxconform(&["run", "--target", "fake:no-such-profile"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no fake profile `no-such-profile`"));
    let out = mxconform(&["run", "--register", "shared-secret"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("MXCONFORM_SHARED_SECRET"));
}

// Failing cases exit 1 and say which step, what was expected, what came back, with a snapshot diff.
#[test]
fn failures_exit_1_with_step_expectation_response_and_diff() {
    let out = mxconform(&["run", "--cases", "fixtures/failing/cases"]);
    let stdout = exits_with(&out, 1);
    let stderr = text(&out.stderr);
    assert!(
        !stderr.contains("panicked") && !stderr.contains("stack backtrace"),
        "a snapshot mismatch is reported, not panicked: {stderr}"
    );
    assert!(
        stdout.contains("step 2 (fixtures/failing/cases/wrong-expectation.yaml:10) alice: GET"),
        "{stdout}"
    );
    assert!(
        stdout.contains("body at /is_direct: expected true, found nothing (key absent)"),
        "{stdout}"
    );
    assert!(stdout.contains("response: 200 {"), "{stdout}");
    assert!(
        stdout.contains("-  \"is_direct\": false") && stdout.contains("+  \"is_direct\": true"),
        "{stdout}"
    );
    assert!(stdout.contains("INSTA_UPDATE=always"), "{stdout}");
    assert!(
        stdout.lines().any(|l| l.starts_with("0 passed, 2 failed,")),
        "{stdout}"
    );
    assert!(
        !Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/failing/snapshots/failing.wrong-snapshot--invite.snap.new")
            .exists()
    );
}

// `list` prints every built-in case with its level and claim.
#[test]
fn list_prints_cases_with_level_and_claim() {
    let out = mxconform(&["list"]);
    assert_eq!(out.status.code(), Some(0));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("dm.create-room.invitee-flagged  MUST  dm.create-room.invitees-flagged"),
        "{stdout}"
    );
}

// The default run against the fake, filtered to one case, passes and prints the summary line.
#[test]
fn filtered_run_against_the_fake_passes() {
    let out = mxconform(&["run", "--exact", "dm.create-room.invitee-flagged"]);
    let stdout = exits_with(&out, 0);
    assert!(
        stdout.lines().any(|l| l.starts_with("1 passed, 0 failed,")),
        "{stdout}"
    );
}

// Without a usable Python the managed Synapse target says what to install and exits 3; nothing is skipped.
#[test]
fn managed_synapse_without_python_exits_3_with_the_install_hint() {
    let cache = tempfile::tempdir().expect("a temporary cache");
    let out = Command::new(env!("CARGO_BIN_EXE_mxconform"))
        .args(["run", "--target", "synapse"])
        .env("MXCONFORM_CACHE", cache.path())
        .env("MXCONFORM_PYTHON", "/nonexistent/python3")
        .output()
        .expect("the mxconform binary runs");
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("`/nonexistent/python3` was not found"),
        "{stderr}"
    );
    assert!(
        stderr.contains("apt-get install python3 python3-venv"),
        "{stderr}"
    );
}

// A broken MUST fails the run; a broken SHOULD is non-strict, a broken INFO informational, and a claim
// from an unadvertised spec version is skipped with its reason: none of those three fails the run.
#[test]
fn outcomes_follow_requirement_levels_and_advertised_versions() {
    let out = mxconform(&["run", "--cases", "fixtures/levels/cases"]);
    let stdout = exits_with(&out, 1);
    assert!(
        stdout.lines().any(|l| l
            == "0 passed, 1 failed, 1 non-strict, 1 informational, 1 skipped, 0 blocked, 0 errors"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "levels.broken-should: body at /is_direct: expected true, found nothing (key absent)"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("levels.broken-info: differs: body at /is_direct: expected true, found nothing (key absent); observed status 200; /is_direct: absent; /membership: \"invite\""),
        "{stdout}"
    );
    assert!(stdout.contains("levels.future: the server advertises versions up to v1.16; claim level.future needs v99.0"), "{stdout}");

    let out = mxconform(&["run", "--cases", "fixtures/levels/cases", "--skip-must"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unknown flag is a usage error"
    );
    for filter in ["levels.broken-should", "levels.broken-info"] {
        let out = mxconform(&["run", "--cases", "fixtures/levels/cases", filter]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{filter}: {}",
            text(&out.stdout)
        );
    }
    // A run in which every case was skipped judged nothing: it is never green.
    let out = mxconform(&["run", "--cases", "fixtures/levels/cases", "levels.future"]);
    assert_eq!(out.status.code(), Some(5), "{}", text(&out.stdout));
    assert!(
        text(&out.stderr).contains("every case that ran was skipped, so nothing was judged"),
        "{}",
        text(&out.stderr)
    );
    // A selection that matches nothing is bad input.
    let out = mxconform(&[
        "run",
        "--cases",
        "fixtures/levels/cases",
        "--tag",
        "nothing",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no case matches tag:nothing"));
}

// `claims` prints every claim with its coverage; with --run, each claim's verdict.
#[test]
fn claims_command_shows_coverage_and_verdicts() {
    let out = mxconform(&["claims"]);
    let stdout = exits_with(&out, 0);
    let federation = stdout
        .lines()
        .find(|l| l.starts_with("dm.federation.invite-state-is-direct "))
        .unwrap_or_else(|| panic!("no line for the federation claim:\n{stdout}"));
    assert!(federation.contains(" 2 case(s)"), "{federation}");
    assert!(
        stdout.contains("not testable: Needs an identity server"),
        "{stdout}"
    );
    let out = mxconform(&["claims", "--run", "--cases", "fixtures/levels/cases"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    claims_read(
        &stdout,
        &[
            ("level.must", "fail"),
            ("level.should", "non-strict"),
            ("level.info", "informational"),
            ("level.future", "skipped"),
        ],
    );
    assert!(
        stdout.contains(
            "5 claims: 4 server claims covered by 4 cases, 0 client claims, 1 not testable"
        ),
        "{stdout}"
    );
}

// A setup step that breaks charges no claim: the case is blocked (exit 4) and its claim reads "not
// reached"; a claim checked before a broken step keeps its pass; only the broken step's claim fails.
#[test]
fn claims_are_charged_only_by_the_steps_that_check_them() {
    let out = mxconform(&["claims", "--run", "--cases", "fixtures/charging/cases"]);
    // One case failed a MUST claim and one was blocked: the proven failure decides the exit code.
    let stdout = exits_with(&out, 1);
    claims_read(
        &stdout,
        &[
            ("charge.setup-reached", "not reached"),
            ("charge.held", "pass"),
            ("charge.broken", "fail"),
            (
                "charge.client",
                "client claim: never judged against a server",
            ),
        ],
    );
    assert!(
        stdout.contains("charging.setup-breaks: not reached: setup step 1 broke before it"),
        "{stdout}"
    );
    assert!(
        stdout.contains("charging.held-then-broken: fail at step 2: body at /user_id"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "0 passed, 1 failed, 0 non-strict, 0 informational, 0 skipped, 1 blocked, 0 errors"
        ),
        "{stdout}"
    );
    let out = mxconform(&["claims", "--gaps", "--cases", "fixtures/charging/cases"]);
    let stdout = exits_with(&out, 0);
    assert!(
        stdout.starts_with("charge.broken (server MUST, r0.3.0)\n"),
        "{stdout}"
    );
    assert!(stdout.contains("1 spec gaps among 4 claims"), "{stdout}");
}

// `mutants` runs profiles in-process: a fault caught by its claim exits 0; a variant that a case
// wrongly fails exits 1; `--list` names every profile with the claim it breaks.
#[test]
fn mutants_prints_the_matrix_and_exits_by_its_score() {
    let out = mxconform(&["mutants", "flag-from-preset"]);
    let stdout = exits_with(&out, 0);
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("fault    flag-from-preset")
                && l.contains("dm.create-room.unflagged-without-is-direct")
                && l.ends_with("caught")),
        "{stdout}"
    );
    assert!(stdout.contains("faults caught 1/1"), "{stdout}");
    let out = mxconform(&[
        "mutants",
        "--cases",
        "fixtures/failing/cases",
        "error-other-texts",
    ]);
    let stdout = exits_with(&out, 1);
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("variant  error-other-texts") && l.ends_with("WRONGLY FAILED")),
        "{stdout}"
    );
    let out = mxconform(&["mutants", "--list"]);
    let stdout = exits_with(&out, 0);
    assert!(
        stdout.contains(
            "flag-first-invitee-only              fault    breaks dm.create-room.invitees-flagged"
        ),
        "{stdout}"
    );
}

// A reader that closes standard output early (`mxconform list | head`) ends the listing quietly:
// no panic, no backtrace.
#[test]
fn a_closed_pipe_ends_output_without_a_panic() {
    for args in [&["list"][..], &["run"][..]] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_mxconform"))
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env_remove("MXCONFORM_TARGET")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("the mxconform binary runs");
        drop(child.stdout.take());
        let out = child.wait_with_output().expect("it ends");
        let stderr = text(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_ne!(out.status.code(), Some(101), "{args:?}: {stderr}");
    }
}

/// Writes `text` to a fresh file in `dir` and returns its path as a string.
fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

// An expected failure does not fail the run; an unexpected pass does unless allowed; an entry for an
// unknown case is bad input; `expectations --from` writes the file a run implies.
#[test]
fn expectations_excuse_expected_failures_and_catch_unexpected_passes() {
    let dir = tempfile::tempdir().unwrap();
    let reason = "the profile honours is_direct only with the trusted preset";
    let entries: String = ["no-preset", "private-chat", "public-chat"]
        .iter()
        .map(|c| format!("dm.create-room.flagged-{c}:\n  outcome: fail\n  reason: {reason}\n"))
        .collect();
    let file = write(dir.path(), "expected.yaml", &entries);
    let faulty = [
        "run",
        "--target",
        "fake:flag-needs-preset",
        "--id",
        "dm.create-room.*",
    ];
    let report = dir.path().join("faulty.json");
    let mut args = faulty.to_vec();
    args.extend(["--json", report.to_str().unwrap()]);
    let stdout = exits_with(&mxconform(&args), 1);
    assert!(stdout.contains("3 failed"), "{stdout}");

    let mut args = faulty.to_vec();
    args.extend(["--expect", &file]);
    let stdout = exits_with(&mxconform(&args), 0);
    assert!(
        stdout.contains("as expected (not failures of the run)"),
        "{stdout}"
    );
    assert!(!stdout.contains("\nfailures:"), "{stdout}");

    let conformant = ["run", "--id", "dm.create-room.*", "--expect", &file];
    let stdout = exits_with(&mxconform(&conformant), 1);
    assert!(stdout.contains("unexpected passes"), "{stdout}");
    let junit = dir.path().join("allowed.xml");
    let mut args = conformant.to_vec();
    args.extend([
        "--allow-unexpected-pass",
        "--junit",
        junit.to_str().unwrap(),
    ]);
    exits_with(&mxconform(&args), 0);
    let junit = std::fs::read_to_string(junit).unwrap();
    assert!(
        !junit.contains("<failure"),
        "an allowed unexpected pass is no JUnit failure:\n{junit}"
    );

    let unknown = write(
        dir.path(),
        "unknown.yaml",
        "dm.create-room.flaged-no-preset:\n  outcome: fail\n  reason: typo\n",
    );
    let out = mxconform(&["run", "--expect", &unknown]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("unknown.yaml:1") && stderr.contains("dm.create-room.flagged-no-preset"),
        "{stderr}"
    );

    let implied = dir.path().join("implied.yaml");
    let out = mxconform(&[
        "expectations",
        "--from",
        report.to_str().unwrap(),
        "-o",
        implied.to_str().unwrap(),
    ]);
    exits_with(&out, 0);
    let mut args = faulty.to_vec();
    args.extend(["--expect", implied.to_str().unwrap()]);
    exits_with(&mxconform(&args), 0);
}

// The shards of a partitioned run merge back into the whole run; compare lays runs side by side
// with their disagreements first; schema prints the report's JSON Schema.
#[test]
fn shards_merge_into_the_whole_run_and_runs_compare() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let mut shards = Vec::new();
    for k in 1..=3 {
        let shard = path(&format!("shard-{k}.json"));
        let partition = format!("{k}/3");
        exits_with(
            &mxconform(&["run", "--partition", &partition, "--json", &shard]),
            0,
        );
        shards.push(shard);
    }
    let merged = path("merged.json");
    let mut args = vec!["merge", "--json", merged.as_str()];
    args.extend(shards.iter().map(String::as_str));
    exits_with(&mxconform(&args), 0);
    let merged_report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&merged).unwrap()).unwrap();
    let whole = path("whole.json");
    let stdout = exits_with(&mxconform(&["run", "--json", &whole]), 0);
    let whole_report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&whole).unwrap()).unwrap();
    assert_eq!(merged_report["totals"], whole_report["totals"], "{stdout}");
    let ids = |r: &serde_json::Value| -> Vec<String> {
        r["cases"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(ids(&merged_report), ids(&whole_report));

    let faulty = path("faulty.json");
    exits_with(
        &mxconform(&[
            "run",
            "--target",
            "fake:flag-needs-preset",
            "--json",
            &faulty,
        ]),
        1,
    );
    let html = path("compare.html");
    let out = mxconform(&["compare", &whole, &faulty, "--html", &html]);
    let markdown = exits_with(&out, 0);
    let disagreements = markdown
        .find("dm.create-room.invitees-flagged")
        .expect("the broken claim is listed");
    let agreements = markdown
        .find("account-data.per-user-all-devices")
        .expect("a held claim is listed");
    assert!(
        disagreements < agreements,
        "disagreements come first:\n{markdown}"
    );
    assert!(
        std::fs::read_to_string(&html)
            .unwrap()
            .contains("id=\"compare-matrix\"")
    );

    let out = mxconform(&["merge", "--json", &path("bad.json"), &whole, &whole]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "a case in two shards is refused"
    );
    let out = mxconform(&[
        "merge",
        "--json",
        &path("part.json"),
        &shards[0],
        &shards[1],
    ]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "an incomplete set of shards is refused"
    );
    assert!(
        text(&out.stderr).contains("shards 3/3 are missing"),
        "{}",
        text(&out.stderr)
    );
    let schema = exits_with(&mxconform(&["schema"]), 0);
    assert!(schema.contains("\"format_version\""), "{schema}");
}

// Federation cases against the fake are skipped with the reason, and a peer for the fake is refused.
#[test]
fn federation_cases_need_a_peer_and_the_fake_cannot_have_one() {
    let out = mxconform(&["run", "--tag", "federation"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(5), "{stdout}");
    assert!(
        stdout.contains("dm.federation.remote-invitee-flagged: actor `bob@peer` needs a federation peer, and the built-in fake does not federate"),
        "{stdout}"
    );
    assert!(stdout.contains("0 passed, 0 failed,"), "{stdout}");
    let out = mxconform(&["run", "--peer", "synapse"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr)
            .contains("--peer needs a target that federates: the built-in fake does not"),
        "{}",
        text(&out.stderr)
    );
    let out = mxconform(&[
        "run",
        "--target",
        "http://127.0.0.1:9",
        "--peer",
        "dendrite",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("expected `synapse` or `synapse@X.Y.Z`"),
        "{}",
        text(&out.stderr)
    );
}
