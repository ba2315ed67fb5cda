//! Typed views of who can reach a registry: AKS clusters, role assignments and
//! diagnostic settings, in every format.

use super::registry::Prop;
use super::{Format, Graph, Key, Kind, Resource, ResourceId, Target, Value, ValueKind};

/// Built-in role definition ids (the last segment of `roleDefinitionId`).
pub const ROLES: &[(&str, &str)] = &[
    ("AcrPull", "7f951dda-4ed3-4680-a7ca-43fe172d538d"),
    ("AcrPush", "8311e382-0749-4cb8-b61a-304f252e45ec"),
    ("AcrDelete", "c2f4ef07-c644-48eb-af81-4b1b4947fb11"),
    ("Owner", "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"),
    ("Contributor", "b24988ac-6180-42a0-ab88-20f7382dd24c"),
];

/// The role a role assignment grants: `Some(name)` for a built-in role acrlint knows,
/// `Some("")` for another known role, `None` when not statically known.
pub fn role_name(ra: &Resource) -> Option<(&'static str, &Value)> {
    let (name, id) = if ra.format == Format::Terraform {
        (
            ra.body.get("role_definition_name"),
            ra.body.get("role_definition_id"),
        )
    } else {
        (None, ra.body.path(&["properties", "roleDefinitionId"]))
    };
    if let Some(v) = name {
        let n = v.as_str()?;
        let known = ROLES.iter().find(|(r, _)| r.eq_ignore_ascii_case(n));
        return Some((known.map_or("", |(r, _)| r), v));
    }
    let v = id?;
    let text = match &v.kind {
        ValueKind::String(s) => s.as_str().to_ascii_lowercase(),
        // `subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '<guid>')`
        ValueKind::Ref(r) => match &r.target {
            Key::TypeName(t) => t.name().to_string(),
            // A role definition declared in the scan: not a built-in.
            _ => String::new(),
        },
        _ => return None,
    };
    let known = ROLES.iter().find(|(_, guid)| text.ends_with(guid));
    Some((known.map_or("", |(r, _)| r), v))
}

/// The principal a role assignment grants to.
pub fn principal(ra: &Resource) -> Option<&Value> {
    if ra.format == Format::Terraform {
        ra.body.get("principal_id")
    } else {
        ra.body.path(&["properties", "principalId"])
    }
}

/// The scope of a role assignment (Terraform `scope`, ARM `scope` or `properties.scope`).
pub fn scope(ra: &Resource) -> Option<&Value> {
    ra.body
        .get("scope")
        .or_else(|| ra.body.path(&["properties", "scope"]))
}

/// How a principal value relates to a cluster's kubelet identity.
#[derive(Debug, PartialEq, Eq)]
pub enum Principal {
    KubeletOf(ResourceId),
    Other,
    Unknown,
}

/// Whose identity a principal value is: a cluster's kubelet identity (by reference to the
/// cluster's kubelet identity attribute, or to the user-assigned identity the cluster uses
/// as its kubelet identity), something else, or unknown.
pub fn principal_of(graph: &Graph, v: Option<&Value>, near: &Resource) -> Principal {
    let Some(v) = v else { return Principal::Other };
    let ValueKind::Ref(r) = &v.kind else {
        return if v.is_unknown() {
            Principal::Unknown
        } else {
            Principal::Other
        };
    };
    let Some(target) = graph.by_key_near(&r.target, near) else {
        return Principal::Unknown;
    };
    if target.kind == Kind::KubernetesCluster {
        return if r.attr.to_ascii_lowercase().contains("kubelet") {
            Principal::KubeletOf(target.id)
        } else {
            Principal::Other
        };
    }
    // A user-assigned identity that some cluster uses as its kubelet identity.
    for c in graph.of_kind(Kind::KubernetesCluster) {
        if let Some(kid) = kubelet_identity_ref(c)
            && kid.target == r.target
        {
            return Principal::KubeletOf(c.id);
        }
    }
    Principal::Other
}

