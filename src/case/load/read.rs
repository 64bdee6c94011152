//! Validating a step's `read:` and expanding it into one step per read.

use serde_saphyr::{Location, Spanned};

use super::Validator;
use crate::case::error::{LoadError, closest};
use crate::case::model::Step;
use crate::case::raw::RawRead;
use crate::case::reads::{ACCOUNT_DATA_READS, AccountDataTarget, READS, Read, ReadTarget};

impl Validator<'_> {
    /// Refuses what a `read:` step cannot have: no actor, or a key only a `call` step has
    /// (`refused`: the first such key written, and where).
    pub(super) fn read_allows(
        &self,
        loc: &Location,
        actor: Option<&str>,
        refused: Option<(&Location, &str)>,
    ) -> Result<(), LoadError> {
        if actor.is_none() {
            return Err(self.invalid(loc, "a `read` step needs `as: <actor>`: the reader"));
        }
        match refused {
            Some((at, key)) => Err(self.invalid(
                at,
                format!("`{key}` does not belong to a `read` step, which only reads: put it on a `call` step"),
            )),
            None => Ok(()),
        }
    }

    /// The steps `read` becomes: `base` carried out through each read it names (every read that
    /// serves what it reads when it names none), in the order of the reads' table.
    pub(super) fn reads(
        &self,
        read: Spanned<RawRead>,
        base: &Step,
        defined: &mut Vec<String>,
    ) -> Result<Vec<Step>, LoadError> {
        let at = read.referenced;
        let raw = read.value;
        for text in [
            &raw.room,
            &raw.event_type,
            &raw.state_key,
            &raw.account_data,
            &raw.since,
        ]
        .into_iter()
        .flatten()
        {
            self.check_str(&text.value, &text.referenced, defined)?;
        }
        let within = self.within(raw.within)?;
        match (raw.account_data, raw.event_type, raw.state_key) {
            (Some(kind), None, None) => {
                let owner = base.actor.clone().unwrap_or_default();
                let target = AccountDataTarget {
                    owner: format!("${{{owner}}}"),
                    kind: kind.value,
                    room: raw.room.map(|r| r.value),
                    since: raw.since.map(|s| s.value),
                };
                let named = self.through(&at, raw.through, &|r| account_data_serves(r, &target))?;
                Ok(ACCOUNT_DATA_READS
                    .into_iter()
                    .filter(|r| named.contains(r))
                    .filter_map(|r| r.account_data_step(&target, base, within))
                    .collect())
            }
            (None, Some(event_type), Some(state_key)) => {
                let Some(room) = raw.room else {
                    return Err(self.invalid(&at, "a `read` of a state event needs its `room`"));
                };
                if let Some(since) = raw.since {
                    return Err(self.invalid(
                        &since.referenced,
                        "`since` belongs to a `read` of account data (its `sync-incremental` read)",
                    ));
                }
                let event_type = event_type.value;
                let named = self.through(&at, raw.through, &|r| {
                    READS.contains(&r) && r.serves(&event_type)
                })?;
                let by_id = [Read::Messages, Read::Context, Read::Event, Read::SyncTimeline];
                if named.iter().any(|r| by_id.contains(r)) && !named.contains(&Read::RoomState) {
                    return Err(self.invalid(
                        &at,
                        "`messages`, `context`, `event` and `sync-timeline` find the event by its id, which the `room-state` read keeps: list `room-state` too",
                    ));
                }
                let target = ReadTarget {
                    room: room.value,
                    event_type,
                    state_key: state_key.value,
                    id_var: format!("event_id_of_line_{}", base.line),
                };
                defined.push(target.id_var.clone());
                Ok(READS
                    .into_iter()
                    .filter(|r| named.contains(r))
                    .filter_map(|r| r.step(&target, base, within))
                    .collect())
            }
            _ => Err(self.invalid(
                &at,
                "a `read` reads a state event (`room`, `type` and `state_key`) or account data (`account_data: TYPE`, with `room` for room account data)",
            )),
        }
    }

    /// The reads `through` names, each one `serves` allows; every such read when it names none.
    fn through(
        &self,
        at: &Location,
        through: Option<Vec<Spanned<String>>>,
        serves: &dyn Fn(Read) -> bool,
    ) -> Result<Vec<Read>, LoadError> {
        let named = match through {
            Some(names) => names
                .iter()
                .map(|name| self.read_named(name, serves))
                .collect::<Result<Vec<_>, _>>()?,
            // `sync-leave` reads a room the reader has left, where the other reads of room account
            // data read a joined room, and `sync-state` needs a later event the case must send first:
            // both are carried out only when named.
            None => READS
                .into_iter()
                .chain(ACCOUNT_DATA_READS)
                .filter(|r| serves(*r) && !matches!(r, Read::SyncLeave | Read::SyncState))
                .collect(),
        };
        if named.is_empty() {
            return Err(self.invalid(
                at,
                "`through` names no read: list at least one, or leave it out for every read",
            ));
        }
        Ok(named)
    }

    /// The read a `through` entry names, if `serves` allows it here.
    fn read_named(
        &self,
        name: &Spanned<String>,
        serves: &dyn Fn(Read) -> bool,
    ) -> Result<Read, LoadError> {
        let known: Vec<&str> = READS
            .into_iter()
            .chain(ACCOUNT_DATA_READS)
            .filter(|r| serves(*r))
            .map(Read::name)
            .collect();
        match Read::named(&name.value) {
            Some(read) if serves(read) => Ok(read),
            found => {
                let hint = closest(&name.value, known.iter().copied())
                    .map(|n| format!(" (did you mean `{n}`?)"))
                    .unwrap_or_default();
                let what = if found.is_some() {
                    "does not serve what this step reads"
                } else {
                    "is not a read"
                };
                Err(self.invalid(
                    &name.referenced,
                    format!(
                        "`{}` {what}{hint}; the reads here are {}",
                        name.value,
                        known.join(", ")
                    ),
                ))
            }
        }
    }
}

/// Whether an account data read serves `target`: `sync-incremental` needs `since`, and
/// `sync-leave` reads room account data only.
fn account_data_serves(read: Read, target: &AccountDataTarget) -> bool {
    match read {
        Read::Get | Read::SyncInitial => true,
        Read::SyncIncremental => target.since.is_some(),
        Read::SyncLeave => target.room.is_some(),
        _ => false,
    }
}
