//! Hostile homeservers: for each way a half-written server can misbehave, a small local server that
//! does exactly that, and a run against it that must end in bounded time with the documented exit
//! code, a clear message and no panic.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// How a hostile server answers a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    /// A well-formed `/versions` advertising v1.11.
    Versions,
    /// `/versions` with a `versions` list holding nothing mxconform can use.
    VersionsUnusable,
    /// A successful registration.
    Registered,
    /// Never a byte.
    Silence,
    /// The headers, then the body one byte a second.
    Drip,
    /// The connection closed without an answer.
    Reset,
    /// 500 with a Matrix error.
    ServerError,
    /// 200 with a body that is not JSON.
    NotJson,
    /// 200 with an HTML page.
    Html,
    /// A redirect to the same path.
    RedirectLoop,
    /// 200 with a 40 MiB body.
    Oversized,
    /// 200 with an empty object, after half a second.
    Slow,
}

/// Which answer a server gives to a request for `path`: `versions` to `/versions`, `register` to
/// registration, `rest` to everything else.
#[derive(Debug, Clone, Copy)]
struct Behaviour {
    versions: Answer,
    register: Answer,
    rest: Answer,
}

impl Behaviour {
    /// The same answer to everything.
    fn always(answer: Answer) -> Self {
        Behaviour {
            versions: answer,
            register: answer,
            rest: answer,
        }
    }

    /// A good `/versions`, then `answer` to everything after it.
    fn after_versions(answer: Answer) -> Self {
        Behaviour {
            versions: Answer::Versions,
            register: answer,
            rest: answer,
        }
    }

    fn answer(&self, path: &str) -> Answer {
        if path.starts_with("/_matrix/client/versions") {
            self.versions
        } else if path.contains("/register") {
            self.register
        } else {
            self.rest
        }
    }
}

/// Starts a server with `behaviour` on a loopback port, in a thread of its own; returns its URL.
fn serve(behaviour: Behaviour) -> String {
    let std_listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    std_listener.set_nonblocking(true).expect("non-blocking");
    let url = format!(
        "http://{}",
        std_listener.local_addr().expect("a local address")
    );
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime for the hostile server");
        runtime.block_on(async move {
            let listener = TcpListener::from_std(std_listener).expect("a tokio listener");
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(connection(stream, behaviour));
            }
        });
    });
    url
}

/// Serves the requests of one connection until it closes.
async fn connection(mut stream: TcpStream, behaviour: Behaviour) {
    while let Some(path) = read_request(&mut stream).await {
        let answer = behaviour.answer(&path);
        if !respond(&mut stream, answer, &path).await {
            return;
        }
    }
}

/// Reads one request's head and body; returns its path, or `None` when the connection closed.
async fn read_request(stream: &mut TcpStream) -> Option<String> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte).await.ok()? == 0 {
            return None;
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).to_string();
    let length = head
        .lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body).await.ok()?;
    head.split_whitespace().nth(1).map(str::to_string)
}