fn kubelet_identity_ref(c: &Resource) -> Option<&super::Ref> {
    let v = if c.format == Format::Terraform {
        c.body.path(&["kubelet_identity", "object_id"]).or_else(|| {
            c.body
                .path(&["kubelet_identity", "user_assigned_identity_id"])
        })
    } else {
        c.body
            .path(&[
                "properties",
                "identityProfile",
                "kubeletidentity",
                "resourceId",
            ])
            .or_else(|| {
                c.body.path(&[
                    "properties",
                    "identityProfile",
                    "kubeletidentity",
                    "objectId",
                ])
            })
    }?;
    v.as_ref()
}

/// Whether a scope covers a registry: the registry itself (also through an `existing`
/// reference by its name), or its resource group; not known when the scope is not (an
/// `existing` reference whose name is not known may be any registry).
pub fn scope_covers(graph: &Graph, scope: Option<&Value>, registry: &Resource) -> Option<bool> {
    let scope = scope?;
    match graph.reach(Some(scope), registry) {
        Target::Resource(r) => Some(r.id == registry.id || is_group_of(r, registry)),
        Target::Unknown => None,
        Target::None => Some(false),
    }
}

fn is_group_of(group: &Resource, registry: &Resource) -> bool {
    if group.native_type != "azurerm_resource_group" {
        return false;
    }
    let rg = registry.body.get("resource_group_name");
    match (group.name_str(), rg.and_then(Value::as_str)) {
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
        _ => false,
    }
}

/// Whether the Azure Policy add-on is enabled on a cluster.
pub fn policy_addon(c: &Resource) -> (Prop<'_, bool>, &'static str) {
    if c.format == Format::Terraform {
        let v = c.body.get("azure_policy_enabled");
        let prop = match v {
            None => Prop::Default { value: false },
            Some(v) => v
                .as_bool()
                .map_or(Prop::Unknown, |b| Prop::Set { value: b, at: v }),
        };
        return (prop, "azure_policy_enabled");
    }
    let native = "properties.addonProfiles.azurepolicy.enabled";
    let Some(profiles) = c.body.path(&["properties", "addonProfiles"]) else {
        return (Prop::Default { value: false }, native);
    };
    if profiles.is_unknown() {
        return (Prop::Unknown, native);
    }
    let prop = match profiles
        .get("azurepolicy")
        .or_else(|| profiles.get("azurePolicy"))
    {
        None => Prop::Default { value: false },
        Some(p) => match p.get("enabled") {
            None => Prop::Default { value: false },
            Some(v) => v
                .as_bool()
                .map_or(Prop::Unknown, |b| Prop::Set { value: b, at: v }),
        },
    };
    (prop, native)
}

/// The resource a diagnostic setting sends logs of: a resource of the scan (an `existing`
/// one stands for the resource the scan declares by its name), none of them (a target
/// that names a resource the scan does not declare), or not known.
pub fn diagnostic_target<'a>(graph: &'a Graph, d: &'a Resource) -> Target<'a> {
    if d.format == Format::Terraform {
        return graph.reach(d.body.get("target_resource_id"), d);
    }
    // ARM: `scope` (extension resource), or a child name `registry/microsoft.insights/x`.
    if let Some(s) = d.body.get("scope") {
        return graph.reach(Some(s), d);
    }
    // A setting of another resource type (`Microsoft.KeyVault/vaults/providers/...`), or one
    // without a scope (the subscription's), is no registry's.
    if !d
        .native_type
        .to_ascii_lowercase()
        .starts_with("microsoft.containerregistry")
    {
        return Target::None;
    }
    match d.name_str().and_then(|n| n.split('/').next()) {
        Some(n) => graph
            .named_near(Kind::ContainerRegistry, n, d)
            .map_or(Target::None, |r| graph.declared_for(r)),
        None => Target::Unknown,
    }
}
