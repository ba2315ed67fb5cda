//! `--format sarif`: SARIF 2.1.0 for GitHub code scanning and other viewers.
//!
//! Every rule is described in `tool.driver.rules` (help from `rules/*.md`, security
//! severity, tags, default level). Results point at `%SRCROOT%`-relative paths with
//! 1-based lines and UTF-16 columns (`columnKind: utf16CodeUnits`), carry secondary labels
//! as `relatedLocations` and a `partialFingerprints` entry that survives moved lines.
//! GitHub's documented upload limits are respected: at most 25,000 results per run (errors
//! first), 1,000 related locations per result and 20 tags per rule.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Serialize;
use serde_json::{Value as Json, json};

use crate::Analysis;
use crate::baseline::fingerprints_in;
use crate::finding::Severity;
use crate::rules::ALL;
use crate::source::{SourceMap, Span};

pub const MAX_RESULTS: usize = 25_000;
pub const MAX_RELATED: usize = 1_000;
pub const MAX_TAGS: usize = 20;
/// The key of the fingerprint in `partialFingerprints`.
pub const FINGERPRINT_KEY: &str = "acrlint/v1";

/// Characters kept as they are in a relative URI path.
const PATH: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'/')
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

/// The first paragraph under "## What it checks", else the summary.
fn full_description(doc: &str, summary: &str) -> String {
    doc.split("## What it checks")
        .nth(1)
        .and_then(|s| s.trim_start().split("\n\n").next())
        .map(|s| s.split("\n## ").next().unwrap_or(s).trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| summary.to_string())
}

/// A physical location: `%SRCROOT%`-relative URI (absolute `file://` when the path is
/// outside the current folder) and a region with 1-based lines and UTF-16 columns.
fn location(sources: &SourceMap, span: Span) -> Json {
    let file = sources.get(span.file);
    let start = file.utf16_line_col(span.start as usize);
    let end = file.utf16_line_col(span.end as usize);
    let artifact = if file.display.starts_with('/') {
        json!({ "uri": format!("file://{}", utf8_percent_encode(&file.display, PATH)) })
    } else {
        json!({
            "uri": utf8_percent_encode(&file.display, PATH).to_string(),
            "uriBaseId": "%SRCROOT%",
        })
    };
    json!({
        "artifactLocation": artifact,
        "region": {
            "startLine": start.line,
            "startColumn": start.column,
            "endLine": end.line,
            "endColumn": end.column,
        }
    })
}

/// The results, each built and serialized in turn.
struct Results<'a> {
    a: &'a Analysis,
    order: Vec<usize>,
    fingerprints: Vec<String>,
}

impl Serialize for Results<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(
            self.order
                .iter()
                .map(|&i| result(self.a, i, &self.fingerprints[i])),
        )
    }
}

/// The run, with keys in the order a JSON object map sorts them (as the rest of the document).
#[derive(Serialize)]
struct Run<'a> {
    #[serde(rename = "columnKind")]
    column_kind: &'static str,
    results: Results<'a>,
    tool: Json,
}

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    runs: [Run<'a>; 1],
    version: &'static str,
}

fn result(a: &Analysis, i: usize, fingerprint: &str) -> Json {
    let f = &a.findings[i];
    let rule_index = ALL.iter().position(|r| r.meta.code == f.rule.code);
    let mut text = f.message.clone();
    if let Some(help) = &f.help {
        if !text.ends_with(['.', '!', '?']) {
            text.push('.');
        }
        text.push(' ');
        text.push_str(help);
    }
    let related: Vec<Json> = f
        .secondary
        .iter()
        .take(MAX_RELATED)
        .enumerate()
        .map(|(id, l)| {
            json!({
                "id": id + 1,
                "physicalLocation": location(&a.sources, l.span),
                "message": { "text": l.message },
            })
        })
        .collect();
    let mut result = json!({
        "ruleId": f.rule.code,
        "level": level(f.severity),
        "message": { "text": text },
        "locations": [{ "physicalLocation": location(&a.sources, f.primary) }],
        "partialFingerprints": { FINGERPRINT_KEY: fingerprint },
    });
    if let Some(idx) = rule_index {
        result["ruleIndex"] = json!(idx);
    }
    if !related.is_empty() {
        result["relatedLocations"] = Json::Array(related);
    }
    if let Some(r) = &f.resource {
        result["properties"] = json!({ "resource": r });
    }
    result
}

pub fn write(a: &Analysis, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let rules: Vec<Json> = ALL
        .iter()
        .map(|r| {
            let m = &r.meta;
            let tags: Vec<&str> = m.tags.iter().copied().take(MAX_TAGS).collect();
            json!({
                "id": m.code,
                "name": m.name,
                "shortDescription": { "text": m.summary },
                "fullDescription": { "text": full_description(m.doc, m.summary) },
                "help": { "text": m.doc, "markdown": m.doc },
                "defaultConfiguration": { "level": level(m.severity) },
                "properties": {
                    "security-severity": m.security_severity,
                    "tags": tags,
                    "precision": "high",
                    "problem.severity": if m.severity == Severity::Note { "recommendation" } else { level(m.severity) },
                },
            })
        })
        .collect();
    let fps = fingerprints_in(&a.findings, &a.sources, a.root.as_deref());
    // Errors first when the limit cuts: GitHub keeps the first results.
    let mut order: Vec<usize> = (0..a.findings.len()).collect();
    if order.len() > MAX_RESULTS {
        order.sort_by_key(|&i| std::cmp::Reverse(a.findings[i].severity));
        order.truncate(MAX_RESULTS);
        order.sort_unstable();
    }
    let log = Log {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        runs: [Run {
            column_kind: "utf16CodeUnits",
            results: Results {
                a,
                order,
                fingerprints: fps,
            },
            tool: json!({
                "driver": {
                    "name": "acrlint",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "rules": rules,
                }
            }),
        }],
        version: "2.1.0",
    };
    super::write_json(out, &log)
}
