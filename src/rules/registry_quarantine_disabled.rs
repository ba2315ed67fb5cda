//! ACR008 registry-quarantine-disabled: The quarantine policy is off: pushed images are pullable before they are scanned.

use super::{BoolRule, Ctx, Rule, RuleMeta};
use crate::finding::{Finding, Severity};
use crate::model::Kind;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "ACR008",
        name: "registry-quarantine-disabled",
        severity: Severity::Note,
        summary: "The quarantine policy is off: pushed images are pullable before they are scanned.",
        doc: include_str!("../../rules/ACR008-registry-quarantine-disabled.md"),
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
        get: |reg| Some(reg.quarantine_enabled()),
        bad: false,
        premium_only: true,
        what: "does not quarantine new images",
        by_default: "quarantine is off by default",
        fix: None,
        hint: "Enable the quarantine policy so that images are pullable only after a scan releases them.",
        why: "a pushed image can be pulled at once, before any scan has looked at it",
    }
    .run(ctx)
}
