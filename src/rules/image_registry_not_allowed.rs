//! K8S001 image-registry-not-allowed: a container image's registry is not on the effective allowlist.

use rayon::prelude::*;

use super::K8sRead;
use super::{Ctx, Rule, RuleMeta, registries};
use crate::finding::{Finding, Severity};
use crate::model::Kind;
use crate::model::image::{ImageRef, entry_admits};
use crate::model::kubernetes::{Container, containers, excluded};
use crate::model::policy::{Policy, policies, unknown_assignments, unreadable_k8s_policies};
use crate::source::Span;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        code: "K8S001",
        name: "image-registry-not-allowed",
        severity: Severity::Error,
        summary: "A container image comes from a registry that the allowlist (acrlint.toml, the admission policies in the scan, or the declared registries) does not admit.",
        doc: include_str!("../../rules/K8S001-image-registry-not-allowed.md"),
        security_severity: "7.5",
        tags: &["security", "supply-chain", "kubernetes"],
    },
    check,
    reads: &[
        Kind::KubernetesObject,
        Kind::PolicyAssignment,
        Kind::PolicyDefinition,
        Kind::PolicySetDefinition,
        Kind::ContainerRegistry,
    ],
    k8s: &[
        K8sRead::Container("name"),
        K8sRead::Container("image"),
        K8sRead::Api("kyverno.io/"),
        K8sRead::Api("policies.kyverno.io/"),
        K8sRead::Api("constraints.gatekeeper.sh/"),
        K8sRead::Kind("ValidatingAdmissionPolicy"),
    ],
};

const HELP: &str = "Import the image into your Azure Container Registry (`az acr import`) and reference it there, or allow its registry explicitly.";

/// What denied an image.
struct Denial {
    what: String,
    at: Option<Span>,
    /// Admitted, but only as a lookalike: why.
    lookalike: Option<String>,
}

fn config_admits(ctx: &Ctx, regexes: &[regex::Regex], raw: &str, image: &ImageRef) -> bool {
    let k = &ctx.config.k8s;
    k.allowed_registries.iter().any(|e| entry_admits(e, image))
        || regexes.iter().any(|re| re.is_match(raw))
}

fn check(ctx: &Ctx) -> Vec<Finding> {
    let mut out = Vec::new();
    let policies = policies(ctx.graph);
    // Policies acrlint cannot read may decide: then the default allowlist does not.
    let unreadable: Vec<String> = unknown_assignments(ctx.graph)
        .into_iter()
        .chain(unreadable_k8s_policies(ctx.graph))
        .map(|r| format!("`{}`", r.address))
        .collect();
    let unknown_policy = !unreadable.is_empty();
    if unknown_policy {
        ctx.undecided(
            &RULE.meta,
            format_args!(
                "image policies that cannot be read statically may decide ({}); the default allowlist is not applied",
                unreadable.join(", ")
            ),
        );
    }
    let declared = Declared::of(ctx);
    let k = &ctx.config.k8s;
    let config_active = !k.allowed_registries.is_empty() || !k.allowed_images_regex.is_empty();
    // Anchored at both ends (validated when the config was loaded).
    let regexes: Vec<regex::Regex> = k
        .allowed_images_regex
        .iter()
        .filter_map(|re| regex::Regex::new(&format!("^(?:{re})$")).ok())
        .collect();
    // Containers are judged independently: in parallel (a scan with many policies and
    // workloads spends its rule time here), merged back in order.
    let judge = |c: &Container| -> Option<Finding> {
        let v = c.image?;
        let raw = v.as_str()?;
        let image = match ImageRef::parse(raw) {
            Ok(i) => i,
            Err(e) => {
                return Some(
                    Finding::new(
                        &RULE.meta,
                        v.span,
                        format!(
                            "`image` of {} in {} is not a valid image reference: {e}",
                            c.describe(),
                            c.resource.address
                        ),
                    )
                    .label("not a valid image reference")
                    .help("Write the image as `registry/repository:tag` or `registry/repository@sha256:<digest>`.")
                    .on(c.resource),
                );
            }
        };
        let ns_excluded = excluded(ctx.config, c.resource);
        let applicable: Vec<&Policy> = policies.iter().filter(|p| p.applies(c)).collect();
        let mut denials = Vec::new();
        let mut notes = Vec::new();
        if config_active && !ns_excluded && !config_admits(ctx, &regexes, raw, &image) {
            let mut allowed: Vec<String> = k
                .allowed_registries
                .iter()
                .map(|e| format!("`{e}`"))
                .collect();
            allowed.extend(
                k.allowed_images_regex
                    .iter()
                    .map(|e| format!("regex `{e}`")),
            );
            denials.push(Denial {
                what: "the `[k8s]` allowlist in acrlint.toml".into(),
                at: None,
                lookalike: None,
            });
            notes.push(format!("acrlint.toml allows: {}", allowed.join(", ")));
        }
        for p in &applicable {
            if !p.admits(c, raw, &image) {
                denials.push(Denial {
                    what: p.what.clone(),
                    at: Some(p.at_for(c)),
                    lookalike: None,
                });
            } else if let Some((why, fix)) = p.lookalike(raw) {
                denials.push(Denial {
                    what: p.what.clone(),
                    at: Some(p.at_for(c)),
                    lookalike: Some(why),
                });
                notes.push(fix);
            }
        }
        // Policies in the scan are the authority, also where they exclude an object; one
        // that cannot be read statically may decide too.
        if !config_active && policies.is_empty() && !unknown_policy && !ns_excluded {
            fallback(&declared, &image, &mut denials, &mut notes);
        }
        let first = denials.first()?;
        Some(report(c, v.span, raw, &image, first, &denials[1..], notes))
    };
    let judged: Vec<Option<Finding>> = containers(ctx.graph).par_iter().map(judge).collect();
    out.extend(judged.into_iter().flatten());
    out
}

