//! ACR005 registry-export-enabled: The registry's export policy allows artifacts to be exported out of it.

use super::registry_public_network_access::access_off;
use super::{BoolRule, Ctx, Lit, Rule, RuleMeta, registries};
use crate::finding::{Finding, Instance, Safety, Severity};
use crate::model::Kind;
use crate::model::registry::Prop;

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
    reads: &[Kind::ContainerRegistry],
    k8s: &[],
};

fn check(ctx: &Ctx) -> Vec<Finding> {
    let mut out = BoolRule {
        rule: &RULE.meta,
        get: |reg| Some(reg.export_enabled()),
        bad: true,
        premium_only: true,
        what: "allows artifacts to be exported",
        by_default: "exports are allowed by default",
        fix: Some((Lit::Bool(false), Lit::Str("disabled"))),
        hint: "Disable exports (requires public network access to be disabled and a Premium SKU).",
        why: "an export copies images and artifacts out of the registry, past its private endpoint and network rules",
    }
    .run(ctx);
    // Azure disables exports only on a registry closed to public access: the fix goes with
    // ACR001's (and so is unsafe too: nothing outside private networks can pull afterwards).
    for f in &mut out {
        let Some(fix) = f.fix.as_mut() else {
            continue;
        };
        fix.safety = Safety::Unsafe;
        let reg = registries(ctx).find(|reg| f.instance == Some(Instance::of(reg.resource)));
        let closed = reg.as_ref().map(|reg| reg.public_network_access().prop);
        match (closed, reg) {
            (Some(Prop::Set { value: false, .. }), _) => {}
            (Some(_), Some(reg)) => match access_off(ctx, &reg) {
                Some(off) => fix.requires = off.edits,
                None => f.fix = None,
            },
            _ => f.fix = None,
        }
    }
    out
}
