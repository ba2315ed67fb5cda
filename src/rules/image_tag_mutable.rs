//! K8S002 image-tag-mutable: an image has no tag or `latest` (or, with `require-digest`, no digest).

use super::K8sRead;
use super::{Ctx, Rule, RuleMeta};
use crate::finding::{Finding, Severity};
use crate::model::Kind;
use crate::model::image::ImageRef;
use crate::model::kubernetes::{containers, excluded};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "K8S002",
        name: "image-tag-mutable",
        severity: Severity::Warning,
        summary: "A container image is referenced without a tag, with `latest`, or (with `require-digest`) without a digest: what runs can change without a change to the manifest.",
        doc: include_str!("../../rules/K8S002-image-tag-mutable.md"),
        security_severity: "5.0",
        tags: &["security", "supply-chain", "kubernetes"],
    },
    check,
    reads: &[Kind::KubernetesObject],
    k8s: &[K8sRead::Container("name"), K8sRead::Container("image")],
};

fn check(ctx: &Ctx) -> Vec<Finding> {
    let mut out = Vec::new();
    let require_digest = ctx.config.k8s.require_digest;
    for c in containers(ctx.graph) {
        if excluded(ctx.config, c.resource) {
            continue;
        }
        let Some(v) = c.image else { continue };
        let Some(raw) = v.as_str() else { continue };
        // Malformed references are K8S001's.
        let Ok(image) = ImageRef::parse(raw) else {
            continue;
        };
        if image.digest.is_some() {
            continue;
        }
        let problem = match image.tag.as_deref() {
            None => "has no tag, so it means `latest`",
            Some("latest") => "uses the `latest` tag",
            Some(_) if require_digest => "is not pinned by digest (`require-digest` is set)",
            Some(_) => continue,
        };
        out.push(
            Finding::new(
                &RULE.meta,
                v.span,
                format!(
                    "`image` of {} in {} {problem}",
                    c.describe(),
                    c.resource.address
                ),
            )
            .label("mutable image reference")
            .help("Pin the image to a version tag and, better, its digest: `registry/repository:1.2.3@sha256:<digest>`.")
            .on(c.resource),
        );
    }
    out
}
