//! `--format json`: a stable, documented shape with 1-based lines and columns.

use serde::Serialize;

use crate::Analysis;

#[derive(Serialize)]
struct Output<'a> {
    version: u32,
    findings: Vec<JsonFinding<'a>>,
    summary: Summary,
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
}

pub fn render(a: &Analysis) -> String {
    let findings = a
        .findings
        .iter()
        .map(|f| {
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
        })
        .collect();
    let out = Output {
        version: 1,
        findings,
        summary: Summary {
            files_scanned: a.files_scanned,
            findings: a.findings.len(),
        },
    };
    let mut s = serde_json::to_string_pretty(&out).unwrap_or_default();
    s.push('\n');
    s
}
