//! The HTML page: the matrix, the filters, self-containment and escaping.

use super::*;
use crate::report::sample::rendered;

#[test]
fn the_page_has_the_claims_matrix_and_the_filters() {
    let html = rendered(&Html);
    assert!(html.contains("<table id=\"claims-matrix\">"), "{html}");
    assert!(
        html.contains("<dt>Server</dt><dd>Synapse 1.163.2</dd>"),
        "{html}"
    );
    for outcome in OUTCOMES {
        assert!(
            html.contains(&format!("data-kind=\"outcome\" value=\"{outcome}\"")),
            "{outcome}"
        );
        assert!(
            CSS.contains(&format!(".{} {{ --outcome:", class(outcome))),
            "{outcome}"
        );
    }
    assert!(html.contains(
        "<a class=\"chip o-not-reached\" data-outcome=\"not reached\" \
         href=\"#case-membership.join.flag-on-join\""
    ));
    assert!(html.contains("id=\"case-membership.join.flag-on-join\""));
}

#[test]
fn claims_are_grouped_by_area_and_level_strictest_first() {
    let html = rendered(&Html);
    let groups: Vec<&str> = html
        .split("<tr class=\"group\"><th colspan=\"4\">")
        .skip(1)
        .map(|rest| &rest[..rest.find('<').unwrap()])
        .collect();
    assert_eq!(
        groups,
        [
            "account_data · MUST",
            "dm · MUST",
            "dm · SHOULD",
            "dm · INFO",
            "membership · MUST"
        ]
    );
}

#[test]
fn the_page_loads_nothing_from_elsewhere() {
    let html = rendered(&Html).to_lowercase();
    for external in ["src=", "<link", "@import", "url(", "<img", "<iframe"] {
        assert!(!html.contains(external), "{external}");
    }
    for href in html.split("href=\"").skip(1) {
        assert!(
            href.starts_with('#') || href.starts_with("https://spec.matrix.org/"),
            "{href}"
        );
    }
}

#[test]
fn text_from_the_server_is_escaped() {
    let html = rendered(&Html);
    assert_eq!(html.matches("<script").count(), 1, "only the page's own");
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
    assert!(html.contains("&quot;access_token&quot;: &quot;[redacted]&quot;"));
    assert_eq!(escape("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&#39;");
}

#[test]
fn a_failing_case_expands_to_its_diff_transcript_and_replay() {
    let html = rendered(&Html);
    let start = html
        .find("<details class=\"case\" id=\"case-dm.create-room.invitees-flagged\"")
        .unwrap();
    let end = start + html[start..].find("</details>").unwrap();
    let case = &html[start..end];
    assert!(
        case.contains(
            "<pre class=\"diff\"><span class=\"del\">-  &quot;is_direct&quot;: true</span>"
        ),
        "{case}"
    );
    assert!(
        case.contains("<span class=\"add\">+  &quot;membership&quot;"),
        "{case}"
    );
    assert!(
        case.contains("step 2: GET /_matrix/client/v3/sync?timeout=0 → 200 (34 ms)"),
        "{case}"
    );
    assert!(case.contains("<pre class=\"replay\">curl -X GET"), "{case}");
    for (id, outcome) in [
        ("dm.invite.later-invites-unflagged", "non-strict"),
        ("dm.since-fixed", "pass"),
        ("membership.ban.provisioning", "error"),
        ("membership.leave.keeps-flag", "blocked"),
    ] {
        let opening =
            format!("<details class=\"case\" id=\"case-{id}\" data-outcome=\"{outcome}\"");
        assert!(html.contains(&opening), "{opening}");
    }
    assert!(html.contains("<div class=\"case\" id=\"case-account_data.global.round-trip\""));
}
