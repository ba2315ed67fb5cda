//! `--format github`: GitHub Actions workflow commands, one annotation per finding.
//!
//! Every piece of scanned text (file names, messages, resource names) is escaped so it
//! cannot end the command or start another: `%`, CR and LF in the message; also `:` and
//! `,` in properties. Before that, every control character of scanned text is shown
//! visibly ([`crate::sanitize::visible`]), so no escape sequence reaches the log either.

use crate::Analysis;
use crate::finding::Severity;
use crate::sanitize;

/// Escape the message part of a workflow command.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escape a property value (`file=`, `title=`).
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

pub fn write(a: &Analysis, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    for f in &a.findings {
        let file = a.sources.get(f.primary.file);
        let start = file.line_col(f.primary.start as usize);
        let end = file.line_col(f.primary.end as usize);
        let command = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "notice",
        };
        // Our own line breaks between the parts; scanned text inside them made visible.
        let mut message = sanitize::visible(&f.message).into_owned();
        for l in &f.secondary {
            let rf = a.sources.get(l.span.file);
            let pos = rf.line_col(l.span.start as usize);
            message.push_str(&format!(
                "\n{}:{}: {}",
                sanitize::visible(&rf.display),
                pos.line,
                sanitize::visible(&l.message)
            ));
        }
        if let Some(help) = &f.help {
            message.push_str(&format!("\nhelp: {}", sanitize::visible(help)));
        }
        writeln!(
            out,
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            escape_property(&sanitize::visible(&file.display)),
            start.line,
            start.column,
            end.line,
            end.column,
            escape_property(&format!("{} {}", f.rule.code, f.rule.name)),
            escape_data(&message),
        )?;
    }
    Ok(())
}
