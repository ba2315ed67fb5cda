//! LINT003 module-not-analysed: a registry or git module that is not in the local module
//! cache, so its resources were not checked. Made by the loaders, not by a check.

use super::{Rule, RuleMeta, no_check};
use crate::finding::{Finding, Severity};
use crate::source::Span;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "LINT003",
        name: "module-not-analysed",
        severity: Severity::Note,
        summary: "A registry or git module is not in the local module cache (`terraform init`, `bicep restore`); its resources were not checked.",
        doc: include_str!("../../rules/LINT003-module-not-analysed.md"),
        security_severity: "0.0",
        tags: &["correctness"],
    },
    check: no_check,
    reads: &[],
    k8s: &[],
};

/// A LINT003 finding at the module's source.
pub fn finding(span: Span, message: impl Into<String>) -> Finding {
    Finding::new(&RULE.meta, span, message)
        .label("not analysed")
        .help("acrlint never downloads modules: run `terraform init -backend=false` or `bicep restore` before the scan so that the module cache holds them.")
}
