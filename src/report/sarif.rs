//! `--format sarif`: SARIF 2.1.0 for GitHub code scanning and other viewers.
//!
//! Every rule a result refers to is described in `tool.driver.rules`: a one-line
//! description, its documentation once (`help.markdown`, from `rules/*.md`; `help.text` is
//! a pointer to `helpUri`), the default level, tags, and a `security-severity` only for
//! rules whose default level is error or warning (a note must not become a security alert).
//! `helpUri` follows `--docs-url` (`{code}`, `{name}`, `{file}`), by default the rule's page
//! in this repository ([`default_docs_url`]).
//!
//! Results point at `%SRCROOT%`-relative paths (declared in `originalUriBaseIds`) with
//! 1-based lines and UTF-16 columns (`columnKind: utf16CodeUnits`), carry secondary labels
//! as `relatedLocations` linked from the message text (`[label](id)`, which code scanning
//! needs to show them) and a `partialFingerprints` entry that survives moved lines.
//! Findings an inline ignore or the baseline took out are reported with `suppressions`
//! (`inSource`, `external`), so code scanning shows them as dismissed rather than fixed.
//! GitHub's documented upload limits are respected: at most 25,000 results per run (errors
//! first, suppressed last), 1,000 related locations per result and 20 tags per rule.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Serialize;
use serde_json::{Value as Json, json};

use std::sync::OnceLock;

use crate::Analysis;
use crate::baseline::fingerprints_in;
use crate::finding::{Finding, Severity, SuppressionKind};
use crate::rules::{ALL, RuleMeta};
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

/// The `--docs-url` pattern of this run, when given.
static DOCS_URL: OnceLock<String> = OnceLock::new();

/// Use `pattern` (`{code}`, `{name}`, `{file}`) for every rule's `helpUri` in this process.
pub fn set_docs_url(pattern: String) {
    let _ = DOCS_URL.set(pattern);
}

/// The rule pages of this repository: `rules/{file}` on the default branch of the
/// `repository` URL in `Cargo.toml`, else of the placeholder `https://github.com/OWNER/acrlint`
/// (pass `--docs-url` to point elsewhere, e.g. at a fork or a pinned tag).
pub fn default_docs_url() -> String {
    format!("{}/blob/main/rules/{{file}}", repository())
}

/// acrlint's repository: `repository` in `Cargo.toml`, else a placeholder.
fn repository() -> &'static str {
    match env!("CARGO_PKG_REPOSITORY").trim_end_matches('/') {
        "" => "https://github.com/OWNER/acrlint",
        repo => repo,
    }
}

/// The page of a rule's documentation (`--docs-url`, else [`default_docs_url`]).
pub fn help_uri(rule: &RuleMeta) -> String {
    match DOCS_URL.get() {
        Some(p) => rule.doc_url(p),
        None => rule.doc_url(&default_docs_url()),
    }
}

/// Plain text for a SARIF message: `\`, `[` and `]` escaped so that only our own
/// `[text](id)` links are links.
fn message_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '\\' | '[' | ']') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

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

/// The results (reported findings, then suppressed ones), each built and serialized in turn.
struct Results<'a> {
    a: &'a Analysis,
    order: Vec<usize>,
    fingerprints: Vec<String>,
    rules: &'a [&'static RuleMeta],
}

impl Serialize for Results<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let n = self.a.findings.len();
        s.collect_seq(self.order.iter().map(|&i| {
            let (f, kind) = match i.checked_sub(n) {
                None => (&self.a.findings[i], None),
                Some(j) => (&self.a.suppressed[j].0, Some(&self.a.suppressed[j].1)),
            };
            result(self.a, f, self.rules, &self.fingerprints[i], kind)
        }))
    }
}

/// The run, with keys in the order a JSON object map sorts them (as the rest of the document).
#[derive(Serialize)]
struct Run<'a> {
    #[serde(rename = "columnKind")]
    column_kind: &'static str,
    #[serde(rename = "originalUriBaseIds")]
    original_uri_base_ids: Json,
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

