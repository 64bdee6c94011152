//! What the suite costs a homeserver, measured against one managed Synapse: for the whole suite,
//! wall time, Synapse's CPU, mxconform's CPU and requests per case; for the foundation checks,
//! Synapse's CPU under mxconform beside a plain sequential client doing the same checks; and the
//! wall time, CPU time and CPU per case run of `mxconform mutants`. Run with `cargo bench --bench
//! cost`, or `cargo bench --bench cost -- mutants` for the mutants figures alone (no Synapse); speed
//! is reported here, never asserted.

#[path = "cost/plain.rs"]
mod plain;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use mxconform::report::{Cost, RunReport, read};
use mxconform::server::synapse::{DEFAULT_VERSION, Federation, ManagedSynapse, install};
use nix::sys::resource::{UsageWho, getrusage};
use nix::sys::time::TimeVal;

/// The ten checks the project started with, one case each.
const FOUNDATION: &[&str] = &[
    "account_data.get.unset-not-found",
    "account_data.m-direct.in-sync",
    "account_data.m-direct.round-trip",
    "account_data.other-user.forbidden",
    "account_data.put.not-an-object",
    "account_data.put.push-rules-rejected",
    "dm.create-room.creator-not-flagged",
    "dm.create-room.invitee-flagged",
    "dm.create-room.no-flag-without-is-direct",
    "dm.flow.both-record-m-direct",
];

/// The users the foundation cases declare, one fresh user per actor per case.
const FOUNDATION_USERS: u64 = 18;

/// The rooms the foundation cases create, fresh ones for each case.
const FOUNDATION_ROOMS: u64 = 8;

/// The rooms the plain client creates for the same checks.
const PLAIN_ROOMS: u64 = 2;

/// How many users the registration cost is averaged over.
const REGISTRATIONS: u64 = 20;

/// How many rooms the cost of `/createRoom` is averaged over.
const ROOMS: u64 = 10;

/// How many times each side of the foundation comparison runs, interleaved.
const ROUNDS: usize = 3;

/// The most wall time `mutants` may take per core's worth of its CPU time: it never waits.
const MUTANTS_WAIT_GOAL: f64 = 1.2;

/// The most CPU time, in milliseconds, `mutants` may spend per case run (profile × case).
const MUTANTS_CPU_GOAL_MS: f64 = 0.73;

/// One measured stretch of work against the server.
#[derive(Debug, Clone, Copy)]
struct Spent {
    wall: Duration,
    server_cpu: Duration,
    harness_cpu: Option<Duration>,
    requests: u64,
    users: Option<u64>,
}

/// What one `mxconform mutants` over every profile spent.
#[derive(Debug, Clone, Copy)]
struct MutantsCost {
    wall: Duration,
    cpu: Duration,
    case_runs: usize,
}

