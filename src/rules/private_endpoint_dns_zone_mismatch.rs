//! NET004 private-endpoint-dns-zone-mismatch: a registry endpoint registers in a zone
//! other than `privatelink.azurecr.io`.

use super::{Ctx, Rule, RuleMeta, display_name};
use crate::finding::{Finding, Severity};
use crate::model::network::{is_registry_zone_name, registry_endpoints, zone_groups};
use crate::model::{Kind, Target};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "NET004",
        name: "private-endpoint-dns-zone-mismatch",
        severity: Severity::Warning,
        summary: "The DNS zone group of a registry's private endpoint points at a zone that is not `privatelink.azurecr.io`.",
        doc: include_str!("../../rules/NET004-private-endpoint-dns-zone-mismatch.md"),
        security_severity: "5.0",
        tags: &["security", "network", "private-link"],
    },
    check,
    reads: &[
        Kind::ContainerRegistry,
        Kind::PrivateEndpoint,
        Kind::PrivateDnsZoneGroup,
        Kind::PrivateDnsZone,
    ],
    k8s: &[],
};

const HINT: &str = "Point the zone group at the `privatelink.azurecr.io` private DNS zone.";

fn check(ctx: &Ctx) -> Vec<Finding> {
    let mut out = Vec::new();
    for (pe, registry) in registry_endpoints(ctx.graph) {
        for g in zone_groups(ctx.graph, pe) {
            for id in g.zone_ids.iter().flatten() {
                let Target::Resource(zone) = ctx.graph.target(Some(id), pe) else {
                    continue;
                };
                if zone.kind != Kind::PrivateDnsZone {
                    continue;
                }
                let Some(name) = zone.name_str() else {
                    continue;
                };
                if is_registry_zone_name(name) {
                    continue;
                }
                let f = Finding::new(
                    &RULE.meta,
                    id.span,
                    format!(
                        "private endpoint {} of registry {} registers in zone `{name}`, not `privatelink.azurecr.io`: the registry's name will not resolve to the endpoint",
                        display_name(pe),
                        display_name(registry)
                    ),
                )
                .label(format!("this zone is `{name}`"))
                .secondary(zone.span, "the zone")
                .origins_of("name", zone.name.as_ref().unwrap_or(id));
                out.push(f.on(pe).help(HINT));
            }
        }
    }
    out
}
