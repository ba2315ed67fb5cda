//! K8S003 image-pull-secret-used: pods pull with registry credentials instead of the cluster's managed identity.

use super::K8sRead;
use super::{Ctx, Rule, RuleMeta};
use crate::finding::{Finding, Severity};
use crate::model::kubernetes::{excluded, kind_of, pod_spec};
use crate::model::{Kind, Value};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "K8S003",
        name: "image-pull-secret-used",
        severity: Severity::Warning,
        summary: "A pod pulls images with `imagePullSecrets` (registry credentials in a Secret) instead of the cluster's managed identity.",
        doc: include_str!("../../rules/K8S003-image-pull-secret-used.md"),
        security_severity: "5.5",
        tags: &["security", "identity", "kubernetes"],
    },
    check,
    reads: &[Kind::KubernetesObject],
    k8s: &[
        K8sRead::PodSpec("imagePullSecrets"),
        K8sRead::Kind("ServiceAccount"),
    ],
};

fn check(ctx: &Ctx) -> Vec<Finding> {
    let mut out = Vec::new();
    for r in ctx.graph.of_kind(Kind::KubernetesObject) {
        if excluded(ctx.config, r) {
            continue;
        }
        // A ServiceAccount's pull secrets are added to every pod that runs as it.
        let Some((spec, path)) = pod_spec(r)
            .or_else(|| (kind_of(r) == "ServiceAccount").then_some((&r.body, "ServiceAccount")))
        else {
            continue;
        };
        let Some(secrets) = spec.get("imagePullSecrets") else {
            continue;
        };
        let names: Vec<String> = secrets
            .items()
            .iter()
            .filter_map(|s| s.get("name").and_then(Value::as_str))
            .map(|n| format!("`{n}`"))
            .collect();
        if secrets.items().is_empty() {
            continue;
        }
        out.push(
            Finding::new(
                &RULE.meta,
                secrets.span,
                format!(
                    "{} pulls images with `{}` ({}) instead of the cluster's managed identity",
                    r.address,
                    if path == "ServiceAccount" {
                        "imagePullSecrets".to_string()
                    } else {
                        format!("{path}.imagePullSecrets")
                    },
                    if names.is_empty() { "a secret".to_string() } else { names.join(", ") }
                ),
            )
            .label("registry credentials")
            .help("Remove `imagePullSecrets` and grant the AKS kubelet identity `AcrPull` on the registry (`az aks update --attach-acr`).")
            .on(r),
        );
    }
    out
}
