//! ACR002 registry-admin-user-enabled: The registry's admin user is enabled: a shared, long-lived username and password with push and pull rights.

use super::{BoolRule, Ctx, Lit, Rule, RuleMeta};
use crate::finding::{Finding, Severity};
use crate::model::Kind;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "ACR002",
        name: "registry-admin-user-enabled",
        severity: Severity::Error,
        summary: "The registry's admin user is enabled: a shared, long-lived username and password with push and pull rights.",
        doc: include_str!("../../rules/ACR002-registry-admin-user-enabled.md"),
        security_severity: "8.1",
        tags: &["security", "identity"],
    },
    check,
    reads: &[Kind::ContainerRegistry],
    k8s: &[],
};

fn check(ctx: &Ctx) -> Vec<Finding> {
    BoolRule {
        rule: &RULE.meta,
        get: |reg| Some(reg.admin_user_enabled()),
        bad: true,
        premium_only: false,
        what: "enables the admin user",
        by_default: "the admin user is off by default",
        fix: Some((Lit::Bool(false), Lit::Bool(false))),
        hint: "Disable the admin user and pull with Microsoft Entra identities (AcrPull role assignments) instead.",
        why: "",
    }
    .run(ctx)
}
