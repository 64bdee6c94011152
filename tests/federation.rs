//! Federation end to end with real servers: the federation cases against a Synapse given by URL with
//! a managed Synapse as its peer, and no managed Synapse left behind after a run that passes, a run
//! whose cases all end in errors, and a run stopped with Ctrl-C.
//!
//! The Synapse given by URL stands for one started by hand; the test starts it with the library.
//! `MXCONFORM_SKIP_SYNAPSE=1` opts out, as for the managed-Synapse run.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::Read;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use mxconform::server::synapse::{DEFAULT_VERSION, Federation, ManagedSynapse};

/// One scenario at a time: each counts the Synapse processes it leaves.
static SERIAL: Mutex<()> = Mutex::new(());

/// The longest a scenario's run may take before the test gives up on it.
const RUN_LIMIT: Duration = Duration::from_secs(240);

fn skipped() -> bool {
    let skip =
        std::env::var_os("MXCONFORM_SKIP_SYNAPSE").is_some_and(|v| !v.is_empty() && v != "0");
    if skip {
        eprintln!(
            "SKIPPED: federation against Synapse {DEFAULT_VERSION}: MXCONFORM_SKIP_SYNAPSE is set"
        );
    }
    skip
}

/// Where releases are installed: shared with the managed-Synapse run of `tests/synapse.rs`.
fn cache() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("mxconform-cache")
}

/// The process ids of every running Synapse homeserver on the machine.
fn synapse_processes() -> BTreeSet<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return BTreeSet::new();
    };
    entries
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|cmd| String::from_utf8_lossy(&cmd).contains("synapse.app.homeserver"))
        })
        .collect()
}

/// A finished run of the binary: its exit status and both streams.
struct Ran {
    status: ExitStatus,
    stdout: String,
    stderr: String,
}

/// Starts the binary with `args`, its streams going to files in `dir`.
fn spawn(args: &[&str], dir: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_mxconform"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("MXCONFORM_CACHE", cache())
        .env("INSTA_UPDATE", "no")
        .env_remove("MXCONFORM_TARGET")
        .env_remove("MXCONFORM_PEER")
        .env_remove("MXCONFORM_FILTER")
        .stdin(Stdio::null())
        .stdout(File::create(dir.join("stdout")).expect("a stdout file"))
        .stderr(File::create(dir.join("stderr")).expect("a stderr file"))
        .spawn()
        .expect("the mxconform binary starts")
}

/// What the file at `path` holds so far.
fn read(path: &Path) -> String {
    let mut text = String::new();
    if let Ok(mut file) = File::open(path) {
        let _ = file.read_to_string(&mut text);
    }
    text
}

/// Waits for `child` to exit within [`RUN_LIMIT`], killing it if it does not.
fn finish(mut child: Child, dir: &Path) -> Ran {
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("the run can be waited for") {
            break status;
        }
        if started.elapsed() > RUN_LIMIT {
            let _ = child.kill();
            panic!(
                "the run did not end within {RUN_LIMIT:?}\nstdout:\n{}\nstderr:\n{}",
                read(&dir.join("stdout")),
                read(&dir.join("stderr"))
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    Ran {
        status,
        stdout: read(&dir.join("stdout")),
        stderr: read(&dir.join("stderr")),
    }
}

/// Asserts the run's exit code, showing both streams when it differs.
fn exited(ran: &Ran, code: i32) {
    assert_eq!(
        ran.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        ran.stdout,
        ran.stderr
    );
}

/// Runs the binary with `args` to its end.
fn run(args: &[&str]) -> Ran {
    let dir = tempfile::tempdir().expect("a temporary directory");
    finish(spawn(args, dir.path()), dir.path())
}

/// The client ports of the Synapse processes a run said it started (`starting Synapse … on URL`).
fn started_ports(stderr: &str) -> Vec<u16> {
    stderr
        .lines()
        .filter(|line| line.starts_with("mxconform: starting Synapse"))
        .filter_map(|line| line.rsplit(':').next()?.trim().parse().ok())
        .collect()
}

/// Asserts that the run started `expected` Synapse processes and that none of them is left: no new
/// Synapse process, and nothing answering on their ports.
fn none_left(before: &BTreeSet<u32>, ran: &Ran, expected: usize) {
    let ports = started_ports(&ran.stderr);
    assert_eq!(ports.len(), expected, "stderr:\n{}", ran.stderr);
    let left: Vec<u32> = synapse_processes().difference(before).copied().collect();
    assert!(
        left.is_empty(),
        "Synapse processes left: {left:?}\nstderr:\n{}",
        ran.stderr
    );
    for port in ports {
        assert!(
            TcpStream::connect(("127.0.0.1", port)).is_err(),
            "something still answers on port {port}"
        );
    }
}

// A Synapse given by URL passes the federation cases with a managed Synapse as its peer, which is gone afterwards.
#[test]
fn a_target_by_url_passes_the_federation_cases_with_a_managed_peer() {
    if skipped() {
        return;
    }
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let target = runtime
        .block_on(ManagedSynapse::start(
            DEFAULT_VERSION,
            &cache(),
            Federation::Loopback,
        ))
        .expect("the target Synapse starts");
    let before = synapse_processes();
    let peer = format!("synapse@{DEFAULT_VERSION}");
    let ran = run(&[
        "run",
        "--target",
        target.url(),
        "--peer",
        &peer,
        "--tag",
        "federation",
    ]);
    exited(&ran, 0);
    assert!(
        ran.stdout.contains(&format!("peer: {peer} (")),
        "{}",
        ran.stdout
    );
    assert!(ran.stdout.contains(" passed, 0 failed,"), "{}", ran.stdout);
    assert!(
        !ran.stdout.contains("\nskipped       dm.federation"),
        "{}",
        ran.stdout
    );
    none_left(&before, &ran, 1);
    drop(target);
}

// A run of two managed servers whose cases all end in errors leaves neither server running.
#[test]
fn a_failed_federation_run_stops_both_servers() {
    if skipped() {
        return;
    }
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let before = synapse_processes();
    let ran = run(&[
        "run",
        "--target",
        "synapse",
        "--tag",
        "federation",
        "--case-timeout",
        "1ms",
    ]);
    exited(&ran, 3);
    assert!(ran.stdout.contains("peer: synapse@"), "{}", ran.stdout);
    none_left(&before, &ran, 2);
}

// Ctrl-C during a federation run stops the target and the peer before the process exits.
#[test]
fn ctrl_c_stops_both_servers() {
    if skipped() {
        return;
    }
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let before = synapse_processes();
    let dir = tempfile::tempdir().expect("a temporary directory");
    let child = spawn(
        &["run", "--target", "synapse", "--tag", "federation"],
        dir.path(),
    );
    let started = Instant::now();
    while !read(&dir.path().join("stdout")).contains("peer: synapse@") {
        assert!(started.elapsed() < RUN_LIMIT, "the servers did not come up");
        std::thread::sleep(Duration::from_millis(50));
    }
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT).expect("SIGINT is sent");
    let ran = finish(child, dir.path());
    exited(&ran, 130);
    assert!(
        ran.stderr
            .contains("interrupted; stopping the managed homeservers"),
        "{}",
        ran.stderr
    );
    none_left(&before, &ran, 2);
}
