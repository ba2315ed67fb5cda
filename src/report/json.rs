//! `--format json`: a stable, documented shape with 1-based lines and columns.

use serde::Serialize;

use crate::Analysis;
use crate::finding::{Finding, Severity};

#[derive(Serialize)]
struct Output<'a> {
    version: u32,
    findings: Findings<'a>,
    summary: Summary,
}

/// The findings, serialized one at a time.
struct Findings<'a>(&'a Analysis);

impl Serialize for Findings<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.findings.iter().map(|f| finding(self.0, f)))
    }
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    code: &'a str,
    name: &'a str,
    severity: &'a str,
    message: &'a str,
    path: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    resource: Option<&'a str>,
    related: Vec<Related<'a>>,
}

#[derive(Serialize)]
struct Related<'a> {
    path: &'a str,
    line: usize,
    column: usize,
    message: &'a str,
}

#[derive(Serialize)]
struct Summary {
    files_scanned: usize,
    findings: usize,
    errors: usize,
    warnings: usize,
    notes: usize,
    /// Findings left out by `--severity` (present only with it).
    #[serde(skip_serializing_if = "Option::is_none")]
    not_shown: Option<usize>,
}

fn finding<'a>(a: &'a Analysis, f: &'a Finding) -> JsonFinding<'a> {
    let file = a.sources.get(f.primary.file);
    let start = file.line_col(f.primary.start as usize);
    let end = file.line_col(f.primary.end as usize);
    JsonFinding {
        code: f.rule.code,
        name: f.rule.name,
        severity: f.severity.as_str(),
        message: &f.message,
        path: &file.display,
        line: start.line,
        column: start.column,
        end_line: end.line,
        end_column: end.column,
        resource: f.resource.as_deref(),
        related: f
            .secondary
            .iter()
            .map(|l| {
                let rf = a.sources.get(l.span.file);
                let pos = rf.line_col(l.span.start as usize);
                Related {
                    path: &rf.display,
                    line: pos.line,
                    column: pos.column,
                    message: &l.message,
                }
            })
            .collect(),
    }
}

pub fn write(
    a: &Analysis,
    options: &super::Options,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let count = |s: Severity| a.findings.iter().filter(|f| f.severity == s).count();
    let out_doc = Output {
        version: 1,
        findings: Findings(a),
        summary: Summary {
            files_scanned: a.files_scanned,
            findings: a.findings.len(),
            errors: count(Severity::Error),
            warnings: count(Severity::Warning),
            notes: count(Severity::Note),
            not_shown: options.not_shown.map(|(_, n)| n),
        },
    };
    super::write_json(out, &out_doc)
}
