//! The mutation matrix: the suite run against every fault profile and conformant variant of the fake.
//!
//! A fault profile breaks one claim; it is caught when some case charges that claim where the
//! conformant fake does not (fail or non-strict; a departure for an INFO or MAY claim), and it must
//! charge no other MUST or SHOULD claim and block or error no case ("collateral"). A variant departs
//! from the fake only as the specification allows; it passes when no case fails, is blocked or
//! errors. The conformant fake itself must leave no fail, non-strict, blocked or error mark. A MUST or
//! SHOULD server claim is guarded when a cleanly caught fault breaks it.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;

use crate::case::model::EVENT_IDENTITY_CLAIM;
use crate::case::{Case, Claim, Level, Registry, Subject};
use crate::run::bounds::Bounds;
use crate::run::suite::{prepare, run_all};
use crate::server::fake::{Kind, Profile};
use crate::server::{Registration, TargetError, TargetSpec};
use crate::verdict::{Outcome, Verdict};

/// How many cases run at once across every profile.
const SLOTS: usize = 16;

/// The longest a `sync_until` waits against the fake, which answers at once.
const WITHIN_CAP: Duration = Duration::from_secs(3);

/// One red mark a profile left: a case, the claim charged (if any), the outcome and its headline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark {
    /// The case id.
    pub case_id: String,
    /// The claim charged; `None` for a case blocked or in error.
    pub claim: Option<String>,
    /// The outcome's label.
    pub outcome: &'static str,
    /// One line on what was expected and found.
    pub headline: String,
}

/// What a profile's run showed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// A fault whose claim some case charged, and nothing stricter besides.
    Caught,
    /// A fault whose claim was charged, together with other MUST or SHOULD claims or cases blocked
    /// or in error: it does not break exactly one claim.
    Collateral,
    /// A fault no case charged to its claim.
    Survived,
    /// A variant (or the conformant fake) that no case failed, blocked or errored on.
    Passed,
    /// A variant (or the conformant fake) that made cases fail, blocked or error.
    WronglyFailed,
}

/// One row of the matrix.
#[derive(Debug, Clone)]
pub struct Row {
    /// The profile; `None` for the conformant fake, the baseline every variant is measured against.
    pub profile: Option<Profile>,
    /// What the run showed.
    pub finding: Finding,
    /// Every red mark the conformant fake does not leave: charged claims, and cases blocked or in
    /// error (for the conformant fake, every mark).
    pub marks: Vec<Mark>,
}

impl Row {
    /// The profile's name, or `conformant` for the baseline.
    pub fn name(&self) -> &'static str {
        self.profile.map_or("conformant", |p| p.name)
    }
}

/// The whole matrix, kept as data for reports.
#[derive(Debug, Clone)]
pub struct Matrix {
    /// The conformant fake first, then one row per profile in table order.
    pub rows: Vec<Row>,
    /// MUST and SHOULD server claims that no caught fault breaks.
    pub unguarded: Vec<String>,
    /// MUST and SHOULD server claims only cases with a federation peer check: no fault of the fake
    /// reaches them, so the runs against real servers guard them and their notes say how each breaks.
    pub beyond_the_fake: Vec<String>,
    /// How long the whole matrix took.
    pub elapsed: Duration,
    /// The conformant fake's verdicts, sorted by case id.
    pub baseline: Vec<Verdict>,
}

impl Matrix {
    /// Faults caught and faults in all.
    pub fn fault_score(&self) -> (usize, usize) {
        self.count(
            |row| matches!(row.profile.map(|p| p.kind), Some(Kind::Fault { .. })),
            Finding::Caught,
        )
    }

    /// Variants (and the baseline) passed, and how many there are.
    pub fn variant_score(&self) -> (usize, usize) {
        self.count(
            |row| !matches!(row.profile.map(|p| p.kind), Some(Kind::Fault { .. })),
            Finding::Passed,
        )
    }

    fn count(&self, pick: impl Fn(&Row) -> bool, good: Finding) -> (usize, usize) {
        let rows: Vec<&Row> = self.rows.iter().filter(|r| pick(r)).collect();
        (
            rows.iter().filter(|r| r.finding == good).count(),
            rows.len(),
        )
    }

