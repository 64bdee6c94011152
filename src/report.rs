//! Reports of a run: the report as data, built once, and the emitters that render it.

mod build;
pub mod compare;
mod detail;
#[cfg(test)]
pub(crate) mod full_sample;
mod html;
mod json;
mod junit;
mod markdown;
mod merge;
pub mod model;
#[cfg(test)]
mod sample;
mod schema;
mod text;

pub use build::{RunFacts, build, claim_verdict, millis};
pub use html::Html;
pub use json::{Json, ReportError, read};
pub use junit::Junit;
pub use markdown::Markdown;
pub use merge::merge;
pub use model::{Cost, FORMAT_VERSION, RunReport};
pub use schema::SCHEMA;
pub use text::{claims_table, outcome_sections, spec_gaps};

/// Renders a report in one output format.
pub trait Emitter {
    /// The format's name, as the command line spells its option (`json`, `junit`, …).
    fn format(&self) -> &'static str;
    /// The report rendered; `Err` says why it could not be.
    fn render(&self, report: &RunReport) -> Result<String, String>;
}
