//! `--format github`: GitHub Actions workflow commands, one annotation per finding.
//!
//! GitHub shows at most [`PER_STEP`] annotations of each kind per step (and [`PER_JOB`] per
//! job) and drops the rest silently, in printed order: findings are printed most severe
//! first, and when some will not be shown a notice printed before them says how many and
//! where the full list is (this step's log, the step summary, the SARIF report).
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

/// Annotations of one kind (error, warning, notice) GitHub shows per step.
pub const PER_STEP: usize = 10;
/// Annotations GitHub shows per job, all steps together.
pub const PER_JOB: usize = 50;

/// How many findings GitHub will not show as annotations of this step (counting the
/// notice that says so, itself a notice).
pub fn hidden(a: &Analysis) -> usize {
    let count = |s: Severity| a.findings.iter().filter(|f| f.severity == s).count();
    let (e, w, n) = (
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Note),
    );
    if e <= PER_STEP && w <= PER_STEP && n <= PER_STEP {
        return 0;
    }
    e.saturating_sub(PER_STEP) + w.saturating_sub(PER_STEP) + n.saturating_sub(PER_STEP - 1)
}

pub fn write(a: &Analysis, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let hidden = hidden(a);
    if hidden > 0 {
        let mut whereto = String::from("this step's log");
        if std::env::var_os("GITHUB_STEP_SUMMARY").is_some() {
            whereto.push_str(" and the step summary");
        }
        writeln!(
            out,
            "::notice title=acrlint::{}",
            escape_data(&format!(
                "{hidden} of {} findings are not shown as annotations (GitHub shows at most {PER_STEP} errors, {PER_STEP} warnings and {PER_STEP} notices per step, {PER_JOB} per job; the most severe are shown first). All findings are in {whereto}; use the SARIF report (`--format sarif`) for code scanning.",
                a.findings.len()
            ))
        )?;
    }
    // Most severe first; in file order within a severity (a stable sort).
    let mut order: Vec<&crate::finding::Finding> = a.findings.iter().collect();
    order.sort_by_key(|f| std::cmp::Reverse(f.severity));
    for f in order {
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
