//! Human output: codespan-reporting diagnostics with primary and secondary labels.

use codespan_reporting::diagnostic::{Diagnostic, Label, Severity as CsSeverity};
use codespan_reporting::term::{self, termcolor};

use crate::Analysis;
use crate::finding::{Finding, Severity};
use crate::source::{SourceMap, Span};

fn severity(s: Severity) -> CsSeverity {
    match s {
        Severity::Error => CsSeverity::Error,
        Severity::Warning => CsSeverity::Warning,
        Severity::Note => CsSeverity::Note,
    }
}

/// Lines longer than this are not quoted (a minified file would flood the terminal).
const MAX_QUOTED_LINE: usize = 400;

fn quotable(sources: &SourceMap, span: Span) -> bool {
    let f = sources.get(span.file);
    let first = f.line_index(span.start as usize);
    let last = f.line_index(span.end as usize);
    (first..=last).all(|l| f.line_range(l).len() <= MAX_QUOTED_LINE)
}

/// The codespan diagnostic of a finding.
pub fn diagnostic(f: &Finding, sources: &SourceMap) -> Diagnostic<crate::source::FileId> {
    let mut labels = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    let mut add = |span: Span, msg: &str, primary: bool| {
        if quotable(sources, span) {
            let l = if primary {
                Label::primary(span.file, span.range())
            } else {
                Label::secondary(span.file, span.range())
            };
            labels.push(l.with_message(msg));
        } else {
            let file = sources.get(span.file);
            let pos = file.line_col(span.start as usize);
            notes.push(format!(
                "{}:{}:{}: {msg} (line too long to quote)",
                file.display, pos.line, pos.column
            ));
        }
    };
    add(f.primary, &f.label, true);
    for l in &f.secondary {
        add(l.span, &l.message, false);
    }
    notes.extend(f.notes.iter().cloned());
    if let Some(help) = &f.help {
        notes.push(format!("help: {help}"));
    }
    notes.push(format!(
        "rule: {} (see `acrlint explain {}`)",
        f.rule.name, f.rule.code
    ));
    Diagnostic::new(severity(f.severity))
        .with_code(f.rule.code)
        .with_message(&f.message)
        .with_labels(labels)
        .with_notes(notes)
}

/// Write every finding and a summary line.
pub fn write(a: &Analysis, color: bool, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mut styled: Box<dyn termcolor::WriteColor + '_> = if color {
        Box::new(termcolor::Ansi::new(&mut *out))
    } else {
        Box::new(termcolor::NoColor::new(&mut *out))
    };
    let config = term::Config::default();
    for f in &a.findings {
        let d = diagnostic(f, &a.sources);
        match term::emit_to_write_style(&mut styled, &config, &a.sources, &d) {
            Ok(()) => {}
            Err(codespan_reporting::files::Error::Io(e)) => return Err(e),
            // A span outside its file cannot happen by construction; write what we can if it does.
            Err(_) => writeln!(
                styled,
                "{}[{}]: {}",
                f.severity.as_str(),
                f.rule.code,
                f.message
            )?,
        }
    }
    drop(styled);
    out.write_all(summary(a).as_bytes())
}

/// `3 findings (1 error, 2 warnings) in 12 files`, and what ignore files hid:
/// `no findings in 12 files (3 hidden by ignore files; -v lists them)`.
pub fn summary(a: &Analysis) -> String {
    let count = |s: Severity| a.findings.iter().filter(|f| f.severity == s).count();
    let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
    let hidden = if a.files_hidden > 0 {
        format!(
            " ({} hidden by ignore files; -v lists them)",
            a.files_hidden
        )
    } else {
        String::new()
    };
    if a.findings.is_empty() {
        return format!(
            "no findings in {}{hidden}\n",
            plural(a.files_scanned, "file")
        );
    }
    let parts: Vec<String> = [
        (Severity::Error, "error"),
        (Severity::Warning, "warning"),
        (Severity::Note, "note"),
    ]
    .iter()
    .filter(|(s, _)| count(*s) > 0)
    .map(|(s, w)| plural(count(*s), w))
    .collect();
    format!(
        "{} ({}) in {}{hidden}\n",
        plural(a.findings.len(), "finding"),
        parts.join(", "),
        plural(a.files_scanned, "file")
    )
}
