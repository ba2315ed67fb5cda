//! LINT001 parse-error: a file could not be parsed (or read). The scan goes on.

use super::{Rule, RuleMeta, no_check};
use crate::finding::{Finding, Severity};
use crate::source::Span;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "LINT001",
        name: "parse-error",
        severity: Severity::Error,
        summary: "A file could not be read or parsed; its resources were not checked.",
        doc: include_str!("../../rules/LINT001-parse-error.md"),
        security_severity: "0.0",
        tags: &["correctness"],
    },
    check: no_check,
    reads: &[],
    k8s: &[],
};

/// A LINT001 finding at `span` (the parser's position).
pub fn finding(span: Span, message: impl Into<String>) -> Finding {
    Finding::new(&RULE.meta, span, message).label("here")
}
