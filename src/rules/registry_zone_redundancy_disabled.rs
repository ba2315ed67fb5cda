//! ACR009 registry-zone-redundancy-disabled: Zone redundancy is off on a Premium registry.

use super::{BoolRule, Ctx, Rule, RuleMeta};
use crate::finding::{Finding, Severity};
use crate::model::Kind;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "ACR009",
        name: "registry-zone-redundancy-disabled",
        severity: Severity::Note,
        summary: "Zone redundancy is off on a Premium registry.",
        doc: include_str!("../../rules/ACR009-registry-zone-redundancy-disabled.md"),
        security_severity: "2.0",
        tags: &["reliability"],
    },
    check,
    reads: &[Kind::ContainerRegistry],
    k8s: &[],
};

fn check(ctx: &Ctx) -> Vec<Finding> {
    BoolRule {
        rule: &RULE.meta,
        get: |reg| Some(reg.zone_redundancy_enabled()),
        bad: false,
        premium_only: true,
        what: "is not zone redundant",
        by_default: "zone redundancy is off by default",
        fix: None,
        hint: "Enable zone redundancy (Premium) so that a zone outage does not stop image pulls.",
        why: "",
    }
    .run(ctx)
}
