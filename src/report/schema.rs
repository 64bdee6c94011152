//! The JSON Schema (draft 2020-12) of the JSON report, for readers outside mxconform.

/// The JSON Schema the [`super::Json`] emitter's output conforms to.
pub const SCHEMA: &str = include_str!("report.schema.json");

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::SCHEMA;
    use crate::report::full_sample::sample;
    use crate::report::{Emitter, Json, read};

    fn validator() -> jsonschema::Validator {
        let schema: Value = serde_json::from_str(SCHEMA).expect("the schema is JSON");
        assert!(
            jsonschema::draft202012::meta::is_valid(&schema),
            "the schema is not a draft 2020-12 schema"
        );
        jsonschema::draft202012::options()
            .should_validate_formats(true)
            .build(&schema)
            .expect("the schema compiles")
    }

    fn sample_json() -> Value {
        let text = Json.render(&sample()).expect("the sample renders");
        serde_json::from_str(&text).expect("the emitter writes JSON")
    }

    fn errors(instance: &Value) -> Vec<String> {
        validator()
            .iter_errors(instance)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect()
    }

    #[test]
    fn the_sample_report_covers_every_outcome_and_problem_kind() {
        let json = sample_json();
        let text = json.to_string();
        for status in [
            "pass",
            "fail",
            "non_strict",
            "informational",
            "skipped",
            "blocked",
            "not_reached",
            "error",
        ] {
            assert!(
                text.contains(&format!("\"status\":\"{status}\"")),
                "{status}"
            );
        }
        for kind in [
            "status",
            "errcode",
            "body",
            "snapshot",
            "sync_deadline",
            "save",
            "transport",
            "provisioning",
            "harness",
            "timed_out",
        ] {
            assert!(text.contains(&format!("\"kind\":\"{kind}\"")), "{kind}");
        }
    }

    #[test]
    fn what_the_json_emitter_writes_validates() {
        let json = sample_json();
        assert_eq!(errors(&json), Vec::<String>::new());
        let back = read(&json.to_string()).expect("the report reads back");
        assert_eq!(back, sample());
    }

    /// Asserts that the sample, changed by `mutate`, no longer validates.
    fn assert_rejected(mutate: impl FnOnce(&mut Value)) {
        let mut json = sample_json();
        mutate(&mut json);
        assert!(!errors(&json).is_empty(), "validated: {json}");
    }

    #[test]
    fn an_unknown_outcome_status_is_rejected() {
        assert_rejected(|json| json["cases"][0]["outcome"] = json!({"status": "passed"}));
        assert_rejected(|json| json["cases"][4]["outcome"]["detail"] = json!({"reason": "x"}));
    }

    #[test]
    fn a_missing_or_other_format_version_is_rejected() {
        assert_rejected(|json| {
            if let Some(top) = json.as_object_mut() {
                top.remove("format_version");
            }
        });
        assert_rejected(|json| json["format_version"] = json!(2));
    }

    #[test]
    fn an_extra_field_is_rejected() {
        assert_rejected(|json| {
            json["cases"][1]["outcome"]["detail"]["problems"][0]["hint"] = json!("x")
        });
        assert_rejected(|json| json["totals"]["flaky"] = json!(0));
    }

    #[test]
    fn a_problem_of_an_unknown_kind_is_rejected() {
        assert_rejected(|json| {
            json["cases"][1]["outcome"]["detail"]["problems"][0]["kind"] = json!("timeout")
        });
    }
}