fn result(
    a: &Analysis,
    f: &Finding,
    rules: &[&'static RuleMeta],
    fingerprint: &str,
    suppressed: Option<&SuppressionKind>,
) -> Json {
    let rule_index = rules.iter().position(|r| r.code == f.rule.code);
    let mut text = message_text(&f.message);
    if let Some(help) = &f.help {
        if !text.ends_with(['.', '!', '?']) {
            text.push('.');
        }
        text.push(' ');
        text.push_str(&message_text(help));
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
    // Code scanning shows a related location only when the message links to it.
    for (id, l) in f.secondary.iter().take(MAX_RELATED).enumerate() {
        let label = if l.message.trim().is_empty() {
            "related location".to_string()
        } else {
            message_text(l.message.trim())
        };
        text.push_str(if id == 0 { " See " } else { ", " });
        text.push_str(&format!("[{label}]({})", id + 1));
    }
    if !f.secondary.is_empty() {
        text.push('.');
    }
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
    match suppressed {
        Some(SuppressionKind::InSource(reason)) => {
            result["suppressions"] = json!([{
                "kind": "inSource",
                "justification": reason,
            }]);
        }
        Some(SuppressionKind::External) => {
            result["suppressions"] = json!([{
                "kind": "external",
                "justification": "accepted in the baseline file",
            }]);
        }
        None => {}
    }
    result
}

fn rule(m: &RuleMeta) -> Json {
    let tags: Vec<&str> = m.tags.iter().copied().take(MAX_TAGS).collect();
    let uri = help_uri(m);
    let mut properties = json!({
        "tags": tags,
        "precision": "high",
        "problem.severity": if m.severity == Severity::Note { "recommendation" } else { level(m.severity) },
    });
    // A note with a security severity would become a security alert of that severity.
    if m.severity != Severity::Note {
        properties["security-severity"] = json!(m.security_severity);
    }
    json!({
        "id": m.code,
        "name": m.name,
        "shortDescription": { "text": m.summary },
        "fullDescription": { "text": full_description(m.doc, m.summary) },
        "help": {
            "text": format!("{} Documentation: {uri}", m.summary),
            "markdown": m.doc,
        },
        "helpUri": uri,
        "defaultConfiguration": { "level": level(m.severity) },
        "properties": properties,
    })
}

pub fn write(a: &Analysis, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let n = a.findings.len();
    let at = |i: usize| match i.checked_sub(n) {
        None => &a.findings[i],
        Some(j) => &a.suppressed[j].0,
    };
    // One fingerprint sequence over reported then suppressed findings: the reported ones
    // get the same fingerprints as without suppressed ones.
    let total = n + a.suppressed.len();
    let fps = fingerprints_in((0..total).map(at), &a.sources, a.root.as_deref());
    // Errors first when the limit cuts (GitHub keeps the first results), suppressed last.
    let mut order: Vec<usize> = (0..fps.len()).collect();
    if order.len() > MAX_RESULTS {
        order.sort_by_key(|&i| std::cmp::Reverse((i < n, at(i).severity)));
        order.truncate(MAX_RESULTS);
        order.sort_unstable();
    }
    // Only the rules the results refer to: a one-finding file stays small.
    let mut used: Vec<&'static RuleMeta> = Vec::new();
    for &i in &order {
        let code = at(i).rule.code;
        if let Some(r) = ALL.iter().find(|x| x.meta.code == code)
            && !used.iter().any(|u| u.code == code)
        {
            used.push(&r.meta);
        }
    }
    used.sort_by_key(|r| ALL.iter().position(|x| x.meta.code == r.code));
    let rules: Vec<Json> = used.iter().map(|m| rule(m)).collect();
    let log = Log {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        runs: [Run {
            column_kind: "utf16CodeUnits",
            original_uri_base_ids: json!({
                "%SRCROOT%": { "uri": srcroot() }
            }),
            results: Results {
                a,
                order,
                fingerprints: fps,
                rules: &used,
            },
            tool: json!({
                "driver": {
                    "name": "acrlint",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "informationUri": repository(),
                    "rules": rules,
                }
            }),
        }],
        version: "2.1.0",
    };
    super::write_json(out, &log)
}

/// The folder relative paths are relative to (the current folder), as a `file://` URI
/// ending in `/`.
fn srcroot() -> String {
    let cwd = std::env::current_dir().unwrap_or_default();
    let mut s = cwd.to_string_lossy().into_owned();
    if !s.ends_with('/') {
        s.push('/');
    }
    if !s.starts_with('/') {
        s.insert(0, '/');
    }
    format!("file://{}", utf8_percent_encode(&s, PATH))
}
