//! Human output: codespan-reporting diagnostics with primary and secondary labels.

use codespan_reporting::diagnostic::{Diagnostic, Label, Severity as CsSeverity};
use codespan_reporting::term::{self, termcolor};

use crate::Analysis;
use crate::finding::{Finding, Severity};

fn severity(s: Severity) -> CsSeverity {
    match s {
        Severity::Error => CsSeverity::Error,
        Severity::Warning => CsSeverity::Warning,
        Severity::Note => CsSeverity::Note,
    }
}

/// The codespan diagnostic of a finding.
pub fn diagnostic(f: &Finding) -> Diagnostic<crate::source::FileId> {
    let mut labels = vec![Label::primary(f.primary.file, f.primary.range()).with_message(&f.label)];
    for l in &f.secondary {
        labels.push(Label::secondary(l.span.file, l.span.range()).with_message(&l.message));
    }
    let mut notes: Vec<String> = f.notes.clone();
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

/// Render every finding and a summary line.
pub fn render(a: &Analysis, color: bool) -> String {
    let mut buf = if color {
        termcolor::Buffer::ansi()
    } else {
        termcolor::Buffer::no_color()
    };
    let config = term::Config::default();
    for f in &a.findings {
        // A span outside its file cannot happen by construction; render what we can if it does.
        if term::emit_to_write_style(&mut buf, &config, &a.sources, &diagnostic(f)).is_err() {
            let _ = std::io::Write::write_all(
                &mut buf,
                format!("{}[{}]: {}\n", f.severity.as_str(), f.rule.code, f.message).as_bytes(),
            );
        }
    }
    let mut out = String::from_utf8_lossy(buf.as_slice()).into_owned();
    out.push_str(&summary(a));
    out
}

/// `3 findings (1 error, 2 warnings) in 12 files`
pub fn summary(a: &Analysis) -> String {
    let count = |s: Severity| a.findings.iter().filter(|f| f.severity == s).count();
    let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
    if a.findings.is_empty() {
        return format!("no findings in {}\n", plural(a.files_scanned, "file"));
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
        "{} ({}) in {}\n",
        plural(a.findings.len(), "finding"),
        parts.join(", "),
        plural(a.files_scanned, "file")
    )
}
