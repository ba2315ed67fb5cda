//! AKS001 cluster-policy-addon-disabled: no admission enforcement on the cluster.

use super::{Ctx, Lit, Rule, RuleMeta, display_name, replace_literal};
use crate::finding::{Finding, Severity};
use crate::model::Kind;
use crate::model::access::policy_addon;
use crate::model::registry::Prop;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "AKS001",
        name: "cluster-policy-addon-disabled",
        severity: Severity::Warning,
        summary: "An AKS cluster without the Azure Policy add-on: nothing enforces allowed images at admission.",
        doc: include_str!("../../rules/AKS001-cluster-policy-addon-disabled.md"),
        security_severity: "6.0",
        tags: &["security", "kubernetes", "admission"],
    },
    check,
    reads: &[Kind::KubernetesCluster],
    k8s: &[],
};

const HINT: &str = "Enable the Azure Policy add-on and assign the built-in \"Kubernetes cluster containers should only use allowed images\".";

fn check(ctx: &Ctx) -> Vec<Finding> {
    let mut out = Vec::new();
    for c in ctx.graph.declared(Kind::KubernetesCluster) {
        let (prop, native) = policy_addon(c);
        let f = match prop {
            Prop::Set { value: false, at } => Finding::new(
                &RULE.meta,
                at.span,
                format!(
                    "cluster {} has the Azure Policy add-on disabled: `{native}` is false, so no policy can keep images from other registries out",
                    display_name(c)
                ),
            )
            .label(format!("`{native}` is false"))
            .origins_of(native, at)
            .fix(replace_literal(ctx, c, at, Lit::Bool(true), HINT)),
            Prop::Default { value: false } => Finding::new(
                &RULE.meta,
                c.span,
                format!(
                    "cluster {} has no Azure Policy add-on: `{native}` is not set, so no policy can keep images from other registries out",
                    display_name(c)
                ),
            )
            .label(format!("`{native}` is not set here")),
            _ => continue,
        };
        out.push(f.on(c).help(HINT));
    }
    out
}
