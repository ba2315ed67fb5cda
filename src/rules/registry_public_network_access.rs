//! ACR001 registry-public-network-access: the registry is reachable from the internet.

use super::{
    Ctx, Lit, Rule, RuleMeta, display_name, insert_attribute, registries, replace_literal,
};
use crate::finding::{Finding, Fix, Safety, Severity};
use crate::model::Kind;
use crate::model::registry::{Prop, RegistryView};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "ACR001",
        name: "registry-public-network-access",
        severity: Severity::Error,
        summary: "Public network access is enabled (or left at its default) and no deny-by-default network rule set closes it.",
        doc: include_str!("../../rules/ACR001-registry-public-network-access.md"),
        security_severity: "8.6",
        tags: &["security", "network"],
    },
    check,
    reads: &[Kind::ContainerRegistry],
    k8s: &[],
};

const HINT: &str =
    "Disable public network access and reach the registry through a private endpoint.";

fn check(ctx: &Ctx) -> Vec<Finding> {
    let mut out = Vec::new();
    for reg in registries(ctx) {
        let access = reg.public_network_access();
        let action = reg.network_default_action();
        // A deny-by-default rule set closes public access; an unknown one may. Network
        // rules exist only on the Premium SKU: on Basic or Standard the service ignores
        // them and the public endpoint stays open; with the SKU unknown they may apply.
        let rule_set_allows = match &action.prop {
            Prop::Set { value, .. } => !value.eq_ignore_ascii_case("deny"),
            Prop::Default { .. } => true,
            Prop::Unknown => false,
        };
        let rules_apply = match reg.sku().prop {
            Prop::Set { value, .. } => value.eq_ignore_ascii_case("premium"),
            Prop::Default { .. } | Prop::Unknown => true,
        };
        if !rule_set_allows && rules_apply {
            continue;
        }
        let r = reg.resource;
        let name = display_name(r);
        // Public access can be disabled only on Premium: fix it only where the registry is
        // Premium, or its SKU is a literal that ACR003's fix turns into Premium (and then
        // only together with that fix: an accepted ACR003 keeps this one from applying).
        let (fixable, requires) = match reg.sku().prop {
            Prop::Set { value, .. } if value.eq_ignore_ascii_case("premium") => (true, None),
            Prop::Set { at, .. } => match replace_literal(ctx, r, at, Lit::Str("Premium"), "") {
                Some(sku) => (true, Some(sku.edits)),
                None => (false, None),
            },
            _ => (false, None),
        };
        // Nothing outside a private endpoint or an allowed network can pull afterwards:
        // a fix for `--unsafe-fixes` only.
        let needs_sku = |fix: Option<Fix>| {
            fix.map(|mut f| {
                f.safety = Safety::Unsafe;
                if let Some(edits) = &requires {
                    f.requires = edits.clone();
                    f.description = format!("{HINT} (with the SKU set to Premium, which it needs)");
                }
                f
            })
        };
        let mut finding = match access.prop {
            Prop::Set { value: true, at } => Finding::new(
                &RULE.meta,
                at.span,
                format!(
                    "registry {name} is reachable from the internet: `{}` is {}",
                    access.native,
                    at.display()
                ),
            )
            .label("public network access enabled here")
            .origins_of(access.native, at)
            .fix(needs_sku(fixable.then(|| access_off(ctx, &reg)).flatten())),
            Prop::Default { value: true } => Finding::new(
                &RULE.meta,
                r.span,
                format!(
                    "registry {name} is reachable from the internet: `{}` is not set and defaults to enabled",
                    access.native
                ),
            )
            .label(format!("`{}` is not set here", access.native))
            .fix(needs_sku(fixable.then(|| access_off(ctx, &reg)).flatten())),
            _ => continue,
        };
        if let Prop::Set { at, .. } = action.prop {
            finding = finding
                .secondary(
                    at.span,
                    format!("the network rule set's default action is {}", at.display()),
                )
                .origins_of(action.native, at);
            if !rules_apply {
                finding = finding.note(format!(
                    "network rules apply only to Premium registries; this one is {}, so its rule set does not restrict the public endpoint",
                    reg.sku().prop.value().unwrap_or_default()
                ));
            }
        }
        out.push(finding.on(r).help(HINT));
    }
    out
}

/// The fix that turns public network access off (the literal replaced, or the absent
/// setting written), when it is certain; ACR005's fix needs its edits too.
pub(crate) fn access_off(ctx: &Ctx, reg: &RegistryView) -> Option<Fix> {
    let r = reg.resource;
    let access = reg.public_network_access();
    let off = if r.format.is_azure_resource_manager() {
        Lit::Str("Disabled")
    } else {
        Lit::Bool(false)
    };
    match access.prop {
        Prop::Set { value: true, at } => replace_literal(ctx, r, at, off, HINT),
        Prop::Default { value: true } => insert_attribute(ctx, r, access.native, off, HINT),
        _ => None,
    }
}
