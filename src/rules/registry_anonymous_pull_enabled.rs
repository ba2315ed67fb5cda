//! ACR004 registry-anonymous-pull-enabled: Anonymous (unauthenticated) pull is enabled on the registry.

use super::{BoolRule, Ctx, Lit, Rule, RuleMeta};
use crate::finding::{Finding, Severity};
use crate::model::Kind;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "ACR004",
        name: "registry-anonymous-pull-enabled",
        severity: Severity::Warning,
        summary: "Anonymous (unauthenticated) pull is enabled on the registry.",
        doc: include_str!("../../rules/ACR004-registry-anonymous-pull-enabled.md"),
        security_severity: "7.5",
        tags: &["security", "identity"],
    },
    check,
    reads: &[Kind::ContainerRegistry],
    k8s: &[],
};

fn check(ctx: &Ctx) -> Vec<Finding> {
    BoolRule {
        rule: &RULE.meta,
        get: |reg| Some(reg.anonymous_pull_enabled()),
        bad: true,
        premium_only: false,
        what: "allows anonymous pull",
        by_default: "anonymous pull is off by default",
        fix: Some((Lit::Bool(false), Lit::Bool(false))),
        hint: "Turn anonymous pull off so that every pull is authenticated.",
        why: "",
    }
    .run(ctx)
}
