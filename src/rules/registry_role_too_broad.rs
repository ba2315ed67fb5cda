//! IAM001 registry-role-too-broad: a cluster's kubelet identity holds more than AcrPull
//! on a registry.

use super::{Ctx, Rule, RuleMeta, display_name};
use crate::finding::{Finding, Severity};
use crate::model::access::{Principal, principal, principal_of, role_name, scope};
use crate::model::{Kind, Target};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "IAM001",
        name: "registry-role-too-broad",
        severity: Severity::Error,
        summary: "Owner, Contributor, AcrPush or AcrDelete is granted on a registry to a cluster's kubelet identity, which only needs AcrPull.",
        doc: include_str!("../../rules/IAM001-registry-role-too-broad.md"),
        security_severity: "7.5",
        tags: &["security", "identity"],
    },
    check,
    reads: &[
        Kind::RoleAssignment,
        Kind::KubernetesCluster,
        Kind::ContainerRegistry,
    ],
    k8s: &[],
};

const HINT: &str =
    "Grant the kubelet identity `AcrPull` only; pushing belongs to the build pipeline's identity.";

fn check(ctx: &Ctx) -> Vec<Finding> {
    let mut out = Vec::new();
    for ra in ctx.graph.of_kind(Kind::RoleAssignment) {
        let Some((role, at)) = role_name(ra) else {
            continue;
        };
        if !matches!(role, "Owner" | "Contributor" | "AcrPush" | "AcrDelete") {
            continue;
        }
        let Principal::KubeletOf(ci) = principal_of(ctx.graph, principal(ra), ra) else {
            continue;
        };
        let Target::Resource(reg) = ctx.graph.target(scope(ra), ra) else {
            continue;
        };
        if reg.kind != Kind::ContainerRegistry {
            continue;
        }
        let Some(cluster) = ctx.graph.get(ci) else {
            continue;
        };
        let f = Finding::new(
            &RULE.meta,
            at.span,
            format!(
                "role assignment {} grants `{role}` on registry {} to the kubelet identity of cluster {}: nodes that only pull could push or delete images",
                display_name(ra),
                display_name(reg),
                display_name(cluster)
            ),
        )
        .label(format!("`{role}` granted here"))
        .origins_of("role", at)
        .secondary(cluster.span, "the cluster whose kubelet identity receives it")
        .secondary(reg.span, "the registry");
        out.push(f.on(ra).help(HINT));
    }
    out
}
