//! Reading case files into [`Case`]s, with every problem reported as a [`LoadError`].

use std::borrow::Borrow;
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;
use serde_saphyr::{Location, Spanned};

use super::claims::{Claim, Registry, Subject, parse_registry};
use super::error::{LoadError, Position, closest};
use super::model::{
    Action, ActorDecl, Body, Call, Case, Every, Expect, Home, Level, SnapshotSpec, Status, Step,
    SyncUntil,
};
use super::raw::{RawCase, RawExpect, RawExpects, RawSnapshot, RawStatus, RawStep, RawSyncUntil};
use super::template::{references, value_references};
use super::yaml::{parse, read_source};

/// How an actor declaration names the federation peer as its home: `bob@peer`.
const PEER: &str = "peer";

/// How long a `sync_until` polls when the case does not say.
pub const DEFAULT_WITHIN: Duration = Duration::from_secs(10);

/// The longest `within` a case may ask for.
pub const LONGEST_WITHIN: Duration = Duration::from_secs(600);

/// HTTP methods a `call` may use.
const METHODS: &[&str] = &["GET", "PUT", "POST", "DELETE"];

/// The file name, at the top of a cases directory, that holds claims rather than a case.
const CLAIMS_FILE: &str = "claims.yaml";

/// A case file's path and text.
#[derive(Debug, Clone)]
pub struct Source {
    /// Where the text came from (shown in errors).
    pub path: PathBuf,
    /// The YAML text.
    pub text: String,
}

/// The outcome of loading a set of case files: the claims, the good cases and the errors of the bad ones.
#[derive(Debug, Default)]
pub struct Catalogue {
    /// The claims registry.
    pub registry: Registry,
    /// Cases that loaded, sorted by id.
    pub cases: Vec<Case>,
    /// One error per file that did not load, per duplicate id and per claim without a case.
    pub errors: Vec<LoadError>,
}

/// The claims file at the top of a cases directory.
pub fn read_claims(dir: &Path) -> Result<Source, LoadError> {
    let path = dir.join(CLAIMS_FILE);
    read_source(&path).map_err(|err| match err {
        LoadError::Unreadable { file, reason } => LoadError::Unreadable {
            file,
            reason: format!(
                "{reason} (a cases directory needs a {CLAIMS_FILE} listing the claims its cases check)"
            ),
        },
        other => other,
    })
}

/// Loads a cases directory: its `claims.yaml` and every case file below it.
pub fn load_dir(dir: &Path) -> Result<Catalogue, LoadError> {
    let claims = read_claims(dir)?;
    Ok(load_read(&claims, read_dir(dir)?))
}

/// Every `*.yaml` file below `dir`, sorted by path; a file that cannot be read is an error of its
/// own, and `Err` says the directory itself cannot be walked.
pub fn read_dir(dir: &Path) -> Result<Vec<Result<Source, LoadError>>, LoadError> {
    let mut sources = Vec::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.map_err(|e| LoadError::Unreadable {
            file: dir.to_path_buf(),
            reason: e.to_string(),
        })?;
        let path = entry.path();
        let is_case = entry.file_type().is_file()
            && path.extension().is_some_and(|ext| ext == "yaml")
            && !(entry.depth() == 1 && entry.file_name() == CLAIMS_FILE);
        if is_case {
            sources.push(read_source(path));
        }
    }
    Ok(sources)
}

/// Loads the claims and every case; a bad file yields an error and never hides the others.
///
/// A case naming an unknown claim, and a claim no case checks (unless marked `not_testable`), are errors.
pub fn load(claims: &Source, sources: &[Source]) -> Catalogue {
    load_read(claims, sources.iter().map(Ok))
}

