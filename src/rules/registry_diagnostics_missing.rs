//! ACR010 registry-diagnostics-missing: no diagnostic setting sends the registry's logs anywhere.

use super::{Ctx, Rule, RuleMeta, display_name, registries};
use crate::finding::{Finding, Severity};
use crate::model::access::diagnostic_target;
use crate::model::{Kind, Target};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "ACR010",
        name: "registry-diagnostics-missing",
        severity: Severity::Note,
        summary: "No diagnostic setting in the scanned files sends the registry's logs (logins, pushes, pulls) anywhere.",
        doc: include_str!("../../rules/ACR010-registry-diagnostics-missing.md"),
        security_severity: "3.0",
        tags: &["security", "logging"],
    },
    check,
    reads: &[Kind::ContainerRegistry, Kind::DiagnosticSetting],
    k8s: &[],
};

const HINT: &str = "Add a diagnostic setting for the registry that sends its audit logs to a Log Analytics workspace.";

fn check(ctx: &Ctx) -> Vec<Finding> {
    let mut out = Vec::new();
    let settings: Vec<_> = ctx.graph.of_kind(Kind::DiagnosticSetting).collect();
    let targets: Vec<Target> = settings
        .iter()
        .map(|d| diagnostic_target(ctx.graph, d))
        .collect();
    if let Some(i) = targets.iter().position(|t| matches!(t, Target::Unknown)) {
        ctx.undecided(
            &RULE.meta,
            format!(
                "the target of diagnostic setting `{}` is not known",
                settings[i].address
            ),
        );
        return out;
    }
    for reg in registries(ctx) {
        let r = reg.resource;
        let covered = targets
            .iter()
            .any(|t| matches!(t, Target::Resource(x) if x.id == r.id));
        if covered {
            continue;
        }
        let f = Finding::new(
            &RULE.meta,
            r.span,
            format!(
                "registry {} has no diagnostic setting: logins, pushes and pulls are not logged anywhere, so a push or pull with a stolen credential leaves no trace",
                display_name(r)
            ),
        )
        .label("no diagnostic setting targets this registry");
        out.push(f.on(r).help(HINT));
    }
    out
}
