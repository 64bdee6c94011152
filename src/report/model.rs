//! A run's report as data: what every emitter renders, and what `compare`, `merge` and
//! `expectations` read back. Its JSON form is described by `report.schema.json`.

use serde::{Deserialize, Serialize};

use crate::case::{Level, Subject};
use crate::server::Exchange;
use crate::verdict::{ClaimVerdict, Outcome, Tally};

/// The version of the JSON report format; it changes when a field changes meaning or goes away.
pub const FORMAT_VERSION: u32 = 1;

/// Everything a run produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    /// [`FORMAT_VERSION`] of the writer.
    pub format_version: u32,
    /// The version of mxconform that ran.
    pub mxconform_version: String,
    /// The homeserver the cases ran against.
    pub target: TargetInfo,
    /// When the run started, RFC 3339 in UTC.
    pub started: String,
    /// How long the run took, in milliseconds.
    pub duration_ms: u64,
    /// Which cases were asked for.
    pub selection: Selection,
    /// Case outcomes counted.
    pub totals: Tally,
    /// One entry per case that ran, sorted by id.
    pub cases: Vec<CaseReport>,
    /// The claims registry, with each claim's verdict over the cases that ran.
    pub claims: Vec<ClaimReport>,
    /// How the outcomes compare with an expectations file, when the run had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expectations: Option<ExpectationsReport>,
    /// The mutation matrix, when `mxconform mutants` wrote the report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mutants: Option<MutantsReport>,
    /// What running the cases cost the server and the harness.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<Cost>,
}

/// What running the cases cost, from the first case to the last verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cost {
    /// Wall-clock time, in milliseconds.
    pub wall_ms: u64,
    /// Requests sent to the target, retries after a 429 included.
    pub requests: u64,
    /// CPU time mxconform used (for the built-in fake, the fake's too), in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub harness_cpu_ms: Option<u64>,
    /// CPU time the server used, for a managed server (whose process is known), in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_cpu_ms: Option<u64>,
}

/// The homeserver under test.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetInfo {
    /// The target as given: `fake`, `fake:<profile>`, `synapse@X.Y.Z` or a URL.
    pub spec: String,
    /// The base URL the requests went to.
    pub url: String,
    /// The server's name and version, where it says them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<ServerInfo>,
    /// The specification versions `GET /_matrix/client/versions` advertised.
    pub advertised_versions: Vec<String>,
    /// The federation peer the run started beside the target, when it had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer: Option<PeerInfo>,
}

/// The federation peer of a run: a managed homeserver federating with the target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeerInfo {
    /// The peer as given: `synapse@X.Y.Z`.
    pub spec: String,
    /// The base URL its client-server API answered on.
    pub url: String,
    /// Its server name, as in its users' ids.
    pub server_name: String,
}

/// A server's own name and version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerInfo {
    /// E.g. `Synapse`.
    pub name: String,
    /// E.g. `1.163.2`.
    pub version: String,
}

/// What part of the suite a run covered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Selection {
    /// How many cases the suite has.
    pub suite_cases: usize,
    /// The selectors given, as written on the command line (`id:dm.*`, `tag:sync`, `level:MUST`).
    pub selectors: Vec<String>,
    /// `K/N` when the run was one shard of N.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition: Option<String>,
}

/// One case's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseReport {
    /// The case id.
    pub id: String,
    /// The first segment of the id: `dm`, `account_data`, `membership`.
    pub area: String,
    /// One line on what the case does.
    pub summary: String,
    /// The case file, as the suite names it.
    pub file: String,
    /// The case's tags.
    pub tags: Vec<String>,
    /// The level the case was judged at: the strictest of its claims.
    pub level: Level,
    /// The case's outcome, with the typed failure or the observation.
    pub outcome: Outcome,
    /// Each claim the case checks, judged only by the steps that check it.
    pub claims: Vec<ClaimVerdict>,
    /// How long the case took, in milliseconds.
    pub duration_ms: u64,
    /// The HTTP exchanges of a failing, blocked or erring case (secrets redacted).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transcript: Vec<Exchange>,
    /// A `curl` command that sends the failing step's last request again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replay: Option<String>,
    /// What an expectations file said of the case, when it named it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<Expected>,
}

/// An expectations file's entry for a case, and whether the run met it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Expected {
    /// The outcome the file expects (`fail`, `non-strict`, `skipped`, …).
    pub outcome: String,
    /// Why, or a link to the issue.
    pub reason: String,
    /// Whether the run met the expectation.
    pub met: bool,
    /// A pass the file did not expect, which `--allow-unexpected-pass` lets stand as a pass.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allowed: bool,
}

/// How the run compares with an expectations file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpectationsReport {
    /// The file.
    pub file: String,
    /// Cases that failed as the file expects: they do not fail the run.
    pub expected_failures: Vec<String>,
    /// Cases the file expects to fail that passed.
    pub unexpected_passes: Vec<String>,
    /// Cases whose outcome is neither the expected one nor a pass.
    pub unexpected_outcomes: Vec<String>,
}

/// One claim of the registry and how it fared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimReport {
    /// The claim id.
    pub id: String,
    /// Whose behaviour the claim describes.
    pub subject: Subject,
    /// The claim's requirement level.
    pub level: Level,
    /// The specification version that introduced it.
    pub since: String,
    /// The specification section (a URL).
    pub section: String,
    /// The specification's words.
    pub quote: String,
    /// Where the specification is silent, ambiguous or contradicts itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spec_gap: Option<String>,
    /// Why no case can check it, for a claim that is not testable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_testable: Option<String>,
    /// The claim's verdict: the worst outcome over the cases that ran, `not run`, `client claim`
    /// or `not testable`.
    pub verdict: String,
    /// The outcome in each case that checks it.
    pub cases: Vec<ClaimCase>,
}

/// A claim's outcome in one case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimCase {
    /// The case id.
    pub case: String,
    /// The outcome's label (`pass`, `fail`, `not reached`, …).
    pub outcome: String,
}

/// The mutation matrix: the suite against each fault profile and conformant variant of the fake.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MutantsReport {
    /// One row per profile, the conformant fake first.
    pub rows: Vec<MutantRow>,
    /// MUST and SHOULD server claims no cleanly caught fault breaks.
    pub unguarded: Vec<String>,
    /// MUST and SHOULD server claims only cases with a federation peer check, out of the fake's reach.
    #[serde(default)]
    pub beyond_the_fake: Vec<String>,
    /// How long the matrix took, in milliseconds.
    pub duration_ms: u64,
}

/// One profile's row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MutantRow {
    /// The profile, or `conformant`.
    pub profile: String,
    /// `fault`, `variant` or `baseline`.
    pub kind: String,
    /// The claim a fault breaks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim: Option<String>,
    /// `caught`, `collateral`, `survived`, `passed` or `wrongly failed`.
    pub finding: String,
    /// The red marks the profile left: `case: outcome claim: headline`.
    pub marks: Vec<String>,
}
