//! LINT002 suppression-unused: an inline ignore that matched nothing, names an unknown
//! code or gives no reason. Made by [`crate::suppress::apply`], not by a check.

use super::{Rule, RuleMeta, no_check};
use crate::finding::{Finding, Severity};
use crate::source::Span;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "LINT002",
        name: "suppression-unused",
        severity: Severity::Warning,
        summary: "An inline `acrlint:ignore` matched no finding, names an unknown rule code, or gives no reason.",
        doc: include_str!("../../rules/LINT002-suppression-unused.md"),
        security_severity: "0.0",
        tags: &["maintainability"],
    },
    check: no_check,
    reads: &[],
    k8s: &[],
};

/// A LINT002 finding at the directive (or the code it is about).
pub fn finding(span: Span, message: impl Into<String>, label: &str) -> Finding {
    Finding::new(&RULE.meta, span, message)
        .label(label)
        .help("Give every `acrlint:ignore` a rule code and a reason, and keep it next to what it suppresses.")
}
