//! ACR003 registry-sku-not-premium: private link, network rules, retention, quarantine
//! and export control need the Premium SKU.

use super::{Ctx, Lit, Rule, RuleMeta, display_name, registries, replace_literal};
use crate::finding::{Finding, Fix, Safety, Severity};
use crate::model::Kind;
use crate::model::registry::Prop;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "ACR003",
        name: "registry-sku-not-premium",
        severity: Severity::Warning,
        summary: "The registry's SKU is not Premium, so it cannot have private endpoints, network rules, retention, quarantine or export control.",
        doc: include_str!("../../rules/ACR003-registry-sku-not-premium.md"),
        security_severity: "6.5",
        tags: &["security", "network"],
    },
    check,
    reads: &[Kind::ContainerRegistry],
    k8s: &[],
};

const HINT: &str =
    "Use the Premium SKU, the only one that supports private endpoints and network rules.";

fn check(ctx: &Ctx) -> Vec<Finding> {
    let mut out = Vec::new();
    for reg in registries(ctx) {
        let sku = reg.sku();
        let Prop::Set { value, at } = sku.prop else {
            continue;
        };
        if value.eq_ignore_ascii_case("premium") {
            continue;
        }
        let r = reg.resource;
        let finding = Finding::new(
            &RULE.meta,
            at.span,
            format!(
                "registry {} uses the {value} SKU: `{}` is {}, which cannot have a private endpoint",
                display_name(r),
                sku.native,
                at.display()
            ),
        )
        .label(format!("`{}` is {}", sku.native, at.display()))
        .origins_of(sku.native, at)
        // Premium costs more: a decision for the user (`--unsafe-fixes`).
        .fix(
            replace_literal(ctx, r, at, Lit::Str("Premium"), HINT).map(|f| Fix {
                safety: Safety::Unsafe,
                ..f
            }),
        );
        out.push(finding.on(r).help(HINT));
    }
    out
}