/// [`load`] over files as read: one that could not be read is an error among the others.
fn load_read<S: Borrow<Source>>(
    claims: &Source,
    sources: impl IntoIterator<Item = Result<S, LoadError>>,
) -> Catalogue {
    let mut catalogue = Catalogue::default();
    match parse_registry(&claims.path, &claims.text) {
        Ok(registry) => catalogue.registry = registry,
        Err(errors) => {
            catalogue.errors = errors;
            return catalogue;
        }
    }
    let mut first_seen: BTreeMap<String, Position> = BTreeMap::new();
    for source in sources {
        let parsed = source.and_then(|source| {
            let source = source.borrow();
            parse_case(&source.path, &source.text, &catalogue.registry)
        });
        match parsed {
            Ok((case, id_at)) => match first_seen.get(&case.id) {
                Some(first) => catalogue.errors.push(LoadError::DuplicateId {
                    at: id_at,
                    id: case.id.clone(),
                    first: first.clone(),
                }),
                None => {
                    first_seen.insert(case.id.clone(), id_at);
                    catalogue.cases.push(case);
                }
            },
            Err(err) => catalogue.errors.push(err),
        }
    }
    let all_loaded = catalogue.errors.is_empty();
    for claim in catalogue.registry.iter() {
        let covered = catalogue.cases.iter().any(|case| case.judges(&claim.id));
        let needs_case = claim.not_testable.is_none() && claim.subject == Subject::Server;
        if !covered && needs_case && all_loaded {
            let at = catalogue
                .registry
                .position(&claim.id)
                .cloned()
                .unwrap_or_else(|| Position {
                    file: claims.path.clone(),
                    line: 0,
                    column: 0,
                });
            catalogue.errors.push(LoadError::UncoveredClaim {
                at,
                claim: claim.id.clone(),
            });
        }
    }
    catalogue.cases.sort_by(|a, b| a.id.cmp(&b.id));
    catalogue
}

/// Parses and validates one case file; also returns where its id is written.
pub fn parse_case(
    path: &Path,
    text: &str,
    registry: &Registry,
) -> Result<(Case, Position), LoadError> {
    let raw: RawCase = parse(path, text)?;
    Validator {
        file: path,
        text,
        registry,
    }
    .case(raw)
}

/// Semantic checks over one parsed file.
struct Validator<'a> {
    file: &'a Path,
    text: &'a str,
    registry: &'a Registry,
}