    /// True when every row ran as it should: faults caught cleanly, variants and the conformant
    /// fake passed.
    pub fn rows_clean(&self) -> bool {
        self.rows
            .iter()
            .all(|r| matches!(r.finding, Finding::Caught | Finding::Passed))
    }

    /// True when every row is clean and every strict claim is guarded.
    pub fn is_clean(&self) -> bool {
        self.unguarded.is_empty() && self.rows_clean()
    }
}

/// Runs `cases` against the conformant fake and against each of `profiles`, all in this process.
pub async fn matrix(
    cases: &[Case],
    registry: &Registry,
    snapshots: PathBuf,
    profiles: &[Profile],
) -> Result<Matrix, TargetError> {
    let started = Instant::now();
    let slots = Arc::new(Semaphore::new(SLOTS));
    let mut tasks = tokio::task::JoinSet::new();
    let targets = std::iter::once(None).chain(profiles.iter().copied().map(Some));
    for (index, profile) in targets.enumerate() {
        let (cases, snapshots, slots) = (cases.to_vec(), snapshots.clone(), Arc::clone(&slots));
        tasks.spawn(async move {
            let target = TargetSpec::Fake(profile.map(|p| p.deviation));
            let (_connected, mut run) = prepare(
                &target,
                None,
                Registration::Open,
                snapshots,
                Bounds::default(),
            )
            .await?;
            run.compare_only = true;
            run.within_cap = Some(WITHIN_CAP);
            let verdicts = run_all(Arc::new(run), &cases, slots, |_| {}).await;
            Ok::<_, TargetError>((index, profile, verdicts))
        });
    }
    let mut runs = Vec::new();
    for joined in tasks.join_all().await {
        runs.push(joined?);
    }
    runs.sort_by_key(|(index, _, _)| *index);
    let baseline_verdicts = runs[0].2.clone();
    let baseline = marks(&baseline_verdicts);
    let rows: Vec<Row> = runs
        .into_iter()
        .map(|(_, profile, verdicts)| row(profile, &verdicts, &baseline))
        .collect();
    let strict: Vec<&Claim> = registry
        .iter()
        .filter(|c| c.subject == Subject::Server && c.not_testable.is_none())
        .filter(|c| c.level >= Level::Should)
        .collect();
    let checked_by = |claim: &Claim, with_peer: bool| {
        cases
            .iter()
            .any(|case| case.needs_peer() == with_peer && case.judges(&claim.id))
    };
    let (beyond, reached): (Vec<&Claim>, Vec<&Claim>) = strict
        .into_iter()
        .partition(|c| checked_by(c, true) && !checked_by(c, false));
    let unguarded = reached
        .into_iter()
        .filter(|c| {
            !rows.iter().any(|r| {
                r.finding == Finding::Caught && r.profile.and_then(|p| p.claim()) == Some(&c.id)
            })
        })
        .map(|c| c.id.clone())
        .collect();
    Ok(Matrix {
        rows,
        unguarded,
        beyond_the_fake: beyond.iter().map(|c| c.id.clone()).collect(),
        elapsed: started.elapsed(),
        baseline: baseline_verdicts,
    })
}

/// Judges one profile's verdicts against the marks the conformant fake left (`baseline`).
fn row(profile: Option<Profile>, verdicts: &[Verdict], baseline: &[Mark]) -> Row {
    let all = marks(verdicts);
    let Some(profile) = profile else {
        let clean = all.iter().all(|m| m.outcome == "informational");
        return Row {
            profile: None,
            finding: if clean {
                Finding::Passed
            } else {
                Finding::WronglyFailed
            },
            marks: all,
        };
    };
    let marks: Vec<Mark> = all
        .into_iter()
        .filter(|m| {
            !baseline
                .iter()
                .any(|b| b.case_id == m.case_id && b.claim == m.claim && b.outcome == m.outcome)
        })
        .collect();
    let finding = match profile.claim() {
        Some(claim) => {
            let caught = marks.iter().any(|m| m.claim.as_deref() == Some(claim));
            // A fault that serves one event differently through one read also serves one event id
            // two ways: the event identity claim rides along with every such fault.
            let collateral = marks.iter().any(|m| {
                m.claim.as_deref() != Some(claim)
                    && m.claim.as_deref() != Some(EVENT_IDENTITY_CLAIM)
                    && m.outcome != "informational"
            });
            match (caught, collateral) {
                (true, false) => Finding::Caught,
                (true, true) => Finding::Collateral,
                (false, _) => Finding::Survived,
            }
        }
        None if verdicts.iter().any(|v| v.outcome.is_failure()) => Finding::WronglyFailed,
        None => Finding::Passed,
    };
    Row {
        profile: Some(profile),
        finding,
        marks,
    }
}

