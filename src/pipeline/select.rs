//! Choosing the cases of a run: by id glob, tag, claim and level, then one shard of N.

use globset::{Glob, GlobSet, GlobSetBuilder};

use super::options::SelectArgs;
use crate::case::{Case, Level};
use crate::report::model::Selection;

/// The cases `args` selects from `cases`, in their order, and the selection as reports record it.
///
/// Within one kind of selector any may match; across kinds all must. A selection that matches
/// nothing is an error, never an empty run; so is a partition into more shards than there are cases.
pub fn select(cases: &[Case], args: &SelectArgs) -> Result<(Vec<Case>, Selection), String> {
    let ids = globs("--id", &args.ids)?;
    let claims = globs("--claim", &args.claims)?;
    let partition = args.partition.as_deref().map(parse_partition).transpose()?;
    let levels: Vec<Level> = args.levels.iter().map(|&l| l.into()).collect();
    let chosen: Vec<Case> = cases
        .iter()
        .filter(|case| match &args.filter {
            Some(filter) if args.exact => case.id == *filter,
            Some(filter) => case.id.contains(filter.as_str()),
            None => true,
        })
        .filter(|case| ids.as_ref().is_none_or(|set| set.is_match(&case.id)))
        .filter(|case| args.tags.is_empty() || case.tags.iter().any(|t| args.tags.contains(t)))
        .filter(|case| {
            claims
                .as_ref()
                .is_none_or(|set| case.claims.iter().any(|c| set.is_match(&c.id)))
        })
        .filter(|case| levels.is_empty() || case.claims.iter().any(|c| levels.contains(&c.level)))
        .cloned()
        .collect();
    let selection = Selection {
        suite_cases: cases.len(),
        selectors: selectors(args),
        partition: partition.map(|(k, n)| format!("{k}/{n}")),
    };
    if chosen.is_empty() && !cases.is_empty() {
        return Err(format!(
            "no case matches {}; `mxconform list` prints the cases with their levels and claims",
            selection.selectors.join(" ")
        ));
    }
    match partition {
        Some((_, n)) if n > chosen.len() as u64 => Err(format!(
            "--partition {}: {} cases are selected, too few for {n} shards",
            selection.partition.as_deref().unwrap_or_default(),
            chosen.len()
        )),
        Some((k, n)) => Ok((shard(chosen, k, n), selection)),
        None => Ok((chosen, selection)),
    }
}

/// The selectors as written: `id:GLOB`, `tag:T`, `claim:GLOB`, `level:L`, `filter:TEXT`.
fn selectors(args: &SelectArgs) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    out.extend(args.filter.iter().map(|f| {
        if args.exact {
            format!("id:{f}")
        } else {
            format!("filter:{f}")
        }
    }));
    out.extend(args.ids.iter().map(|g| format!("id:{g}")));
    out.extend(args.tags.iter().map(|t| format!("tag:{t}")));
    out.extend(args.claims.iter().map(|g| format!("claim:{g}")));
    out.extend(
        args.levels
            .iter()
            .map(|&l| format!("level:{}", Level::from(l))),
    );
    out
}

/// The globs as one set; `None` when none were given.
fn globs(option: &str, patterns: &[String]) -> Result<Option<GlobSet>, String> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let mut builder = GlobSetBuilder::new();
    for pattern in patterns {
        let glob = Glob::new(pattern).map_err(|e| format!("{option} {pattern}: {e}"))?;
        builder.add(glob);
    }
    builder
        .build()
        .map(Some)
        .map_err(|e| format!("{option}: {e}"))
}

/// `K/N` with 1 ≤ K ≤ N.
fn parse_partition(text: &str) -> Result<(u64, u64), String> {
    let bad = || format!("--partition {text}: expected K/N with 1 <= K <= N, e.g. 2/4");
    let (k, n) = text.split_once('/').ok_or_else(bad)?;
    let (k, n): (u64, u64) = (
        k.trim().parse().map_err(|_| bad())?,
        n.trim().parse().map_err(|_| bad())?,
    );
    if k == 0 || n == 0 || k > n {
        return Err(bad());
    }
    Ok((k, n))
}

/// Shard `k` of `n` (1-based): the cases sorted by id and dealt out in turn, so the shards are
/// disjoint, cover the selection and differ in size by one at most.
fn shard(mut cases: Vec<Case>, k: u64, n: u64) -> Vec<Case> {
    cases.sort_by(|a, b| a.id.cmp(&b.id));
    cases
        .into_iter()
        .enumerate()
        .filter(|(i, _)| *i as u64 % n == k - 1)
        .map(|(_, case)| case)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::load_dir;

    fn suite() -> Vec<Case> {
        load_dir(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/cases"
        )))
        .unwrap()
        .cases
    }

    fn ids(args: SelectArgs) -> Result<Vec<String>, String> {
        select(&suite(), &args).map(|(cases, _)| cases.into_iter().map(|c| c.id).collect())
    }

    #[test]
    fn shards_are_disjoint_balanced_and_cover_the_suite() {
        let all = ids(SelectArgs::default()).unwrap();
        let mut union: Vec<String> = Vec::new();
        let mut sizes = Vec::new();
        for k in 1..=8 {
            let shard = ids(SelectArgs {
                partition: Some(format!("{k}/8")),
                ..SelectArgs::default()
            })
            .unwrap();
            assert!(shard.iter().all(|id| !union.contains(id)), "shards overlap");
            sizes.push(shard.len());
            union.extend(shard);
        }
        let (least, most) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
        assert!(most - least <= 1, "unbalanced shards: {sizes:?}");
        union.sort();
        let mut all_sorted = all.clone();
        all_sorted.sort();
        assert_eq!(union, all_sorted);
    }

    #[test]
    fn selectors_of_different_kinds_must_all_match() {
        let by_glob = ids(SelectArgs {
            ids: vec!["dm.*".into()],
            ..SelectArgs::default()
        })
        .unwrap();
        assert!(!by_glob.is_empty() && by_glob.iter().all(|id| id.starts_with("dm.")));
        let musts = ids(SelectArgs {
            ids: vec!["dm.*".into()],
            levels: vec![super::super::options::LevelArg::Info],
            ..SelectArgs::default()
        });
        let all_dm_info = suite()
            .into_iter()
            .filter(|c| {
                c.id.starts_with("dm.") && c.claims.iter().any(|cl| cl.level == Level::Info)
            })
            .count();
        match musts {
            Ok(found) => assert_eq!(found.len(), all_dm_info),
            Err(message) => assert_eq!(all_dm_info, 0, "{message}"),
        }
    }

    #[test]
    fn a_selection_matching_nothing_and_a_bad_partition_are_errors() {
        let err = ids(SelectArgs {
            tags: vec!["no-such-tag".into()],
            ..SelectArgs::default()
        })
        .unwrap_err();
        assert!(err.contains("no case matches tag:no-such-tag"), "{err}");
        let too_many = ids(SelectArgs {
            ids: vec!["dm.flow.*".into()],
            partition: Some("1/64".into()),
            ..SelectArgs::default()
        })
        .unwrap_err();
        assert!(too_many.contains("too few for 64 shards"), "{too_many}");
        for bad in ["0/3", "4/3", "x", "1/0"] {
            let err = ids(SelectArgs {
                partition: Some(bad.into()),
                ..SelectArgs::default()
            })
            .unwrap_err();
            assert!(err.contains("expected K/N"), "{err}");
        }
    }
}