fn main() {
    if std::env::args().skip(1).any(|arg| arg == "mutants") {
        report_mutants(&time_mutants());
        return;
    }
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let cache = install::cache_root();
    let synapse = runtime
        .block_on(ManagedSynapse::start(
            DEFAULT_VERSION,
            &cache,
            Federation::Off,
        ))
        .expect("Synapse starts");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let cpu = || synapse.cpu_time().expect("Synapse's CPU time is readable");

    let (suite, cases) = mxconform_run(synapse.url(), &[], dir.path(), cpu);
    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    for _ in 0..ROUNDS {
        ours.push(mxconform_run(synapse.url(), FOUNDATION, dir.path(), cpu).0);
        theirs.push(runtime.block_on(plain_run(synapse.url(), cpu)));
    }
    let registration = runtime.block_on(registration_cost(synapse.url(), cpu));
    let room = runtime.block_on(room_cost(synapse.url(), cpu, registration));
    let mutants = time_mutants();
    drop(synapse);

    println!("mxconform cost against Synapse {DEFAULT_VERSION} (managed, on loopback)\n");
    println!("whole suite, {cases} cases:");
    println!("  {}", describe(&suite, cases));
    let server = suite.server_cpu.as_secs_f64().max(f64::EPSILON);
    let harness = suite.harness_cpu.unwrap_or_default().as_secs_f64();
    let waited = suite.wall.as_secs_f64() / server;
    goal(
        "wall / Synapse CPU",
        format!("{waited:.3}"),
        "at most 1.05: the server never waits for the harness",
        waited <= 1.05,
    );
    let share = 100.0 * harness / server;
    goal(
        "mxconform CPU / Synapse CPU",
        format!("{share:.2}%"),
        "under 1%",
        share < 1.0,
    );
    println!(
        "\nfoundation checks ({} cases), median of {ROUNDS} runs each:",
        FOUNDATION.len()
    );
    let (ours, theirs) = (median(&ours), median(&theirs));
    println!("  mxconform:    {}", describe(&ours, FOUNDATION.len()));
    println!("  plain client: {}", describe(&theirs, FOUNDATION.len()));
    let relative =
        ours.server_cpu.as_secs_f64() / theirs.server_cpu.as_secs_f64().max(f64::EPSILON);
    goal(
        "Synapse CPU, mxconform / plain client",
        format!("{relative:.3}"),
        "at most 1.00",
        relative <= 1.0,
    );
    let plain_users = theirs.users.unwrap_or_default();
    println!(
        "  the cases' isolation: mxconform registers {FOUNDATION_USERS} users and creates {FOUNDATION_ROOMS} rooms (fresh ones for each case), the plain client {plain_users} and {PLAIN_ROOMS}; one registration costs Synapse {:.1}ms of CPU, one /createRoom {:.1}ms",
        registration.as_secs_f64() * 1000.0,
        room.as_secs_f64() * 1000.0
    );
    let difference = ours.server_cpu.as_secs_f64() - theirs.server_cpu.as_secs_f64();
    let isolation = registration.as_secs_f64() * (FOUNDATION_USERS - plain_users) as f64
        + room.as_secs_f64() * (FOUNDATION_ROOMS - PLAIN_ROOMS) as f64;
    println!(
        "  of the {difference:.2}s more Synapse CPU, the extra users and rooms account for about {isolation:.2}s"
    );
    println!();
    report_mutants(&mutants);
}

/// Runs `mxconform run` against `url` (all cases, or those with `ids`), measuring Synapse's CPU
/// around it; returns what it spent and how many cases ran.
fn mxconform_run(
    url: &str,
    ids: &[&str],
    dir: &Path,
    cpu: impl Fn() -> Duration,
) -> (Spent, usize) {
    let report = dir.join("report.json");
    let mut command = Command::new(env!("CARGO_BIN_EXE_mxconform"));
    command
        .args(["run", "--target", url, "--json"])
        .arg(&report)
        .env(
            "MXCONFORM_CASES",
            concat!(env!("CARGO_MANIFEST_DIR"), "/cases"),
        )
        .env(
            "MXCONFORM_SNAPSHOTS",
            concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"),
        );
    for id in ids {
        command.args(["--id", id]);
    }
    let before = cpu();
    let output = command.output().expect("mxconform runs");
    let server_cpu = cpu().saturating_sub(before);
    let report: RunReport = std::fs::read_to_string(&report)
        .map_err(|e| e.to_string())
        .and_then(|text| read(&text).map_err(|e| e.message))
        .unwrap_or_else(|e| {
            panic!(
                "no report ({e}):\n{}",
                String::from_utf8_lossy(&output.stdout)
            )
        });
    let totals = &report.totals;
    // A SHOULD the server departs from (Synapse's trailing-only filter wildcard) is a verdict, not
    // a broken run: only failures, blocked cases and errors make the figures meaningless.
    assert_eq!(
        totals.failed + totals.blocked + totals.errors,
        0,
        "every case that ran was judged and no MUST failed: {totals:?}"
    );
    let cost: Cost = report.cost.expect("the report records the cost");
    let spent = Spent {
        wall: Duration::from_millis(cost.wall_ms),
        server_cpu,
        harness_cpu: cost.harness_cpu_ms.map(Duration::from_millis),
        requests: cost.requests,
        users: None,
    };
    (spent, report.cases.len())
}

/// Runs the plain client's foundation checks against `url`, measuring Synapse's CPU around them.
async fn plain_run(url: &str, cpu: impl Fn() -> Duration) -> Spent {
    let before = cpu();
    let started = Instant::now();
    let run = plain::foundation_checks(url)
        .await
        .expect("the plain client's checks hold");
    assert_eq!(run.checks, FOUNDATION.len(), "every check ran");
    Spent {
        wall: started.elapsed(),
        server_cpu: cpu().saturating_sub(before),
        harness_cpu: None,
        requests: run.requests,
        users: Some(run.users),
    }
}

/// Synapse's CPU time for one registration, averaged over [`REGISTRATIONS`] made one at a time.
async fn registration_cost(url: &str, cpu: impl Fn() -> Duration) -> Duration {
    let before = cpu();
    plain::register_users(url, REGISTRATIONS)
        .await
        .expect("users register");
    cpu().saturating_sub(before) / REGISTRATIONS as u32
}

