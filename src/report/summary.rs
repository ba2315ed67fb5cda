//! The GitHub Actions step summary: when `GITHUB_STEP_SUMMARY` names a file (GitHub sets it
//! in every step), `check` appends a Markdown summary to it, whatever `--format` is: the
//! counts by severity, a table of counts by rule (linked to each rule's page), and a table
//! of findings, most severe first, cut at [`MAX_BYTES`] (well under GitHub's 1 MiB per
//! step) with a line saying how many more were not shown.
//!
//! Scanned text (file names, messages) goes through [`crate::sanitize::markdown`]: control
//! characters shown visibly and every Markdown metacharacter, `|` included, escaped, so
//! a value can neither break the table nor add a link, an image or HTML.

use std::fmt::Write as _;

use crate::Analysis;
use crate::finding::{Finding, Severity};
use crate::sanitize::markdown;

/// The most the findings table may take, in bytes.
pub const MAX_BYTES: usize = 256 * 1024;
/// The most of a message shown in a table cell, in characters.
const MAX_MESSAGE: usize = 300;

fn plural(n: usize, one: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {one}s")
    }
}

/// The summary of an analysis, as Markdown.
pub fn render(a: &Analysis) -> String {
    let count = |s: Severity| a.findings.iter().filter(|f| f.severity == s).count();
    let mut md = String::from("## acrlint\n\n");
    if a.findings.is_empty() {
        let _ = write!(md, "No findings in {}.", plural(a.files_scanned, "file"));
    } else {
        let _ = write!(
            md,
            "**{}, {}, {}** in {}.",
            plural(count(Severity::Error), "error"),
            plural(count(Severity::Warning), "warning"),
            plural(count(Severity::Note), "note"),
            plural(a.files_scanned, "file"),
        );
    }
    if !a.suppressed.is_empty() {
        let _ = write!(
            md,
            " {} suppressed (inline ignores, baseline) and not counted.",
            a.suppressed.len()
        );
    }
    md.push_str("\n\n");
    if a.findings.is_empty() {
        return md;
    }

    // Counts by rule, most severe rule first, then by code.
    let mut rules: Vec<(&'static crate::rules::RuleMeta, Severity, usize)> = Vec::new();
    for f in &a.findings {
        match rules.iter_mut().find(|(r, ..)| r.code == f.rule.code) {
            Some((_, s, n)) => {
                *n += 1;
                *s = (*s).max(f.severity);
            }
            None => rules.push((f.rule, f.severity, 1)),
        }
    }
    rules.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.code.cmp(y.0.code)));
    md.push_str("| Rule | Severity | Findings |\n|---|---|---:|\n");
    for (r, s, n) in &rules {
        let _ = writeln!(
            md,
            "| [{}]({}) {} | {} | {n} |",
            r.code,
            super::sarif::help_uri(r),
            r.name,
            s.as_str()
        );
    }

    // The findings, most severe first (file order within a severity), up to the cap.
    let mut order: Vec<&Finding> = a.findings.iter().collect();
    order.sort_by_key(|f| std::cmp::Reverse(f.severity));
    md.push_str("\n| Severity | Rule | Location | Message |\n|---|---|---|---|\n");
    let mut table = 0;
    let mut shown = 0;
    for f in &order {
        let file = a.sources.get(f.primary.file);
        let line = file.line_col(f.primary.start as usize).line;
        let mut message: String = f.message.chars().take(MAX_MESSAGE).collect();
        if message.len() < f.message.len() {
            message.push('…');
        }
        let row = format!(
            "| {} | {} | {}:{line} | {} |\n",
            f.severity.as_str(),
            f.rule.code,
            markdown(&file.display),
            markdown(&message),
        );
        if table + row.len() > MAX_BYTES {
            break;
        }
        table += row.len();
        md.push_str(&row);
        shown += 1;
    }
    if shown < order.len() {
        let _ = write!(
            md,
            "\n_{} more not shown; the step's log and the SARIF report list every finding._\n",
            order.len() - shown
        );
    }
    md.push('\n');
    md
}

/// The step summary file could not be written.
#[derive(Debug, thiserror::Error)]
#[error(
    "cannot write the step summary to {}: {source}",
    crate::sanitize::path(path)
)]
pub struct SummaryError {
    path: std::path::PathBuf,
    source: std::io::Error,
}

/// Append the summary to the file `GITHUB_STEP_SUMMARY` names, when set. A failure to
/// write is returned as the message to show (it does not change the exit code).
pub fn append_from_env(a: &Analysis) -> Result<(), SummaryError> {
    let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) else {
        return Ok(());
    };
    let path = std::path::PathBuf::from(path);
    let written = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(&path)
        .and_then(|mut f| std::io::Write::write_all(&mut f, render(a).as_bytes()));
    written.map_err(|source| SummaryError { path, source })
}
