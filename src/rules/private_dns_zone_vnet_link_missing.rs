//! NET003 private-dns-zone-vnet-link-missing: the registry's private DNS zone is not
//! linked to the network that must resolve it.

use super::{Ctx, Rule, RuleMeta, display_name};
use crate::finding::{Finding, Severity};
use crate::model::network::{
    endpoint_subnet, is_registry_zone_name, link_may_be_of, link_vnet, link_zone,
    registry_endpoints, vnet_of_subnet, zone_groups,
};
use std::collections::HashMap;

use crate::model::{Kind, Resource, ResourceId, Target};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "NET003",
        name: "private-dns-zone-vnet-link-missing",
        severity: Severity::Warning,
        summary: "A `privatelink.azurecr.io` private DNS zone has no virtual network link (or none to the endpoint's network).",
        doc: include_str!("../../rules/NET003-private-dns-zone-vnet-link-missing.md"),
        security_severity: "5.0",
        tags: &["security", "network", "private-link"],
    },
    check,
    reads: &[
        Kind::ContainerRegistry,
        Kind::PrivateEndpoint,
        Kind::PrivateDnsZoneGroup,
        Kind::PrivateDnsZone,
        Kind::PrivateDnsZoneVnetLink,
        Kind::Subnet,
    ],
    k8s: &[],
};

const HINT: &str = "Link the zone to the virtual network whose workloads pull from the registry (a virtual network link resource).";

fn check(ctx: &Ctx) -> Vec<Finding> {
    let mut out = Vec::new();
    // Each link's zone, resolved once; the links whose zone is not known may be of any
    // zone they could belong to.
    let mut links_of: HashMap<ResourceId, Vec<&Resource>> = HashMap::new();
    let mut unknown_links: Vec<&Resource> = Vec::new();
    for l in ctx.graph.of_kind(Kind::PrivateDnsZoneVnetLink) {
        match link_zone(ctx.graph, l) {
            Target::Resource(z) => links_of.entry(z.id).or_default().push(l),
            Target::Unknown => unknown_links.push(l),
            Target::None => {}
        }
    }
    // The registry endpoints that register in each zone, resolved once.
    let mut endpoints_of: HashMap<ResourceId, Vec<&Resource>> = HashMap::new();
    for (pe, _) in registry_endpoints(ctx.graph) {
        for g in zone_groups(ctx.graph, pe) {
            for id in g.zone_ids.iter().flatten() {
                if let Target::Resource(z) = ctx.graph.target(Some(id), pe) {
                    let pes = endpoints_of.entry(z.id).or_default();
                    if !pes.iter().any(|p| p.id == pe.id) {
                        pes.push(pe);
                    }
                }
            }
        }
    }
    for zone in ctx.graph.declared(Kind::PrivateDnsZone) {
        let Some(name) = zone.name_str() else {
            continue;
        };
        if !is_registry_zone_name(name) {
            continue;
        }
        let mine: &[&Resource] = links_of.get(&zone.id).map_or(&[], Vec::as_slice);
        if let Some(l) = unknown_links.iter().find(|l| link_may_be_of(l, zone)) {
            ctx.undecided(
                &RULE.meta,
                format!(
                    "the zone of virtual network link `{}` is not known, and it may be {}",
                    l.address,
                    display_name(zone)
                ),
            );
            continue;
        }
        if mine.is_empty() {
            let f = Finding::new(
                &RULE.meta,
                zone.span,
                format!(
                    "private DNS zone {} (`{name}`) has no virtual network link: no network resolves the registry's private address",
                    display_name(zone)
                ),
            )
            .label("no virtual network link for this zone");
            out.push(f.on(zone).help(HINT));
            continue;
        }
        // Where both are known: is the zone linked to the network of each endpoint using it?
        let linked: Vec<Option<&Resource>> = mine
            .iter()
            .map(|l| match ctx.graph.target(link_vnet(l), l) {
                Target::Resource(v) => Some(v),
                _ => None,
            })
            .collect();
        if linked.iter().any(Option::is_none) {
            continue;
        }
        let pes: &[&Resource] = endpoints_of.get(&zone.id).map_or(&[], Vec::as_slice);
        for pe in pes {
            let Some(subnet) = endpoint_subnet(pe) else {
                continue;
            };
            let Some(vnet) = vnet_of_subnet(ctx.graph, subnet, pe) else {
                continue;
            };
            if linked.iter().flatten().any(|v| v.id == vnet.id) {
                continue;
            }
            let link = mine[0];
            let mut f = Finding::new(
                &RULE.meta,
                link_vnet(link).map_or(link.span, |v| v.span),
                format!(
                    "private DNS zone {} is linked only to other networks, not to {} where the registry's private endpoint {} is",
                    display_name(zone),
                    display_name(vnet),
                    display_name(pe)
                ),
            )
            .label("the zone is linked to this network")
            .secondary(subnet.span, "the endpoint is in this subnet")
            .secondary(zone.span, "the zone");
            f = f.note("workloads in the endpoint's network resolve the registry to its public address unless a DNS forwarder in a linked network serves them");
            out.push(f.on(link).help(HINT));
        }
    }
    out
}
