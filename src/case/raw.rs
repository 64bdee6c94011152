//! The case file as written: YAML shapes with source positions, before validation.

use serde::Deserialize;
use serde_json::{Map, Value};
use serde_saphyr::Spanned;

use std::collections::BTreeMap;

use super::model::JsonType;
use crate::matcher::ArrayMatch;

/// A case file's top level.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCase {
    pub id: Spanned<String>,
    pub summary: String,
    /// Not part of the format any more: claims are named where they are checked.
    pub claims: Option<Spanned<serde::de::IgnoredAny>>,
    #[serde(default)]
    pub tags: Vec<String>,
    pub actors: Vec<Spanned<String>>,
    pub steps: Vec<Spanned<RawStep>>,
}

/// One step as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawStep {
    #[serde(rename = "as")]
    pub actor: Option<Spanned<String>>,
    pub device: Option<Spanned<u8>>,
    pub call: Option<Spanned<String>>,
    pub body: Option<Spanned<Value>>,
    pub raw_body: Option<Spanned<String>>,
    pub sync_until: Option<Spanned<RawSyncUntil>>,
    pub read: Option<Spanned<RawRead>>,
    pub expect: Option<RawExpects>,
    #[serde(default)]
    pub checks: Vec<Spanned<String>>,
    #[serde(default)]
    pub observe: Vec<Spanned<String>>,
    pub save: Option<Spanned<Map<String, Value>>>,
    pub save_if_present: Option<Spanned<Map<String, Value>>>,
    #[serde(default)]
    pub when: Vec<Spanned<String>>,
    pub snapshot: Option<Spanned<RawSnapshot>>,
}

/// A step's `expect`: one block, or a list of blocks each naming its own claims.
#[derive(Debug)]
pub(super) struct RawExpects(pub Vec<RawExpect>);

impl<'de> Deserialize<'de> for RawExpects {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Blocks;
        impl<'de> serde::de::Visitor<'de> for Blocks {
            type Value = RawExpects;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an expect block (a map) or a list of expect blocks")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<RawExpects, A::Error> {
                let block =
                    RawExpect::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                Ok(RawExpects(vec![block]))
            }

            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                seq: A,
            ) -> Result<RawExpects, A::Error> {
                let blocks = Vec::<RawExpect>::deserialize(
                    serde::de::value::SeqAccessDeserializer::new(seq),
                )?;
                Ok(RawExpects(blocks))
            }
        }
        deserializer.deserialize_any(Blocks)
    }
}

/// A `sync_until` block as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSyncUntil {
    pub at: Spanned<String>,
    pub contains: Option<Spanned<Value>>,
    pub since: Option<Spanned<String>>,
    pub filter: Option<Spanned<Value>>,
    pub within: Option<Spanned<String>>,
}

/// A `read` block as written: a room state event, and the reads to judge it through.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRead {
    pub room: Option<Spanned<String>>,
    #[serde(rename = "type")]
    pub event_type: Option<Spanned<String>>,
    pub state_key: Option<Spanned<String>>,
    pub account_data: Option<Spanned<String>>,
    pub since: Option<Spanned<String>>,
    pub through: Option<Vec<Spanned<String>>>,
    pub within: Option<Spanned<String>>,
}

/// An `expect` block as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawExpect {
    pub checks: Option<Vec<Spanned<String>>>,
    pub status: Option<Spanned<RawStatus>>,
    pub if_present: Option<Spanned<String>>,
    #[serde(default)]
    pub present: Vec<Spanned<String>>,
    pub required_keys: Option<Spanned<Map<String, Value>>>,
    pub every: Option<Spanned<RawEvery>>,
    pub errcode: Option<OneOrMany>,
    pub body: Option<Spanned<Value>>,
    pub exact: Option<Spanned<Value>>,
    pub excludes: Option<Spanned<Value>>,
    #[serde(default)]
    pub absent: Vec<Spanned<String>>,
    pub only_keys: Option<Spanned<Map<String, Value>>>,
    pub types: Option<Spanned<BTreeMap<String, JsonType>>>,
    #[serde(default)]
    pub arrays: ArrayMatch,
    pub unordered: Option<Spanned<Vec<Spanned<String>>>>,
}

/// An `every` rule as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawEvery {
    pub at: Spanned<String>,
    #[serde(rename = "where")]
    pub filter: Option<Spanned<Value>>,
    pub contains: Spanned<Value>,
}

/// `status` as written: one code, a list of codes, or `any`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(super) enum RawStatus {
    One(u16),
    Many(Vec<u16>),
    Word(String),
}

/// A `snapshot` block as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSnapshot {
    pub name: Spanned<String>,
    pub select: Option<Spanned<String>>,
    #[serde(rename = "where")]
    pub filter: Option<Spanned<Value>>,
    #[serde(default)]
    pub fields: Vec<String>,
    pub unordered: Option<Spanned<Vec<Spanned<String>>>>,
}

/// One string or a list of them.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(super) enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    /// The strings, as a list.
    pub fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}
