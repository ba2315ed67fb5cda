//! Typed views of the private-link chain: private endpoints, DNS zone groups, private DNS
//! zones and their virtual network links, in every format.

use super::{Format, Graph, Key, Kind, Resource, Target, Value, ValueKind};

/// The zone names a registry's private endpoint must register in (public and sovereign clouds).
pub const REGISTRY_ZONES: &[&str] = &[
    "privatelink.azurecr.io",
    "privatelink.azurecr.cn",
    "privatelink.azurecr.us",
];

pub fn is_registry_zone_name(name: &str) -> bool {
    REGISTRY_ZONES.iter().any(|z| z.eq_ignore_ascii_case(name))
}

/// One connection of a private endpoint to a target resource.
pub struct Connection<'a> {
    /// The target resource id (a reference, a literal id, or unknown).
    pub target: Option<&'a Value>,
    /// The subresource names / group ids; `None` when not statically known.
    pub groups: Option<Vec<String>>,
    /// The connection as written (for labels): its subresource list when present.
    pub at: &'a Value,
}

impl Connection<'_> {
    /// True when the groups are known and include `registry`.
    pub fn is_registry(&self) -> Option<bool> {
        self.groups
            .as_ref()
            .map(|g| g.iter().any(|x| x.eq_ignore_ascii_case("registry")))
    }
}

fn strings(v: Option<&Value>) -> Option<Vec<String>> {
    let v = v?;
    let list = v.as_list()?;
    list.iter()
        .map(|x| x.as_str().map(str::to_string))
        .collect()
}

/// The connections a private endpoint declares (automatic and manual).
pub fn connections(pe: &Resource) -> Vec<Connection<'_>> {
    let mut out = Vec::new();
    if pe.format == Format::Terraform {
        if let Some(block) = pe.body.get("private_service_connection") {
            for c in block.items() {
                out.push(Connection {
                    target: c.get("private_connection_resource_id"),
                    groups: strings(c.get("subresource_names")),
                    at: c.get("subresource_names").unwrap_or(c),
                });
            }
        }
    } else {
        for key in [
            "privateLinkServiceConnections",
            "manualPrivateLinkServiceConnections",
        ] {
            if let Some(list) = pe.body.path(&["properties", key]) {
                for c in list.items() {
                    let groups = c.path(&["properties", "groupIds"]);
                    out.push(Connection {
                        target: c.path(&["properties", "privateLinkServiceId"]),
                        groups: strings(groups),
                        at: groups.unwrap_or(c),
                    });
                }
            }
        }
    }
    out
}

/// True when the endpoint's connections are not statically known (a `dynamic` block,
/// an unresolved list).
pub fn connections_unknown(pe: &Resource) -> bool {
    let v = if pe.format == Format::Terraform {
        pe.body.get("private_service_connection")
    } else {
        pe.body
            .path(&["properties", "privateLinkServiceConnections"])
    };
    v.is_some_and(|v| v.is_unknown())
}

/// A DNS zone group of an endpoint: the zone ids it registers in.
pub struct ZoneGroup<'a> {
    pub zone_ids: Option<Vec<&'a Value>>,
    pub at: &'a Value,
}

/// The DNS zone groups of an endpoint: inline (Terraform `private_dns_zone_group`) or
/// declared as child resources (`privateEndpoints/privateDnsZoneGroups`).
pub fn zone_groups<'a>(graph: &'a Graph, pe: &'a Resource) -> Vec<ZoneGroup<'a>> {
    let mut out = Vec::new();
    if pe.format == Format::Terraform {
        if let Some(block) = pe.body.get("private_dns_zone_group") {
            for g in block.items() {
                let ids = g
                    .get("private_dns_zone_ids")
                    .and_then(Value::as_list)
                    .map(|l| l.iter().collect());
                out.push(ZoneGroup {
                    zone_ids: ids,
                    at: g,
                });
            }
        }
        return out;
    }
    let Some(pe_name) = pe.name_str() else {
        return out;
    };
    for g in graph.children(Kind::PrivateDnsZoneGroup, pe_name) {
        // A child is declared in its parent's deployment (the same name may recur in
        // other projects of the scan).
        if g.entry_file() != pe.entry_file() {
            continue;
        }
        let ids = g
            .body
            .path(&["properties", "privateDnsZoneConfigs"])
            .and_then(Value::as_list)
            .map(|l| {
                l.iter()
                    .filter_map(|c| c.path(&["properties", "privateDnsZoneId"]))
                    .collect()
            });
        out.push(ZoneGroup {
            zone_ids: ids,
            at: &g.body,
        });
    }
    out
}

/// True when some zone group child resource's parent endpoint is not known by name, so
/// it could belong to any endpoint.
pub fn orphan_zone_groups(graph: &Graph) -> bool {
    graph
        .of_kind(Kind::PrivateDnsZoneGroup)
        .any(|g| g.name_str().is_none())
}

