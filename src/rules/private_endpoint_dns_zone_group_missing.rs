//! NET002 private-endpoint-dns-zone-group-missing: a registry's private endpoint
//! registers no DNS records.

use super::{Ctx, Rule, RuleMeta, display_name};
use crate::finding::{Finding, Severity};
use crate::model::Kind;
use crate::model::network::{orphan_zone_groups, registry_endpoints, zone_groups};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "NET002",
        name: "private-endpoint-dns-zone-group-missing",
        severity: Severity::Warning,
        summary: "A registry's private endpoint has no DNS zone group, so the registry's name does not resolve to it.",
        doc: include_str!("../../rules/NET002-private-endpoint-dns-zone-group-missing.md"),
        security_severity: "5.0",
        tags: &["security", "network", "private-link"],
    },
    check,
    reads: &[
        Kind::ContainerRegistry,
        Kind::PrivateEndpoint,
        Kind::PrivateDnsZoneGroup,
    ],
    k8s: &[],
};

const HINT: &str = "Add a DNS zone group to the endpoint that points at the `privatelink.azurecr.io` private DNS zone.";

fn check(ctx: &Ctx) -> Vec<Finding> {
    let mut out = Vec::new();
    if orphan_zone_groups(ctx.graph) {
        return out;
    }
    for (pe, registry) in registry_endpoints(ctx.graph) {
        let groups = zone_groups(ctx.graph, pe);
        if !groups.is_empty() {
            continue;
        }
        if pe
            .body
            .get("private_dns_zone_group")
            .is_some_and(|v| v.is_unknown())
        {
            continue;
        }
        let f = Finding::new(
            &RULE.meta,
            pe.span,
            format!(
                "private endpoint {} of registry {} has no DNS zone group: `{}.azurecr.io` keeps resolving to the public address",
                display_name(pe),
                display_name(registry),
                registry.name_str().unwrap_or("<registry>")
            ),
        )
        .label("no DNS zone group on this endpoint")
        .secondary(registry.span, "the registry it connects to");
        out.push(f.on(pe).help(HINT));
    }
    out
}
