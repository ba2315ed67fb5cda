//! ACR006 registry-retention-disabled: No retention policy purges untagged manifests (Premium registries).

use super::{BoolRule, Ctx, Rule, RuleMeta};
use crate::finding::{Finding, Severity};
use crate::model::Kind;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "ACR006",
        name: "registry-retention-disabled",
        severity: Severity::Note,
        summary: "No retention policy purges untagged manifests (Premium registries).",
        doc: include_str!("../../rules/ACR006-registry-retention-disabled.md"),
        security_severity: "2.0",
        tags: &["hygiene"],
    },
    check,
    reads: &[Kind::ContainerRegistry],
    k8s: &[],
};

fn check(ctx: &Ctx) -> Vec<Finding> {
    BoolRule {
        rule: &RULE.meta,
        get: |reg| Some(reg.retention_enabled()),
        bad: false,
        premium_only: true,
        what: "keeps untagged manifests forever",
        by_default: "no retention policy applies by default",
        fix: None,
        hint: "Enable a retention policy for untagged manifests (e.g. 7 days).",
        why: "an untagged manifest stays pullable by digest, so an image that was replaced (a vulnerable or tampered build) can still be deployed",
    }
    .run(ctx)
}