/// Writes `answer`; returns whether the connection can carry another request.
async fn respond(stream: &mut TcpStream, answer: Answer, path: &str) -> bool {
    let json = |status: &str, body: &str| {
        format!(
            "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        )
    };
    let text = match answer {
        Answer::Versions => json("200 OK", r#"{"versions":["v1.1","v1.11","v1.16"]}"#),
        Answer::VersionsUnusable => json("200 OK", r#"{"versions":[]}"#),
        Answer::Registered => json(
            "200 OK",
            r#"{"user_id":"@someone:hostile.test","access_token":"hostile-token","device_id":"D"}"#,
        ),
        Answer::ServerError => json(
            "500 Internal Server Error",
            r#"{"errcode":"M_UNKNOWN","error":"internal error"}"#,
        ),
        Answer::NotJson => {
            "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 9\r\n\r\nnot json!"
                .into()
        }
        Answer::Html => {
            let page = "<html><body><h1>It works!</h1></body></html>";
            format!(
                "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: {}\r\n\r\n{page}",
                page.len()
            )
        }
        Answer::RedirectLoop => {
            format!("HTTP/1.1 302 Found\r\nlocation: {path}\r\ncontent-length: 0\r\n\r\n")
        }
        Answer::Slow => {
            tokio::time::sleep(Duration::from_millis(500)).await;
            json("200 OK", "{}")
        }
        Answer::Silence => {
            std::future::pending::<()>().await;
            return false;
        }
        Answer::Reset => return false,
        Answer::Drip => {
            let body = r#"{"versions":["v1.11"]}"#;
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                body.len()
            );
            if stream.write_all(head.as_bytes()).await.is_err() {
                return false;
            }
            for byte in body.bytes() {
                tokio::time::sleep(Duration::from_secs(1)).await;
                if stream.write_all(&[byte]).await.is_err() {
                    return false;
                }
            }
            return true;
        }
        Answer::Oversized => {
            let size = 40 * 1024 * 1024;
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {size}\r\n\r\n"
            );
            if stream.write_all(head.as_bytes()).await.is_err() {
                return false;
            }
            let chunk = vec![b' '; 64 * 1024];
            for _ in 0..size / chunk.len() {
                if stream.write_all(&chunk).await.is_err() {
                    return false;
                }
            }
            return true;
        }
    };
    stream.write_all(text.as_bytes()).await.is_ok()
}

/// What a finished run left behind.
struct Ran {
    code: Option<i32>,
    /// Standard output and standard error, one after the other.
    output: String,
    report: Option<Value>,
}

/// The longest a run against a hostile server may take before the test gives up on it.
const BOUND: Duration = Duration::from_secs(90);

/// Runs the built-in suite against `url` with short limits, killing it if it outlives [`BOUND`].
fn run_against(url: &str, dir: &Path) -> Ran {
    run_with(url, dir, "6s")
}

/// Runs the built-in suite against `url` with a 1 s request timeout and `case_timeout`.
fn run_with(url: &str, dir: &Path, case_timeout: &str) -> Ran {
    let report = dir.join("report.json");
    let child = Command::new(env!("CARGO_BIN_EXE_mxconform"))
        .args(["run", "--target", url, "--request-timeout", "1s"])
        .args(["--case-timeout", case_timeout, "--json"])
        .arg(&report)
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("mxconform starts");
    let pid = child.id();
    let (sender, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || sender.send(child.wait_with_output()));
    let Ok(Ok(Output {
        status,
        stdout,
        stderr,
    })) = finished.recv_timeout(BOUND)
    else {
        let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
        panic!("the run against {url} did not end within {BOUND:?}");
    };
    let output = String::from_utf8_lossy(&stdout).to_string() + &String::from_utf8_lossy(&stderr);
    assert!(!output.contains("panicked"), "the run panicked:\n{output}");
    let report = std::fs::read_to_string(&report)
        .ok()
        .map(|text| serde_json::from_str(&text).expect("the report is JSON"));
    Ran {
        code: status.code(),
        output,
        report,
    }
}

/// Runs against a server with `behaviour` and checks the exit code and that the output says `says`.
fn classified(behaviour: Behaviour, code: i32, says: &str) -> Ran {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let ran = run_against(&serve(behaviour), dir.path());
    assert_eq!(ran.code, Some(code), "exit code; output:\n{}", ran.output);
    assert!(
        ran.output.contains(says),
        "the output should say `{says}`:\n{}",
        ran.output
    );
    ran
}

/// Checks that every case of the report ended with `status`, and at least one said `says`; the
/// federation cases, which need a peer these runs do not have, are skipped.
fn every_case(ran: &Ran, status: &str, says: &str) {
    let report = ran.report.as_ref().expect("a report was written");
    let cases = report["cases"].as_array().expect("cases");
    assert!(!cases.is_empty());
    for case in cases {
        let federation = case["tags"]
            .as_array()
            .is_some_and(|tags| tags.iter().any(|t| t == "federation"));
        let expected = if federation { "skipped" } else { status };
        assert_eq!(case["outcome"]["status"], expected, "{case}");
    }
    assert!(
        report.to_string().contains(says),
        "a case should say `{says}`"
    );
}

// A port nobody listens on: unreachable, exit 3.
#[test]
fn refused_connections() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let dir = tempfile::tempdir().expect("a temporary directory");
    let ran = run_against(&format!("http://127.0.0.1:{port}"), dir.path());
    assert_eq!(ran.code, Some(3), "{}", ran.output);
    assert!(ran.output.contains("unreachable"), "{}", ran.output);
}

// Accepts connections and never answers: unreachable, exit 3.
#[test]
fn accepts_and_never_answers() {
    classified(Behaviour::always(Answer::Silence), 3, "unreachable");
}

// Answers /versions, then nothing: every case is an error, most never sent once the breaker opens.
#[test]
fn answers_versions_then_hangs() {
    let ran = classified(
        Behaviour::after_versions(Answer::Silence),
        3,
        "stopped answering",
    );
    every_case(&ran, "error", "no complete answer within 1s");
}

