//! ACR005 registry-export-enabled: The registry's export policy allows artifacts to be exported out of it.

use super::{BoolRule, Ctx, Rule, RuleMeta};
use crate::finding::{Finding, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "ACR005",
        name: "registry-export-enabled",
        severity: Severity::Note,
        summary: "The registry's export policy allows artifacts to be exported out of it.",
        doc: include_str!("../../rules/ACR005-registry-export-enabled.md"),
        security_severity: "5.0",
        tags: &["security", "data-exfiltration"],
    },
    check,
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    BoolRule {
        rule: &RULE.meta,
        get: |reg| Some(reg.export_enabled()),
        bad: true,
        premium_only: true,
        what: "allows artifacts to be exported",
        by_default: "exports are allowed by default",
        fix: None,
        hint: "Disable exports (requires public network access to be disabled and a Premium SKU).",
        why: "an export copies images and artifacts out of the registry, past its private endpoint and network rules",
    }
    .run(ctx, out);
}
