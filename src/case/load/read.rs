//! Validating a step's `read:` and expanding it into one step per read.

use serde_saphyr::{Location, Spanned};

use super::Validator;
use crate::case::error::{LoadError, closest};
use crate::case::model::Step;
use crate::case::raw::RawRead;
use crate::case::reads::{READS, Read, ReadTarget};

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
    /// serves the event when it names none), the room state read first.
    pub(super) fn reads(
        &self,
        read: Spanned<RawRead>,
        base: &Step,
        defined: &mut Vec<String>,
    ) -> Result<Vec<Step>, LoadError> {
        let raw = read.value;
        for text in [&raw.room, &raw.event_type, &raw.state_key] {
            self.check_str(&text.value, &text.referenced, defined)?;
        }
        let event_type = raw.event_type.value;
        let named = match raw.through {
            Some(names) => names
                .iter()
                .map(|name| self.read_named(name, &event_type))
                .collect::<Result<Vec<_>, _>>()?,
            None => READS
                .into_iter()
                .filter(|r| r.serves(&event_type))
                .collect(),
        };
        if named.is_empty() {
            return Err(self.invalid(
                &read.referenced,
                "`through` names no read: list at least one, or leave it out for every read",
            ));
        }
        let by_id = [
            Read::Messages,
            Read::Context,
            Read::Event,
            Read::SyncTimeline,
        ];
        if named.iter().any(|r| by_id.contains(r)) && !named.contains(&Read::RoomState) {
            return Err(self.invalid(
                &read.referenced,
                "`messages`, `context`, `event` and `sync-timeline` find the event by its id, which the `room-state` read keeps: list `room-state` too",
            ));
        }
        let within = self.within(raw.within)?;
        let target = ReadTarget {
            room: raw.room.value,
            event_type,
            state_key: raw.state_key.value,
            id_var: format!("event_id_of_line_{}", base.line),
        };
        defined.push(target.id_var.clone());
        Ok(READS
            .into_iter()
            .filter(|r| named.contains(r))
            .map(|r| r.step(&target, base, within))
            .collect())
    }

    /// The read a `through` entry names, if it serves events of `event_type`.
    fn read_named(&self, name: &Spanned<String>, event_type: &str) -> Result<Read, LoadError> {
        let Some(read) = Read::named(&name.value) else {
            let hint = closest(&name.value, READS.iter().map(|r| r.name()))
                .map(|n| format!(" (did you mean `{n}`?)"))
                .unwrap_or_default();
            let known: Vec<&str> = READS.iter().map(|r| r.name()).collect();
            return Err(self.invalid(
                &name.referenced,
                format!(
                    "`{}` is not a read{hint}; the reads are {}",
                    name.value,
                    known.join(", ")
                ),
            ));
        };
        if !read.serves(event_type) {
            return Err(self.invalid(
                &name.referenced,
                format!(
                    "`{}` serves member events only, not `{event_type}`",
                    read.name()
                ),
            ));
        }
        Ok(read)
    }
}
