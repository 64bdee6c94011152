//! The mutation matrix over the built-in cases: every fault profile caught by the claim it breaks,
//! every conformant variant passed, every MUST and SHOULD server claim guarded; and the check bites.

use std::path::Path;

use mxconform::case::{Catalogue, load_dir};
use mxconform::mutants::{Finding, matrix};
use mxconform::server::fake::{Kind, Profile, profiles};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn built_in() -> Catalogue {
    let catalogue = load_dir(&root().join("cases")).expect("the built-in cases load");
    assert!(catalogue.errors.is_empty(), "{:?}", catalogue.errors);
    catalogue
}

// The whole matrix is clean: a 100% score both ways, and no strict server claim unguarded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_is_caught_every_variant_passes_every_strict_claim_is_guarded() {
    let catalogue = built_in();
    let matrix = matrix(
        &catalogue.cases,
        &catalogue.registry,
        root().join("snapshots"),
        profiles(),
    )
    .await
    .expect("the fake starts");
    let bad: Vec<String> = matrix
        .rows
        .iter()
        .filter(|r| !matches!(r.finding, Finding::Caught | Finding::Passed))
        .map(|r| format!("{} {:?}: {:?}", r.name(), r.finding, r.marks))
        .collect();
    assert!(bad.is_empty(), "{bad:#?}");
    assert!(
        matrix.unguarded.is_empty(),
        "unguarded: {:?}",
        matrix.unguarded
    );
    // The claims only federation cases check are out of the fake's reach, and named as such.
    assert!(
        matrix
            .beyond_the_fake
            .contains(&"dm.federation.sent-invite-flagged".to_string()),
        "{:?}",
        matrix.beyond_the_fake
    );
    assert!(
        !matrix
            .beyond_the_fake
            .contains(&"dm.create-room.invitees-flagged".to_string()),
        "{:?}",
        matrix.beyond_the_fake
    );
    let (caught, faults) = matrix.fault_score();
    let (passed, variants) = matrix.variant_score();
    assert!(caught == faults && faults >= 30, "{caught}/{faults}");
    assert!(passed == variants && variants > 8, "{passed}/{variants}");
}

// Without the cases that check a fault's claim, that fault survives and its claim is unguarded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fault_nothing_catches_survives_and_fails_the_matrix() {
    let catalogue = built_in();
    let fault = Profile::find("flag-first-invitee-only").expect("the profile exists");
    let Kind::Fault { claim } = fault.kind else {
        panic!("a fault")
    };
    let others: Vec<_> = catalogue
        .cases
        .iter()
        .filter(|case| case.claims.iter().all(|c| c.id != claim))
        .cloned()
        .collect();
    let matrix = matrix(
        &others,
        &catalogue.registry,
        root().join("snapshots"),
        &[*fault],
    )
    .await
    .expect("the fake starts");
    assert_eq!(matrix.rows[1].finding, Finding::Survived);
    assert!(matrix.unguarded.iter().any(|c| c == claim));
    assert!(!matrix.is_clean());
}

// A case that fails a conformant server makes every variant, and the conformant fake, wrongly failed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_case_failing_a_conformant_server_fails_the_variants() {
    let catalogue = load_dir(&root().join("fixtures/failing/cases")).expect("fixtures load");
    let variant = Profile::find("error-other-texts").expect("the profile exists");
    let matrix = matrix(
        &catalogue.cases,
        &catalogue.registry,
        root().join("fixtures/failing/snapshots"),
        &[*variant],
    )
    .await
    .expect("the fake starts");
    assert!(
        matrix
            .rows
            .iter()
            .all(|r| r.finding == Finding::WronglyFailed),
        "{:?}",
        matrix.rows
    );
    assert!(!matrix.is_clean());
}
