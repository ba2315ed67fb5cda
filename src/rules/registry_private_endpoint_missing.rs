//! NET001 registry-private-endpoint-missing: no private endpoint connects to the registry.

use super::{Ctx, Rule, RuleMeta, display_name, registries};
use crate::finding::{Finding, Severity};
use crate::model::network::connections;
use std::collections::HashMap;

use crate::model::{Kind, ResourceId, Target};
use crate::source::Span;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "NET001",
        name: "registry-private-endpoint-missing",
        severity: Severity::Warning,
        summary: "No private endpoint in the scanned graph connects to the registry with the `registry` subresource.",
        doc: include_str!("../../rules/NET001-registry-private-endpoint-missing.md"),
        security_severity: "7.0",
        tags: &["security", "network", "private-link"],
    },
    check,
    reads: &[Kind::ContainerRegistry, Kind::PrivateEndpoint],
    k8s: &[],
};

const HINT: &str = "Add a private endpoint for the registry (subresource `registry`) in the cluster's network, with a DNS zone group in `privatelink.azurecr.io`.";

fn check(ctx: &Ctx) -> Vec<Finding> {
    let mut out = Vec::new();
    let endpoints: Vec<_> = ctx.graph.of_kind(Kind::PrivateEndpoint).collect();
    // An endpoint whose connections or target are not known at all might be any
    // registry's: then no registry is reported. A target that names a resource the scan
    // does not declare (a literal id, a `resourceId(...)` of another registry) is known,
    // and is none of the scan's registries.
    let undecided = endpoints.iter().find(|pe| {
        crate::model::network::connections_unknown(pe)
            || connections(pe).iter().any(|c| {
                c.is_registry() != Some(false)
                    && matches!(ctx.graph.reach(c.target, pe), Target::Unknown)
            })
    });
    if let Some(pe) = undecided {
        ctx.undecided(
            &RULE.meta,
            format!(
                "the target of private endpoint `{}` ({}) is not known, and it may be a registry's",
                pe.address,
                ctx.sources.get(pe.span.file).display
            ),
        );
        return out;
    }
    // Every endpoint connection, resolved once: target -> (has `registry`, other groups).
    // An `existing` reference stands for the registry the scan declares by that name.
    let mut by_target: HashMap<ResourceId, (bool, Vec<Span>)> = HashMap::new();
    for pe in &endpoints {
        for c in connections(pe) {
            if let Target::Resource(t) = ctx.graph.reach(c.target, pe) {
                let entry = by_target.entry(t.id).or_default();
                if c.is_registry() == Some(true) {
                    entry.0 = true;
                } else {
                    entry.1.push(c.at.span);
                }
            }
        }
    }
    for reg in registries(ctx) {
        // A Basic or Standard registry cannot have one: ACR003 says so.
        if !reg.is_known_premium()
            && matches!(reg.sku().prop, crate::model::registry::Prop::Set { .. })
        {
            continue;
        }
        let r = reg.resource;
        let (found, wrong_group) = by_target.get(&r.id).cloned().unwrap_or_default();
        if found {
            continue;
        }
        let mut f = Finding::new(
            &RULE.meta,
            r.span,
            format!(
                "registry {} has no private endpoint: nothing in the scanned files connects to it with subresource `registry`",
                display_name(r)
            ),
        )
        .label("no private endpoint targets this registry");
        for conn in wrong_group {
            f = f.secondary(
                conn,
                "this endpoint targets the registry, but not its `registry` subresource",
            );
        }
        if matches!(
            reg.public_network_access().prop,
            crate::model::registry::Prop::Set { value: false, .. }
        ) {
            f = f.note("public network access is disabled, so without a private endpoint nothing can pull from this registry");
        }
        out.push(f.on(r).help(HINT));
    }
    out
}