// Drips every body a byte a second: unreachable at /versions.
#[test]
fn drips_its_body() {
    classified(Behaviour::always(Answer::Drip), 3, "unreachable");
}

// Drips every body after /versions: each request runs into the request timeout.
#[test]
fn drips_its_body_after_versions() {
    let ran = classified(Behaviour::after_versions(Answer::Drip), 3, "error");
    every_case(&ran, "error", "no complete answer within 1s");
}

// Closes every connection without an answer.
#[test]
fn resets_connections() {
    classified(Behaviour::always(Answer::Reset), 3, "unreachable");
}

// Closes every connection after /versions: errors, and the breaker opens.
#[test]
fn resets_connections_after_versions() {
    let ran = classified(
        Behaviour::after_versions(Answer::Reset),
        3,
        "stopped answering",
    );
    every_case(&ran, "error", "not sent");
}

// Each malformed answer to everything, /versions included: not a homeserver, exit 3.
#[test]
fn malformed_answers_to_everything() {
    for answer in [
        Answer::ServerError,
        Answer::NotJson,
        Answer::Html,
        Answer::RedirectLoop,
        Answer::Oversized,
    ] {
        let ran = classified(Behaviour::always(answer), 3, "unreachable");
        assert!(ran.report.is_none(), "{answer:?}: no run, so no report");
    }
}

// Each malformed answer after /versions: no user can be provisioned, so every case is an error.
#[test]
fn malformed_answers_after_versions() {
    for (answer, says) in [
        (Answer::ServerError, "M_UNKNOWN"),
        (Answer::NotJson, "not json"),
        (Answer::Html, "It works!"),
        (Answer::RedirectLoop, "redirect"),
        (Answer::Oversized, "larger than"),
    ] {
        let ran = classified(Behaviour::after_versions(answer), 3, "error");
        every_case(&ran, "error", says);
    }
}

// A versions list with nothing usable: every case skipped, and a run that judged nothing is exit 5.
#[test]
fn versions_without_a_usable_version() {
    let ran = classified(
        Behaviour::always(Answer::VersionsUnusable),
        5,
        "nothing was judged",
    );
    every_case(&ran, "skipped", "advertises no version it can read");
}

// Users register, then every later call is closed unanswered: errors, not failures of claims.
#[test]
fn provisioning_works_then_every_call_fails() {
    let behaviour = Behaviour {
        versions: Answer::Versions,
        register: Answer::Registered,
        rest: Answer::Reset,
    };
    let ran = classified(behaviour, 3, "error");
    every_case(&ran, "error", "connection closed");
}

// Users register, then every later call answers 500: answers that break setup steps block their
// cases, those that break a checking step fail it, and the proven failures decide the exit code
// (1, not 4); none is an error.
#[test]
fn provisioning_works_then_every_call_answers_500() {
    let behaviour = Behaviour {
        versions: Answer::Versions,
        register: Answer::Registered,
        rest: Answer::ServerError,
    };
    let ran = classified(behaviour, 1, "blocked");
    let report = ran.report.expect("a report");
    let outcomes: Vec<&str> = report["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .filter_map(|case| case["outcome"]["status"].as_str())
        .collect();
    assert!(
        outcomes.contains(&"blocked") && outcomes.contains(&"fail"),
        "{outcomes:?}"
    );
    assert!(
        !report.to_string().contains(r#""status":"error""#),
        "a 500 is an answer, not an error"
    );
}

// Answers everything slowly and never with what a /sync wait awaits: the cases that wait run into
// their deadline and end as errors naming it, not as failures.
#[test]
fn slow_answers_run_cases_into_their_deadline() {
    let behaviour = Behaviour {
        versions: Answer::Versions,
        register: Answer::Registered,
        rest: Answer::Slow,
    };
    let dir = tempfile::tempdir().expect("a temporary directory");
    let ran = run_with(&serve(behaviour), dir.path(), "2s");
    assert_eq!(ran.code, Some(3), "{}", ran.output);
    let report = ran.report.expect("a report");
    let timed_out: Vec<&Value> = report["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .filter(|case| case.to_string().contains(r#""kind":"timed_out""#))
        .collect();
    assert!(!timed_out.is_empty(), "no case ran into its deadline");
    for case in timed_out {
        assert_eq!(case["outcome"]["status"], "error", "{case}");
        assert!(
            case.to_string().contains("the case (--case-timeout)"),
            "{case}"
        );
    }
}