/// Synapse's CPU time for one `/createRoom` of a direct chat, averaged over [`ROOMS`]; the two
/// users it needs cost `registration` each.
async fn room_cost(url: &str, cpu: impl Fn() -> Duration, registration: Duration) -> Duration {
    let before = cpu();
    plain::create_direct_chats(url, ROOMS)
        .await
        .expect("rooms are created");
    let spent = cpu().saturating_sub(before);
    spent.saturating_sub(registration * 2) / ROOMS as u32
}

/// Runs `mxconform mutants` over every profile, measuring its wall time and CPU time and counting
/// its case runs from its JSON report.
fn time_mutants() -> MutantsCost {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let report = dir.path().join("mutants.json");
    let cpu_before = children_cpu();
    let started = Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_mxconform"))
        .args(["mutants", "--json"])
        .arg(&report)
        .env(
            "MXCONFORM_CASES",
            concat!(env!("CARGO_MANIFEST_DIR"), "/cases"),
        )
        .output()
        .expect("mxconform mutants runs");
    let wall = started.elapsed();
    let cpu = children_cpu().saturating_sub(cpu_before);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let report: RunReport = std::fs::read_to_string(&report)
        .map_err(|e| e.to_string())
        .and_then(|text| read(&text).map_err(|e| e.message))
        .expect("mutants writes its report");
    let targets = report
        .mutants
        .expect("the report has the matrix")
        .rows
        .len();
    MutantsCost {
        wall,
        cpu,
        case_runs: targets * report.selection.suite_cases,
    }
}

/// The CPU time, user and system, of every child process this one has waited for.
fn children_cpu() -> Duration {
    let usage = getrusage(UsageWho::RUSAGE_CHILDREN).expect("the system reports children's usage");
    let time = |t: TimeVal| {
        Duration::from_secs(t.tv_sec().unsigned_abs())
            + Duration::from_micros(t.tv_usec().unsigned_abs())
    };
    time(usage.user_time()) + time(usage.system_time())
}

/// Prints what `mutants` spent, with its goals: wall time near CPU time per core, and CPU per case run.
fn report_mutants(cost: &MutantsCost) {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    println!(
        "mxconform mutants (every profile against the fake), {} case runs, {cores} cores:",
        cost.case_runs
    );
    let (wall, cpu) = (cost.wall.as_secs_f64(), cost.cpu.as_secs_f64());
    println!("  wall {wall:.2}s, CPU {cpu:.2}s (user and system)");
    let waited = wall / (cpu / cores as f64).max(f64::EPSILON);
    goal(
        "wall / (CPU / cores)",
        format!("{waited:.2}"),
        &format!("at most {MUTANTS_WAIT_GOAL}: it never waits"),
        waited <= MUTANTS_WAIT_GOAL,
    );
    let per_run = 1000.0 * cpu / cost.case_runs.max(1) as f64;
    goal(
        "CPU per case run",
        format!("{per_run:.3} ms"),
        &format!("at most {MUTANTS_CPU_GOAL_MS} ms"),
        per_run <= MUTANTS_CPU_GOAL_MS,
    );
}

/// The run whose Synapse CPU is the median.
fn median(runs: &[Spent]) -> Spent {
    let mut sorted = runs.to_vec();
    sorted.sort_by_key(|s| s.server_cpu);
    sorted[sorted.len() / 2]
}

/// One line: wall, Synapse CPU, mxconform CPU, requests and requests per case.
fn describe(spent: &Spent, cases: usize) -> String {
    let harness = spent
        .harness_cpu
        .map(|cpu| format!(", mxconform CPU {:.2}s", cpu.as_secs_f64()))
        .unwrap_or_default();
    let users = spent
        .users
        .map(|users| format!(", {users} users"))
        .unwrap_or_default();
    format!(
        "wall {:.2}s, Synapse CPU {:.2}s{harness}, {} requests ({:.1} per case){users}",
        spent.wall.as_secs_f64(),
        spent.server_cpu.as_secs_f64(),
        spent.requests,
        spent.requests as f64 / cases.max(1) as f64
    )
}

/// Prints a figure beside its goal and whether it was met.
fn goal(name: &str, shown: String, wanted: &str, met: bool) {
    let verdict = if met { "met" } else { "missed" };
    println!("  {name}: {shown} (goal: {wanted}) {verdict}");
}
