//! A run without libtest: bring a target up, then run cases concurrently and collect their verdicts.

use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::Semaphore;

use super::actor::Minter;
use super::bounds::Bounds;
use super::case::{Peer, Run, run_case};
use crate::case::{Case, SpecVersion};
use crate::server::{Connected, PeerSpec, Registration, TargetError, TargetSpec};
use crate::verdict::Verdict;

/// Brings `target` (and its federation `peer`, if any) up or reaches it within `bounds`, reads
/// `/versions` and prepares what the cases of a run share.
pub async fn prepare(
    target: &TargetSpec,
    peer: Option<&PeerSpec>,
    registration: Registration,
    snapshots: PathBuf,
    bounds: Bounds,
) -> Result<(Connected, Run), TargetError> {
    let connected = target.connect(bounds.limits, peer).await?;
    let registration = connected.registration().unwrap_or(registration);
    // insta resolves a relative snapshot path against the source file, so anchor it here.
    let snapshots = std::path::absolute(&snapshots).unwrap_or(snapshots);
    let advertised = connected.versions["versions"]
        .as_array()
        .and_then(|list| SpecVersion::highest(list.iter().filter_map(|v| v.as_str())));
    let run = Run {
        hs: connected.homeserver.clone(),
        registration,
        peer: connected
            .peer
            .as_ref()
            .map(|p| Peer {
                hs: p.homeserver.clone(),
                registration: p.synapse.registration(),
            })
            .map_err(Clone::clone),
        minter: Minter::new(),
        snapshots,
        advertised,
        compare_only: false,
        within_cap: None,
        bounds,
        started: tokio::time::Instant::now(),
    };
    Ok((connected, run))
}

/// Runs every case, at most as many at once as `slots` allows, and returns their verdicts sorted by
/// case id; `finished` sees each verdict as it comes. A case whose run panics is recorded as an error.
pub async fn run_all(
    run: Arc<Run>,
    cases: &[Case],
    slots: Arc<Semaphore>,
    mut finished: impl FnMut(&Verdict),
) -> Vec<Verdict> {
    let mut tasks = tokio::task::JoinSet::new();
    for case in cases {
        let (run, case, slots) = (Arc::clone(&run), case.clone(), Arc::clone(&slots));
        tasks.spawn(async move {
            let _slot = slots.acquire_owned().await;
            let verdict = tokio::spawn({
                let case = case.clone();
                async move { run_case(&run, &case).await }
            })
            .await;
            verdict.unwrap_or_else(|err| super::session::panicked(&case, &err.to_string()))
        });
    }
    let mut verdicts = Vec::with_capacity(cases.len());
    while let Some(joined) = tasks.join_next().await {
        if let Ok(verdict) = joined {
            finished(&verdict);
            verdicts.push(verdict);
        }
    }
    verdicts.sort_by(|a, b| a.case_id.cmp(&b.case_id));
    verdicts
}