/// The registries declared in the scan, once per login server (the same registry may be
/// declared in several formats, e.g. Terraform and Bicep): messages list each host once,
/// with one label.
struct Declared {
    /// Login server (when the name is known) and where the registry is named.
    list: Vec<(Option<String>, Span)>,
    hosts: std::collections::HashSet<String>,
    /// Some registry's name is not known statically.
    unnamed: bool,
}

impl Declared {
    fn of(ctx: &Ctx) -> Declared {
        let mut d = Declared {
            list: Vec::new(),
            hosts: Default::default(),
            unnamed: false,
        };
        for reg in registries(ctx) {
            let r = reg.resource;
            let at = r.name.as_ref().map_or(r.span, |n| n.span);
            let host = reg.login_server();
            d.unnamed |= host.is_none();
            if host.as_ref().is_none_or(|h| d.hosts.insert(h.clone())) {
                d.list.push((host, at));
            }
        }
        d
    }
}

/// Without a configured allowlist or policy: the registries declared in the scan, else any ACR.
fn fallback(
    declared: &Declared,
    image: &ImageRef,
    denials: &mut Vec<Denial>,
    notes: &mut Vec<String>,
) {
    let (hosts, list) = (&declared.hosts, &declared.list);
    let any_acr = entry_admits("*.azurecr.io", image);
    if list.is_empty() {
        if !any_acr {
            denials.push(Denial {
                what: "the default allowlist (any `*.azurecr.io` registry; no acrlint.toml allowlist, admission policy or registry declaration was found)".into(),
                at: None,
                lookalike: None,
            });
            notes.push("set `[k8s] allowed-registries` in acrlint.toml to state which registries are allowed".into());
        }
        return;
    }
    // A registry whose name is not known could be the image's registry.
    if any_acr && declared.unnamed {
        return;
    }
    // Login servers are exact hosts.
    if hosts.contains(&image.domain.to_ascii_lowercase()) {
        return;
    }
    // Name a few in the message and label them; a monorepo may declare hundreds.
    const SHOWN: usize = 5;
    let mut shown: Vec<String> = list
        .iter()
        .filter_map(|(h, _)| h.as_ref().map(|h| format!("`{h}`")))
        .take(SHOWN)
        .collect();
    if hosts.len() > SHOWN {
        shown.push(format!("and {} more", hosts.len() - SHOWN));
    }
    for (i, (_, at)) in list.iter().take(SHOWN).enumerate() {
        denials.push(Denial {
            what: if i == 0 {
                format!(
                    "the registries declared in this scan ({})",
                    shown.join(", ")
                )
            } else {
                "a registry declared in this scan".into()
            },
            at: Some(*at),
            lookalike: None,
        });
    }
}

fn report(
    c: &Container,
    at: Span,
    raw: &str,
    image: &ImageRef,
    first: &Denial,
    rest: &[Denial],
    notes: Vec<String>,
) -> Finding {
    let mut f = Finding::new(
        &RULE.meta,
        at,
        match &first.lookalike {
            None => format!(
                "`image` of {} in {} comes from registry `{}`, which is not allowed by {}",
                c.describe(),
                c.resource.address,
                image.domain,
                first.what
            ),
            Some(why) => format!(
                "`image` of {} in {} comes from registry `{}`, which {} admits only because {why}",
                c.describe(),
                c.resource.address,
                image.domain,
                first.what
            ),
        },
    )
    .label(format!("registry `{}`", image.domain))
    .help(HELP)
    .on(c.resource);
    if raw != image.to_string() {
        f = f.note(format!("`{raw}` means `{image}`"));
    }
    for (i, d) in std::iter::once(first).chain(rest).enumerate() {
        if let Some(span) = d.at {
            let label = match &d.lookalike {
                None => format!("decided by {}", d.what),
                Some(_) => format!("{} admits lookalikes", d.what),
            };
            f = f.secondary(span, label);
        } else if i > 0 {
            f = f.note(format!("also not allowed by {}", d.what));
        }
    }
    for n in notes {
        f = f.note(n);
    }
    f
}
