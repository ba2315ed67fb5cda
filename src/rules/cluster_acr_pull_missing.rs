//! AKS002 cluster-acr-pull-missing: the cluster's kubelet identity may not pull from any
//! registry in the graph.

use super::{Ctx, Rule, RuleMeta, display_name, registries, unit};
use crate::finding::{Finding, Severity};
use crate::model::Kind;
use crate::model::access::{Principal, principal, principal_of, role_name, scope_covers};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "AKS002",
        name: "cluster-acr-pull-missing",
        severity: Severity::Warning,
        summary: "An AKS cluster and registries in the same deployment, but no AcrPull role assignment lets the cluster's kubelet identity pull from any of them.",
        doc: include_str!("../../rules/AKS002-cluster-acr-pull-missing.md"),
        security_severity: "4.0",
        tags: &["security", "identity", "kubernetes"],
    },
    check,
    reads: &[
        Kind::KubernetesCluster,
        Kind::RoleAssignment,
        Kind::ContainerRegistry,
    ],
    k8s: &[],
};

const HINT: &str = "Assign the `AcrPull` role on the registry to the cluster's kubelet identity (not the admin user or an image pull secret).";

fn check(ctx: &Ctx) -> Vec<Finding> {
    let mut out = Vec::new();
    let all_regs: Vec<_> = registries(ctx).map(|r| r.resource).collect();
    let assignments: Vec<_> = ctx.graph.of_kind(Kind::RoleAssignment).collect();
    for c in &ctx.graph.resources {
        if c.kind != Kind::KubernetesCluster || c.existing {
            continue;
        }
        // Registries of the same deployment as the cluster.
        let regs: Vec<_> = all_regs
            .iter()
            .copied()
            .filter(|r| unit(ctx, r) == unit(ctx, c))
            .collect();
        if regs.is_empty() {
            continue;
        }
        let mut undecided = false;
        let mut granted = false;
        for ra in &assignments {
            let role = role_name(ra);
            if matches!(role, Some((name, _)) if name != "AcrPull" && !name.is_empty()) {
                continue;
            }
            let who = principal_of(ctx.graph, principal(ra), ra);
            let pulls = matches!(role, Some(("AcrPull", _)));
            match who {
                Principal::KubeletOf(j) if j == c.id => {
                    let covers: Vec<Option<bool>> = regs
                        .iter()
                        .map(|r| scope_covers(ctx.graph, crate::model::access::scope(ra), r))
                        .collect();
                    if covers.contains(&Some(true)) && pulls {
                        granted = true;
                    } else if role.is_none() || covers.iter().all(Option::is_none) {
                        undecided = true;
                    }
                }
                Principal::Unknown => undecided |= pulls || role.is_none(),
                _ => {}
            }
        }
        if undecided && !granted {
            ctx.undecided(
                &RULE.meta,
                format!(
                    "a role assignment's principal or scope is not known for cluster `{}`",
                    c.address
                ),
            );
        }
        if granted || undecided {
            continue;
        }
        let mut f = Finding::new(
            &RULE.meta,
            c.span,
            format!(
                "cluster {} cannot pull from the registries of its deployment: no `AcrPull` role assignment is granted to its kubelet identity",
                display_name(c)
            ),
        )
        .label("this cluster's kubelet identity has no AcrPull");
        for ra in &assignments {
            if matches!(role_name(ra), Some(("AcrPull", _)))
                && is_control_plane_identity(c, principal(ra))
            {
                f = f.secondary(
                    principal(ra).map_or(ra.span, |p| p.span),
                    "AcrPull is granted to the cluster's control-plane identity, but nodes pull with the kubelet identity",
                );
            }
        }
        for r in &regs {
            f = f.secondary(r.span, format!("registry {}", display_name(r)));
        }
        out.push(f.on(c).help(HINT));
    }
    out
}

/// True when a principal refers to a user-assigned identity the cluster uses as its
/// control-plane identity (`identity { identity_ids = [...] }`).
fn is_control_plane_identity(c: &crate::model::Resource, p: Option<&crate::model::Value>) -> bool {
    let Some(r) = p.and_then(|p| p.as_ref()) else {
        return false;
    };
    let ids = c
        .body
        .path(&["identity", "identity_ids"])
        .and_then(|v| v.as_list())
        .unwrap_or(&[]);
    ids.iter()
        .any(|id| id.as_ref().is_some_and(|x| x.target == r.target))
}