impl Validator<'_> {
    fn at(&self, loc: &Location) -> Position {
        Position {
            file: self.file.to_path_buf(),
            line: loc.line(),
            column: loc.column(),
        }
    }

    /// An error at the start of `step`'s line.
    fn invalid_step(&self, step: &Step, message: impl Into<String>) -> LoadError {
        LoadError::Invalid {
            at: Position {
                file: self.file.to_path_buf(),
                line: step.line,
                column: 0,
            },
            message: message.into(),
        }
    }

    fn invalid(&self, loc: &Location, message: impl Into<String>) -> LoadError {
        LoadError::Invalid {
            at: self.at(loc),
            message: message.into(),
        }
    }

    fn case(&self, raw: RawCase) -> Result<(Case, Position), LoadError> {
        let id_at = self.at(&raw.id.referenced);
        let id_ok = !raw.id.value.is_empty()
            && !raw.id.value.starts_with('.')
            && raw.id.value.chars().all(|c| {
                c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '_')
            });
        if !id_ok {
            return Err(self.invalid(
                &raw.id.referenced,
                format!("case id `{}` must be lower-case letters, digits, `.`, `-` or `_`, such as `dm.create-room.invitee-flagged`", raw.id.value),
            ));
        }
        let mut declared: Vec<ActorDecl> = Vec::new();
        for actor in &raw.actors {
            let decl = self.actor(actor)?;
            if declared.iter().any(|d| d.name == decl.name)
                || super::model::BUILTIN_VARIABLES.contains(&decl.name.as_str())
            {
                return Err(self.invalid(
                    &actor.referenced,
                    format!(
                        "actor `{}` is declared twice or shadows a built-in variable",
                        decl.name
                    ),
                ));
            }
            declared.push(decl);
        }
        let actors: Vec<String> = declared.iter().map(|d| d.name.clone()).collect();
        if let Some(claims) = &raw.claims {
            return Err(self.invalid(
                &claims.referenced,
                "claims are named where they are checked: put `checks: [claim, ...]` on the steps (or `expect` blocks) that check them",
            ));
        }
        if raw.steps.is_empty() {
            return Err(self.invalid(
                &raw.id.referenced,
                "a case needs at least one step under `steps`",
            ));
        }
        let mut defined: Vec<String> = actors.clone();
        defined.extend(
            super::model::BUILTIN_VARIABLES
                .iter()
                .map(|s| s.to_string()),
        );
        let mut snapshot_names = HashSet::new();
        let mut steps = Vec::new();
        for raw_step in raw.steps {
            for step in self.step(raw_step, &actors, &mut defined)? {
                if let Some(snapshot) = &step.snapshot
                    && !snapshot_names.insert(snapshot.name.clone())
                {
                    return Err(self.invalid_step(
                        &step,
                        format!(
                            "snapshot name `{}` is used twice in this case",
                            snapshot.name
                        ),
                    ));
                }
                steps.push(step);
            }
        }
        let mut claims: Vec<Claim> = Vec::new();
        for id in steps.iter().flat_map(|s| {
            s.checks
                .iter()
                .chain(s.expect.iter().flat_map(|e| &e.checks))
        }) {
            if !claims.iter().any(|c| &c.id == id)
                && let Some(claim) = self.registry.get(id)
            {
                claims.push(claim.clone());
            }
        }
        if claims.is_empty() {
            return Err(self.invalid(
                &raw.id.referenced,
                "the case checks no claim: name the claims a step checks under its `checks`",
            ));
        }
        self.strictest_checks_first(&steps)?;
        let case = Case {
            id: raw.id.value,
            summary: raw.summary,
            claims,
            tags: raw.tags,
            actors: declared,
            steps,
            file: self.file.to_path_buf(),
            event_identity: self
                .registry
                .get(super::model::EVENT_IDENTITY_CLAIM)
                .cloned(),
        };
        Ok((case, id_at))
    }

    /// An actor as declared: `name`, or `name@peer` for an actor on the federation peer.
    fn actor(&self, actor: &Spanned<String>) -> Result<ActorDecl, LoadError> {
        let (name, home) = match actor.value.split_once('@') {
            None => (actor.value.as_str(), Home::Target),
            Some((name, PEER)) => (name, Home::Peer),
            Some((_, other)) => {
                let hint = closest(other, [PEER])
                    .map(|n| format!(" (did you mean `@{n}`?)"))
                    .unwrap_or_default();
                return Err(self.invalid(
                    &actor.referenced,
                    format!(
                        "actor `{}` names server `{other}`{hint}; the only other server is the federation peer, `<name>@{PEER}`",
                        actor.value
                    ),
                ));
            }
        };
        let well_formed = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !well_formed {
            return Err(self.invalid(
                &actor.referenced,
                format!("actor name `{name}` must be lower-case letters, digits or `_`"),
            ));
        }
        Ok(ActorDecl {
            name: name.to_string(),
            home,
        })
    }

    fn step(
        &self,
        raw: Spanned<RawStep>,
        actors: &[String],
        defined: &mut Vec<String>,
    ) -> Result<Vec<Step>, LoadError> {
        let loc = raw.referenced;
        let raw = raw.value;
        let actor = match raw.actor {
            Some(actor) if !actors.contains(&actor.value) => {
                return Err(LoadError::UnknownActor {
                    at: self.at(&actor.referenced),
                    suggestion: closest(&actor.value, actors.iter().map(String::as_str)),
                    actor: actor.value,
                    declared: actors.join(", "),
                });
            }
            other => other.map(|a| a.value),
        };
        let device = match raw.device {
            Some(device) if actor.is_none() || !(1..=9).contains(&device.value) => {
                return Err(self.invalid(
                    &device.referenced,
                    "`device` is 1 to 9 and needs `as: <actor>`: the actor's login that acts (2 is a second login)",
                ));
            }
            Some(device) => device.value,
            None => 1,
        };
        if raw.read.is_some()
            && let Some(other) = (raw.call.as_ref().map(|c| &c.referenced))
                .or(raw.sync_until.as_ref().map(|s| &s.referenced))
        {
            return Err(self.invalid(
                other,
                "a step has one of `call`, `sync_until` or `read`, not several",
            ));
        }
        if raw.read.is_some() {
            let refused = [
                raw.body.as_ref().map(|b| (&b.referenced, "body")),
                raw.raw_body.as_ref().map(|b| (&b.referenced, "raw_body")),
                raw.snapshot.as_ref().map(|s| (&s.referenced, "snapshot")),
                raw.save.as_ref().map(|s| (&s.referenced, "save")),
                raw.save_if_present
                    .as_ref()
                    .map(|s| (&s.referenced, "save_if_present")),
            ];
            self.read_allows(&loc, actor.as_deref(), refused.into_iter().flatten().next())?;
        }
        let read = raw.read;
        let action = match (raw.call, raw.sync_until) {
            (None, None) if read.is_some() => Action::Call(Call {
                method: "GET".into(),
                path: "/".into(),
                body: None,
            }),
            (Some(call), None) => Action::Call(self.call(call, raw.body, raw.raw_body, defined)?),
            (None, Some(sync)) => {
                if let Some(body) = raw.body {
                    return Err(self.invalid(
                        &body.referenced,
                        "`body` belongs to a `call` step, not to `sync_until`",
                    ));
                }
                if actor.is_none() {
                    return Err(self.invalid(&loc, "a `sync_until` step needs `as: <actor>`"));
                }
                Action::SyncUntil(self.sync_until(sync, defined)?)
            }
            (Some(call), Some(_)) => {
                return Err(self.invalid(
                    &call.referenced,
                    "a step has either `call` or `sync_until`, not both",
                ));
            }
            (None, None) => {
                return Err(self.invalid(
                    &loc,
                    "a step needs `call: METHOD /path`, `sync_until` or `read`",
                ));
            }
        };
        let checks = self.claim_ids(&raw.checks)?;
        let expect = match raw.expect {
            Some(RawExpects(blocks)) => blocks
                .into_iter()
                .map(|block| self.expect(block, defined, &checks))
                .collect::<Result<Vec<_>, _>>()?,
            None => Vec::new(),
        };
        if let Some(snapshot) = &raw.snapshot
            && checks.is_empty()
        {
            return Err(self.invalid(
                &snapshot.referenced,
                "a snapshot is a check: name the claims it checks under the step's `checks`",
            ));
        }
        let snapshot = raw
            .snapshot
            .map(|s| self.snapshot(s, defined))
            .transpose()?;
        for pointer in &raw.observe {
            self.check_pointer(pointer, defined)?;
        }
        let informational = checks
            .iter()
            .chain(expect.iter().flat_map(|e| &e.checks))
            .filter_map(|id| self.registry.get(id))
            .find(|claim| matches!(claim.level, Level::May | Level::Info));
        if let Some(claim) = informational
            && raw.observe.is_empty()
        {
            return Err(self.invalid(
                &loc,
                format!(
                    "the step checks the {} claim `{}`: say what to record of the server's answer under `observe` (JSON pointers)",
                    claim.level, claim.id
                ),
            ));
        }
        for name in &raw.when {
            self.check_names(
                std::iter::once(name.value.clone()),
                &name.referenced,
                defined,
            )?;
        }
        let save = self.saves("save", raw.save, defined)?;
        let save_if_present = self.saves("save_if_present", raw.save_if_present, defined)?;
        let step = Step {
            line: loc.line(),
            actor,
            device,
            when: raw.when.into_iter().map(|n| n.value).collect(),
            save_if_present,
            action,
            expect,
            checks,
            observe: raw.observe.into_iter().map(|p| p.value).collect(),
            save,
            snapshot,
            focus: None,
            read: None,
        };
        match read {
            Some(read) => self.reads(read, &step, defined),
            None => Ok(vec![step]),
        }
    }

    /// `save` or `save_if_present`: variable names and the JSON pointers their values are taken from;
    /// each name is defined for the steps after this one.
    fn saves(
        &self,
        what: &str,
        map: Option<Spanned<serde_json::Map<String, Value>>>,
        defined: &mut Vec<String>,
    ) -> Result<Vec<(String, String)>, LoadError> {
        let mut saves = Vec::new();
        let Some(map) = map else {
            return Ok(saves);
        };
        for (name, pointer) in map.value {
            match pointer {
                Value::String(p) if p.is_empty() || p.starts_with('/') => {
                    self.check_str(&p, &map.referenced, defined)?;
                    defined.push(name.clone());
                    saves.push((name, p));
                }
                other => {
                    return Err(self.invalid(&map.referenced, format!("`{what}.{name}` must be a JSON pointer such as `/room_id`, found {other}")));
                }
            }
        }
        Ok(saves)
    }

    /// Steps come in order of strictness: every step checking a MUST claim before any step checking
    /// only weaker ones, SHOULD before INFO and MAY. A broken check ends the case, so a departure
    /// from a weaker claim never leaves a stricter one unjudged.
    fn strictest_checks_first(&self, steps: &[Step]) -> Result<(), LoadError> {
        let rank = |level: Level| match level {
            Level::Must => 2,
            Level::Should => 1,
            Level::May | Level::Info => 0,
        };
        let ranks = |step: &Step| -> Vec<u8> {
            step.claim_ids()
                .filter_map(|id| self.registry.get(id).map(|c| rank(c.level)))
                .collect()
        };
        let mut weakest_so_far: Option<(u8, usize)> = None;
        for (index, step) in steps.iter().enumerate() {
            let ranks = ranks(step);
            let (Some(&strongest), Some(&weakest)) = (ranks.iter().max(), ranks.iter().min())
            else {
                continue;
            };
            if let Some((earlier, at)) = weakest_so_far
                && strongest > earlier
            {
                return Err(self.invalid_step(
                    step,
                    format!(
                        "this step checks a stricter claim than the step at line {}: steps checking MUST claims come first, then SHOULD, then INFO and MAY (a broken check ends the case)",
                        steps[at].line
                    ),
                ));
            }
            if weakest_so_far.is_none_or(|(earlier, _)| weakest < earlier) {
                weakest_so_far = Some((weakest, index));
            }
        }
        Ok(())
    }

    /// The claim ids a `checks` list names, each a server claim of the registry that a case can check.
    fn claim_ids(&self, names: &[Spanned<String>]) -> Result<Vec<String>, LoadError> {
        let mut ids = Vec::new();
        for name in names {
            let Some(claim) = self.registry.get(&name.value) else {
                return Err(LoadError::UnknownClaim {
                    at: self.at(&name.referenced),
                    claim: name.value.clone(),
                    suggestion: closest(&name.value, self.registry.ids()),
                });
            };
            if claim.subject == Subject::Client {
                return Err(self.invalid(
                    &name.referenced,
                    format!(
                        "`{}` is a client claim: what a client should do is never judged against a server",
                        claim.id
                    ),
                ));
            }
            if let Some(reason) = &claim.not_testable {
                return Err(self.invalid(
                    &name.referenced,
                    format!("`{}` is marked not_testable ({})", claim.id, reason.trim()),
                ));
            }
            if !ids.contains(&claim.id) {
                ids.push(claim.id.clone());
            }
        }
        Ok(ids)
    }

    fn call(
        &self,
        call: Spanned<String>,
        body: Option<Spanned<Value>>,
        raw_body: Option<Spanned<String>>,
        defined: &[String],
    ) -> Result<Call, LoadError> {
        let (method, path) = call
            .value
            .trim()
            .split_once(' ')
            .unwrap_or((call.value.as_str(), ""));
        let path = path.trim();
        if !METHODS.contains(&method) {
            let hint = closest(&method.to_uppercase(), METHODS.iter().copied())
                .map(|m| format!(" (did you mean `{m}`?)"))
                .unwrap_or_default();
            return Err(self.invalid(
                &call.referenced,
                format!(
                    "`call` must be `METHOD /path` with METHOD one of {}, found `{}`{hint}",
                    METHODS.join(", "),
                    call.value
                ),
            ));
        }
        if !path.starts_with('/') {
            return Err(self.invalid(
                &call.referenced,
                format!("the path in `call` must start with `/`, found `{path}`"),
            ));
        }
        self.check_str(path, &call.referenced, defined)?;
        let body = match (body, raw_body) {
            (Some(_), Some(raw)) => {
                return Err(self.invalid(
                    &raw.referenced,
                    "a step has either `body` or `raw_body`, not both",
                ));
            }
            (Some(body), None) => {
                self.check_value(&body, defined)?;
                Some(Body::Json(body.value))
            }
            (None, Some(raw)) => Some(Body::Raw(raw.value)),
            (None, None) => None,
        };
        Ok(Call {
            method: method.to_string(),
            path: path.to_string(),
            body,
        })
    }

    fn sync_until(
        &self,
        sync: Spanned<RawSyncUntil>,
        defined: &[String],
    ) -> Result<SyncUntil, LoadError> {
        let sync = sync.value;
        self.check_pointer(&sync.at, defined)?;
        if let Some(contains) = &sync.contains {
            self.check_value(contains, defined)?;
        }
        if let Some(since) = &sync.since {
            self.check_str(&since.value, &since.referenced, defined)?;
        }
        if let Some(filter) = &sync.filter {
            self.check_value(filter, defined)?;
        }
        let within = self.within(sync.within)?;
        Ok(SyncUntil {
            at: sync.at.value,
            contains: sync.contains.map(|c| c.value),
            since: sync.since.map(|s| s.value),
            filter: sync.filter.map(|f| f.value),
            within,
        })
    }

    /// A `within` duration as written, or the default.
    fn within(&self, within: Option<Spanned<String>>) -> Result<Duration, LoadError> {
        Ok(match within {
            Some(w) => {
                let parsed = humantime::parse_duration(&w.value).map_err(|e| {
                    self.invalid(
                        &w.referenced,
                        format!("`within` must be a duration such as `10s` or `500ms`: {e}"),
                    )
                })?;
                if parsed.is_zero() || parsed > LONGEST_WITHIN {
                    return Err(self.invalid(
                        &w.referenced,
                        format!(
                            "`within` must be more than 0s and at most {}",
                            humantime::format_duration(LONGEST_WITHIN)
                        ),
                    ));
                }
                parsed
            }
            None => DEFAULT_WITHIN,
        })
    }

    fn expect(
        &self,
        raw: RawExpect,
        defined: &[String],
        step_checks: &[String],
    ) -> Result<Expect, LoadError> {
        let checks = match &raw.checks {
            Some(names) => self.claim_ids(names)?,
            None => step_checks.to_vec(),
        };
        for value in [&raw.body, &raw.exact, &raw.excludes].into_iter().flatten() {
            self.check_value(value, defined)?;
        }
        for pointer in &raw.absent {
            self.check_pointer(pointer, defined)?;
        }
        for pointer in raw.present.iter().chain(&raw.if_present) {
            self.check_pointer(pointer, defined)?;
        }
        let status = raw.status.map(|s| self.status(s)).transpose()?;
        if let (Some(list), None) = (&raw.unordered, &raw.exact) {
            return Err(self.invalid(
                &list.referenced,
                "`unordered` names the arrays of `exact` whose elements may come in any order; this block has no `exact`",
            ));
        }
        let unordered = self.unordered(raw.unordered, defined)?;
        let only_keys = match raw.only_keys {
            Some(map) => self.pointer_keys("only_keys", map, defined)?,
            None => Vec::new(),
        };
        let required_keys = match raw.required_keys {
            Some(map) => self.pointer_keys("required_keys", map, defined)?,
            None => Vec::new(),
        };
        let every = match raw.every {
            Some(every) => {
                let every = every.value;
                self.check_pointer(&every.at, defined)?;
                for value in [&every.filter, &Some(every.contains.clone())]
                    .into_iter()
                    .flatten()
                {
                    self.check_value(value, defined)?;
                }
                Some(Every {
                    at: every.at.value,
                    filter: every.filter.map(|f| f.value),
                    contains: every.contains.value,
                })
            }
            None => None,
        };
        let mut types = Vec::new();
        if let Some(map) = raw.types {
            for (pointer, json_type) in map.value {
                if !pointer.is_empty() && !pointer.starts_with('/') {
                    return Err(self.invalid(
                        &map.referenced,
                        format!(
                            "`types` keys are JSON pointers such as `/is_direct`, found `{pointer}`"
                        ),
                    ));
                }
                self.check_str(&pointer, &map.referenced, defined)?;
                types.push((pointer, json_type));
            }
        }
        Ok(Expect {
            checks,
            only_keys,
            required_keys,
            types,
            status,
            if_present: raw.if_present.map(|p| p.value),
            present: raw.present.into_iter().map(|p| p.value).collect(),
            every,
            errcode: raw.errcode.map(|e| e.into_vec()).unwrap_or_default(),
            body: raw.body.map(|v| v.value),
            exact: raw.exact.map(|v| v.value),
            excludes: raw.excludes.map(|v| v.value),
            absent: raw.absent.into_iter().map(|p| p.value).collect(),
            arrays: raw.arrays,
            unordered,
        })
    }

    /// `unordered`: JSON pointer templates to arrays, where a `*` segment stands for every
    /// element of an array or every value of an object.
    fn unordered(
        &self,
        raw: Option<Spanned<Vec<Spanned<String>>>>,
        defined: &[String],
    ) -> Result<Vec<String>, LoadError> {
        let pointers = raw.map(|list| list.value).unwrap_or_default();
        let mut out = Vec::new();
        for pointer in pointers {
            self.check_pointer(&pointer, defined)?;
            let starred = pointer
                .value
                .split('/')
                .find(|s| s.contains('*') && *s != "*");
            if let Some(segment) = starred {
                return Err(self.invalid(
                    &pointer.referenced,
                    format!(
                        "`unordered` takes JSON pointers whose `*` segments stand alone, as in `/*` or `/events/*/content`; `{segment}` in `{}` is not one",
                        pointer.value
                    ),
                ));
            }
            out.push(pointer.value);
        }
        Ok(out)
    }

    /// `status`: one HTTP status, a list of them, or `any`.
    fn status(&self, raw: Spanned<RawStatus>) -> Result<Status, LoadError> {
        let codes = match raw.value {
            RawStatus::Word(word) if word == "any" => return Ok(Status::Any),
            RawStatus::Word(word) => {
                return Err(self.invalid(
                    &raw.referenced,
                    format!("`status` is an HTTP status, a list of them or `any`, found `{word}`"),
                ));
            }
            RawStatus::One(code) => vec![code],
            RawStatus::Many(codes) => codes,
        };
        match codes.iter().find(|c| !(100..=599).contains(*c)) {
            Some(bad) => Err(self.invalid(
                &raw.referenced,
                format!("`status` must be an HTTP status between 100 and 599, found {bad}"),
            )),
            None if codes.is_empty() => {
                Err(self.invalid(&raw.referenced, "`status` lists no status"))
            }
            None => Ok(Status::OneOf(codes)),
        }
    }

    /// A map of JSON pointers to lists of key names (`only_keys`, `required_keys`).
    fn pointer_keys(
        &self,
        what: &str,
        map: Spanned<serde_json::Map<String, Value>>,
        defined: &[String],
    ) -> Result<Vec<(String, Vec<String>)>, LoadError> {
        let mut entries = Vec::new();
        for (pointer, keys) in map.value {
            self.check_str(&pointer, &map.referenced, defined)?;
            let keys: Option<Vec<String>> = keys.as_array().and_then(|list| {
                list.iter()
                    .map(|k| k.as_str().map(str::to_string))
                    .collect()
            });
            match keys {
                Some(keys) if pointer.is_empty() || pointer.starts_with('/') => {
                    entries.push((pointer, keys))
                }
                _ => {
                    return Err(self.invalid(&map.referenced, format!("`{what}` maps JSON pointers to lists of key names, as in `/events: [type, content]`; `{pointer}` is not one")));
                }
            }
        }
        Ok(entries)
    }

    fn snapshot(
        &self,
        raw: Spanned<RawSnapshot>,
        defined: &[String],
    ) -> Result<SnapshotSpec, LoadError> {
        let raw = raw.value;
        let name = raw.name.value;
        let well_formed = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.');
        if !well_formed {
            return Err(self.invalid(
                &raw.name.referenced,
                format!("snapshot name `{name}` must be letters, digits, `-`, `_` or `.`"),
            ));
        }
        if let Some(select) = &raw.select {
            self.check_pointer(select, defined)?;
        }
        if let Some(filter) = &raw.filter {
            self.check_value(filter, defined)?;
        }
        Ok(SnapshotSpec {
            name,
            select: raw.select.map(|s| s.value),
            filter: raw.filter.map(|f| f.value),
            fields: raw.fields,
            unordered: self.unordered(raw.unordered, defined)?,
        })
    }

    fn check_pointer(
        &self,
        pointer: &Spanned<String>,
        defined: &[String],
    ) -> Result<(), LoadError> {
        if !pointer.value.is_empty() && !pointer.value.starts_with('/') {
            return Err(self.invalid(
                &pointer.referenced,
                format!(
                    "expected a JSON pointer starting with `/`, found `{}`",
                    pointer.value
                ),
            ));
        }
        self.check_str(&pointer.value, &pointer.referenced, defined)
    }

    fn check_value(&self, value: &Spanned<Value>, defined: &[String]) -> Result<(), LoadError> {
        self.check_names(
            value_references(&value.value).into_iter().map(|r| r.name),
            &value.referenced,
            defined,
        )
    }

    fn check_str(&self, text: &str, loc: &Location, defined: &[String]) -> Result<(), LoadError> {
        self.check_names(references(text).into_iter().map(|r| r.name), loc, defined)
    }

    fn check_names(
        &self,
        names: impl Iterator<Item = String>,
        loc: &Location,
        defined: &[String],
    ) -> Result<(), LoadError> {
        for name in names {
            if !defined.contains(&name) {
                return Err(LoadError::UndefinedVariable {
                    at: self.locate(loc, &format!("${{{name}}}")),
                    suggestion: closest(&name, defined.iter().map(String::as_str)),
                    name,
                    defined: defined
                        .iter()
                        .map(|d| format!("${{{d}}}"))
                        .collect::<Vec<_>>()
                        .join(", "),
                });
            }
        }
        Ok(())
    }

    /// The position of `needle` at or after `from` in the file, or `from` itself.
    fn locate(&self, from: &Location, needle: &str) -> Position {
        let fallback = self.at(from);
        let Some(start) = offset_of(self.text, from.line(), from.column()) else {
            return fallback;
        };
        let Some(found) = self.text[start..].find(needle) else {
            return fallback;
        };
        let before = &self.text[..start + found];
        let line = before.matches('\n').count() as u64 + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u64 + 1;
        Position {
            file: self.file.to_path_buf(),
            line,
            column,
        }
    }
}

/// Byte offset of a 1-based line and column in `text`.
fn offset_of(text: &str, line: u64, column: u64) -> Option<usize> {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(line.checked_sub(1)? as usize)
        .map(str::len)
        .sum();
    let line_text = text.get(line_start..)?;
    let column_bytes: usize = line_text
        .chars()
        .take(column.saturating_sub(1) as usize)
        .map(char::len_utf8)
        .sum();
    Some(line_start + column_bytes)
}

mod read;
#[cfg(test)]
mod tests;