/// The subnet an endpoint is placed in.
pub fn endpoint_subnet(pe: &Resource) -> Option<&Value> {
    if pe.format == Format::Terraform {
        pe.body.get("subnet_id")
    } else {
        pe.body.path(&["properties", "subnet", "id"])
    }
}

/// The virtual network a subnet reference lies in, when it can be told.
pub fn vnet_of_subnet<'a>(
    graph: &'a Graph,
    subnet: &Value,
    near: &Resource,
) -> Option<&'a Resource> {
    match graph.target(Some(subnet), near) {
        Target::Resource(s) if s.kind == Kind::Subnet => {
            if s.format == Format::Terraform {
                let vnet_name = s.body.get("virtual_network_name")?.as_str()?;
                graph.named_near(Kind::VirtualNetwork, vnet_name, near)
            } else {
                let n = s.name_str()?;
                graph.named_near(Kind::VirtualNetwork, n.split('/').next()?, near)
            }
        }
        _ => {
            // `.../virtualNetworks/<vnet>/subnets/<subnet>` as a literal, or a reference
            // by type and name (`resourceId('Microsoft.Network/virtualNetworks/subnets',
            // vnet, subnet)`).
            let text = match &subnet.kind {
                ValueKind::String(s) => s.as_str(),
                ValueKind::Ref(r) => {
                    let name = vnet_in_type_name(&r.target)?;
                    return graph.named_near(Kind::VirtualNetwork, name, near);
                }
                _ => return None,
            };
            let lower = text.to_ascii_lowercase();
            let at = match lower.find("virtualnetworks/subnets/") {
                Some(i) => i + "virtualnetworks/subnets/".len(),
                None => lower.find("virtualnetworks/")? + "virtualnetworks/".len(),
            };
            let name = text[at..].split('/').next()?;
            graph.named_near(Kind::VirtualNetwork, name, near)
        }
    }
}

/// The virtual network a key by type and name names: the name that pairs with the type's
/// `virtualNetworks` segment (`microsoft.network/virtualnetworks/subnets`, `vnet/snet`).
fn vnet_in_type_name(key: &Key) -> Option<&str> {
    let t = key.as_type_name()?;
    let at = t
        .arm_type()
        .split('/')
        .skip(1)
        .position(|t| t == "virtualnetworks")?;
    t.name().split('/').nth(at)
}

/// What zone a virtual network link belongs to: a zone of the scan, none of them (a zone
/// id or name that the scan does not declare), or not known.
pub fn link_zone<'a>(graph: &'a Graph, link: &'a Resource) -> Target<'a> {
    let by_name = |name: &str| {
        graph
            .named_near(Kind::PrivateDnsZone, name, link)
            .map_or(Target::None, Target::Resource)
    };
    if link.format == Format::Terraform {
        if let Some(id) = link.body.get("private_dns_zone_id") {
            return graph.reach(Some(id), link);
        }
        return match link.body.get("private_dns_zone_name") {
            Some(v) => match v.as_str() {
                Some(name) => by_name(name),
                // `azurerm_private_dns_zone.x.name`: that zone, whatever its name.
                None if v.as_ref().is_some() => graph.reach(Some(v), link),
                None if v.has_unknown() => Target::Unknown,
                None => Target::None,
            },
            None => Target::None,
        };
    }
    match link.name_str().and_then(|n| n.split('/').next()) {
        Some(zone) => by_name(zone),
        // Bicep `parent: zone`: that zone, whatever its name.
        None => match link.body.get("parent") {
            Some(p) if p.as_ref().is_some() => graph.reach(Some(p), link),
            _ => Target::Unknown,
        },
    }
}

/// Whether a link whose zone is not known may belong to `zone`: not when both say which
/// resource group they are in and the groups differ (a link lives in its zone's group).
pub fn link_may_be_of(link: &Resource, zone: &Resource) -> bool {
    fn group(r: &Resource) -> Option<&str> {
        if r.format == Format::Terraform {
            r.body.get("resource_group_name").and_then(Value::as_str)
        } else {
            None
        }
    }
    match (group(link), group(zone)) {
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
        _ => true,
    }
}

/// The virtual network a link points at.
pub fn link_vnet(link: &Resource) -> Option<&Value> {
    if link.format == Format::Terraform {
        link.body.get("virtual_network_id")
    } else {
        link.body.path(&["properties", "virtualNetwork", "id"])
    }
}

/// Every private endpoint that connects to a registry of the graph with the `registry`
/// subresource, with that registry.
pub fn registry_endpoints(graph: &Graph) -> Vec<(&Resource, &Resource)> {
    let mut out = Vec::new();
    for pe in graph.declared(Kind::PrivateEndpoint) {
        for c in connections(pe) {
            if c.is_registry() != Some(true) {
                continue;
            }
            if let Target::Resource(t) = graph.target(c.target, pe)
                && t.kind == Kind::ContainerRegistry
            {
                out.push((pe, t));
                break;
            }
        }
    }
    out
}