fn departed(outcome: &Outcome) -> bool {
    matches!(outcome, Outcome::Informational(o) if o.departure.is_some())
}

/// Every claim charged, and every case blocked or in error.
fn marks(verdicts: &[Verdict]) -> Vec<Mark> {
    let mut marks = Vec::new();
    for verdict in verdicts {
        if let Outcome::Blocked(f) | Outcome::Error(f) = &verdict.outcome {
            marks.push(Mark {
                case_id: verdict.case_id.clone(),
                claim: None,
                outcome: verdict.outcome.label(),
                headline: f.headline().to_string(),
            });
        }
        for claim in &verdict.claims {
            if claim.outcome.is_broken() || departed(&claim.outcome) {
                marks.push(Mark {
                    case_id: verdict.case_id.clone(),
                    claim: Some(claim.claim.clone()),
                    outcome: claim.outcome.label(),
                    headline: claim
                        .outcome
                        .failure()
                        .map(|f| f.headline().to_string())
                        .unwrap_or_default(),
                });
            }
        }
    }
    marks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::Level;
    use crate::server::fake::profiles;
    use crate::verdict::{ClaimVerdict, Failure, Problem};

    fn failure() -> Failure {
        Failure::new(
            Some(2),
            "c.yaml:9".into(),
            "alice: GET /x".into(),
            Problem::Status {
                expected: "405".into(),
                found: 200,
            },
        )
    }

    /// A case verdict whose claims fared as given.
    fn verdict(case_id: &str, claims: &[(&str, Outcome)]) -> Verdict {
        Verdict {
            case_id: case_id.into(),
            level: Level::Must,
            outcome: Outcome::Pass,
            claims: claims
                .iter()
                .map(|(claim, outcome)| ClaimVerdict {
                    claim: claim.to_string(),
                    level: Level::Must,
                    outcome: outcome.clone(),
                })
                .collect(),
            duration: Duration::ZERO,
            transcript: Vec::new(),
        }
    }

    fn fault() -> Profile {
        *profiles()
            .iter()
            .find(|p| p.claim().is_some())
            .expect("a fault")
    }

    // A fault that also fails another strict claim does not break exactly one claim.
    #[test]
    fn collateral_on_another_strict_claim_is_reported() {
        let claim = fault().claim().unwrap();
        let verdicts = [verdict(
            "c",
            &[
                (claim, Outcome::Fail(failure())),
                ("other.claim", Outcome::Fail(failure())),
            ],
        )];
        assert_eq!(
            row(Some(fault()), &verdicts, &[]).finding,
            Finding::Collateral
        );
        let alone = [verdict("c", &[(claim, Outcome::Fail(failure()))])];
        assert_eq!(row(Some(fault()), &alone, &[]).finding, Finding::Caught);
    }

    // A mark the conformant fake leaves too proves nothing about the fault.
    #[test]
    fn marks_the_conformant_fake_leaves_do_not_count() {
        let claim = fault().claim().unwrap();
        let verdicts = [verdict("c", &[(claim, Outcome::NonStrict(failure()))])];
        let baseline = marks(&verdicts);
        assert_eq!(
            row(Some(fault()), &verdicts, &baseline).finding,
            Finding::Survived
        );
        assert_eq!(row(None, &verdicts, &[]).finding, Finding::WronglyFailed);
    }
}
