//! ACR007 registry-content-trust-disabled: Content trust is off on a registry whose API or provider generation still supports it.

use super::{BoolRule, Ctx, Rule, RuleMeta};
use crate::finding::{Finding, Severity};
use crate::model::Kind;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "ACR007",
        name: "registry-content-trust-disabled",
        severity: Severity::Note,
        summary: "Content trust is off on a registry whose API or provider generation still supports it.",
        doc: include_str!("../../rules/ACR007-registry-content-trust-disabled.md"),
        security_severity: "4.0",
        tags: &["security", "supply-chain"],
    },
    check,
    reads: &[Kind::ContainerRegistry],
    k8s: &[],
};

fn check(ctx: &Ctx) -> Vec<Finding> {
    BoolRule {
        rule: &RULE.meta,
        get: |reg| reg.content_trust_enabled(),
        bad: false,
        premium_only: true,
        what: "does not enforce content trust",
        by_default: "content trust is off by default",
        fix: None,
        hint: "Enable the trust policy, or sign images with Notation and verify them at admission.",
        why: "",
    }
    .run(ctx)
}
