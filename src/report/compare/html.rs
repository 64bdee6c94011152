//! The comparison as one self-contained HTML page, each cell coloured by its outcome.

use std::fmt::Write;

use super::{Block, MISSING, RunReport, matrix};
use crate::verdict::severity_of_label;

/// The page's style: one colour per outcome.
const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2em;color:#212121}
table{border-collapse:collapse}
th,td{border:1px solid #bdbdbd;padding:.3em .6em;text-align:left;vertical-align:top}
thead th{background:#f5f5f5}
.run small{display:block;font-weight:normal;color:#616161}
tr.section th{background:#eceff1;font-size:1.1em}
tr.claim td:first-child{font-weight:bold}
tr.case td:first-child{padding-left:2em}
td.o-pass{background:#2e7d32;color:#fff}
td.o-fail{background:#d32f2f;color:#fff}
td.o-non-strict{background:#ef6c00;color:#fff}
td.o-informational{background:#1565c0;color:#fff}
td.o-skipped{background:#9e9e9e;color:#fff}
td.o-blocked{background:#6a1b9a;color:#fff}
td.o-not-reached{background:#e0e0e0;color:#212121}
td.o-error{background:#7f0000;color:#fff}
td.o-missing{color:#9e9e9e;text-align:center}
";

/// The comparison as one HTML page with inline style and no external assets: a
/// `<table id="compare-matrix">` whose first section holds the claims the runs disagree on.
pub fn html(runs: &[(String, RunReport)]) -> String {
    let matrix = matrix(runs);
    let width = matrix.columns.len() + 2;
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>mxconform comparison</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n\
         <h1>mxconform comparison</h1>\n<p>{} claims; the runs disagree on {}.</p>\n\
         <table id=\"compare-matrix\">\n<thead><tr><th>claim / case</th><th>level</th>",
        matrix.disagreements.len() + matrix.agreements.len(),
        matrix.disagreements.len()
    );
    for column in &matrix.columns {
        let server = column
            .server
            .as_deref()
            .map(|s| format!("<small>{}</small>", escape(s)))
            .unwrap_or_default();
        let _ = write!(
            out,
            "<th class=\"run\">{}<small>{}</small>{server}</th>",
            escape(&column.label),
            escape(&column.target)
        );
    }
    out.push_str("</tr></thead>\n");
    let sections = [
        ("disagreements", "Disagreements", &matrix.disagreements),
        ("agreements", "Agreements", &matrix.agreements),
    ];
    for (class, title, blocks) in sections {
        let _ = writeln!(
            out,
            "<tbody class=\"{class}\">\n<tr class=\"section\"><th colspan=\"{width}\">{title} ({})</th></tr>",
            blocks.len()
        );
        for block in blocks {
            rows(&mut out, block);
        }
        out.push_str("</tbody>\n");
    }
    out.push_str("</table>\n</body>\n</html>\n");
    out
}

/// The claim's row and one row per case that checks it.
fn rows(out: &mut String, block: &Block) {
    let _ = write!(
        out,
        "<tr class=\"claim\"><td>{}</td><td>{}</td>",
        escape(&block.claim),
        escape(&block.level)
    );
    cells(out, &block.verdicts);
    for (case, outcomes) in &block.cases {
        let _ = write!(out, "<tr class=\"case\"><td>{}</td><td></td>", escape(case));
        cells(out, outcomes);
    }
}

/// A row's outcome cells, each classed by its outcome, and the row's end.
fn cells(out: &mut String, outcomes: &[Option<String>]) {
    for outcome in outcomes {
        match outcome {
            Some(label) => {
                let class = match severity_of_label(label) {
                    Some(_) => format!(" class=\"o-{}\"", label.replace(' ', "-")),
                    None => String::new(),
                };
                let _ = write!(out, "<td{class}>{}</td>", escape(label));
            }
            None => {
                let _ = write!(out, "<td class=\"o-missing\">{MISSING}</td>");
            }
        }
    }
    out.push_str("</tr>\n");
}

/// `text` with the characters HTML gives meaning to replaced by references.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::compare::tests::runs;

    #[test]
    fn the_page_is_self_contained_with_the_matrix_table() {
        let page = html(&runs());
        assert!(page.starts_with("<!DOCTYPE html>"));
        assert!(page.contains("<table id=\"compare-matrix\">"));
        assert!(!page.contains("src=") && !page.contains("href="), "{page}");
        assert!(page.contains("<small>Synapse 1.99.0</small>"));
    }

    #[test]
    fn cells_are_coloured_by_outcome_and_disagreements_come_first() {
        let page = html(&runs());
        assert!(page.contains(
            "<tr class=\"claim\"><td>account_data.a</td><td>MUST</td><td class=\"o-fail\">fail</td><td class=\"o-pass\">pass</td></tr>"
        ));
        assert!(page.contains("<td class=\"o-missing\">—</td>"));
        let differing = page.find("<td>account_data.a</td>").unwrap();
        let agreements = page.find("<tbody class=\"agreements\">").unwrap();
        let agreed = page.find("<td>account_data.z</td>").unwrap();
        assert!(differing < agreements && agreements < agreed);
        assert!(page.contains("td.o-not-reached{"));
    }

    #[test]
    fn every_text_is_escaped() {
        let mut runs = runs();
        runs[0].0 = "<script>alert('x')</script>".into();
        runs[1].1.claims[0].cases[0].case = "a&b\"<c>".into();
        let page = html(&runs);
        assert!(!page.contains("<script>"), "{page}");
        assert!(page.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
        assert!(page.contains("a&amp;b&quot;&lt;c&gt;"));
    }
}
