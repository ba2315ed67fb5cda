//! Admission policies found in the scan, read as their admission controllers decide:
//! Azure Policy assignments of the built-in "Kubernetes cluster containers should only use
//! allowed images", Gatekeeper `K8sAllowedRepos`-style constraints and Kyverno image
//! pattern policies.

use regex::Regex;

use super::image::{ImageRef, entry_admits};
use super::kubernetes::{CONTAINER_LISTS, Container, kind_of, namespace};
use crate::eval::values::from_json;
use crate::model::{Format, Graph, Key, Kind, Resource, Value, ValueKind};
use crate::source::Span;

/// The built-in policy definition "Kubernetes cluster containers should only use allowed images".
pub const ALLOWED_IMAGES_POLICY: &str = "febd0533-8e55-448f-b837-bd0e06f16469";

/// How a policy tests an image.
#[derive(Debug)]
pub enum Test {
    /// Azure Policy: an unanchored regular expression search on the image as written, and
    /// the same anchored at the start (to tell a lookalike match inside the reference).
    Regex(Regex, Option<Regex>),
    /// Gatekeeper `repos`: plain string prefixes of the image as written.
    Prefixes(Vec<String>),
    /// Gatekeeper `allowedImages` (`K8sAllowedReposv2`): exact images, or prefixes written
    /// with a trailing `*`, on the image as written.
    Images(Vec<String>),
    /// `allowedRegistries`: registry hosts or host/path prefixes on segment boundaries.
    Registries(Vec<String>),
    /// Kyverno: per container list, `*`/`?` wildcard alternatives (`a/* | b/*`) on the image
    /// as written; one set per pattern (`validate.anyPattern` admits by any of them).
    Wildcards(Vec<Vec<(&'static str, String, Span)>>),
}

/// Where a policy applies.
#[derive(Debug, Default)]
pub struct Scope {
    /// Object kinds it matches (`None`: all). Pods are matched by `Pod`; Kyverno also
    /// matches the controller kinds it generates rules for.
    pub kinds: Option<Vec<String>>,
    pub namespaces: Option<Vec<String>>,
    pub excluded_namespaces: Vec<String>,
    pub excluded_containers: Vec<String>,
}

#[derive(Debug)]
pub struct Policy<'a> {
    /// `Gatekeeper constraint `K8sAllowedRepos/prod-repos``.
    pub what: String,
    pub resource: &'a Resource,
    /// The allowlist as written (secondary label).
    pub at: Span,
    pub test: Test,
    pub scope: Scope,
}

fn strings(v: Option<&Value>) -> Option<Vec<String>> {
    let v = v?;
    if v.has_unknown() {
        return None;
    }
    Some(
        v.items()
            .iter()
            .filter_map(|i| i.as_str().map(str::to_string))
            .collect(),
    )
}

fn glob(pattern: &str, s: &str) -> bool {
    // Images and patterns are nearly always ASCII: matched as bytes, with no copy.
    if pattern.is_ascii() && s.is_ascii() {
        return glob_units(pattern.as_bytes(), s.as_bytes(), b'*', b'?');
    }
    let (p, s): (Vec<char>, Vec<char>) = (pattern.chars().collect(), s.chars().collect());
    glob_units(&p, &s, '*', '?')
}

/// `*`/`?` wildcard match of `s` against `p`, iterative with backtracking on the last `*`.
fn glob_units<T: PartialEq + Copy>(p: &[T], s: &[T], star_unit: T, any_unit: T) -> bool {
    let (mut i, mut j, mut star, mut mark) = (0, 0, None, 0);
    while j < s.len() {
        if i < p.len() && (p[i] == any_unit || p[i] == s[j]) {
            i += 1;
            j += 1;
        } else if i < p.len() && p[i] == star_unit {
            star = Some(i);
            mark = j;
            i += 1;
        } else if let Some(st) = star {
            i = st + 1;
            mark += 1;
            j = mark;
        } else {
            return false;
        }
    }
    p[i..].iter().all(|c| *c == star_unit)
}

impl Policy<'_> {
    /// Whether the policy applies to a container of a workload (through the pods it makes).
    pub fn applies(&self, c: &Container) -> bool {
        let ns = namespace(c.resource);
        let kind = kind_of(c.resource);
        let s = &self.scope;
        let ns_match = |list: &[String]| {
            list.iter().any(|p| match p.strip_suffix('*') {
                Some(prefix) => ns.starts_with(prefix),
                None => p == ns,
            })
        };
        s.kinds
            .as_ref()
            .is_none_or(|k| k.iter().any(|k| k == "*" || k == "Pod" || k == kind))
            && s.namespaces.as_deref().is_none_or(ns_match)
            && !ns_match(&s.excluded_namespaces)
            && !c
                .name
                .is_some_and(|n| s.excluded_containers.iter().any(|e| e == n))
    }

    /// Whether the policy admits `raw` (the image as written; `image` is its parse).
    pub fn admits(&self, c: &Container, raw: &str, image: &ImageRef) -> bool {
        match &self.test {
            Test::Regex(re, _) => re.is_match(raw),
            Test::Prefixes(ps) => ps.iter().any(|p| raw.starts_with(p.as_str())),
            Test::Images(is) => is.iter().any(|i| match i.strip_suffix('*') {
                Some(prefix) => raw.starts_with(prefix),
                None => i == raw,
            }),
            Test::Registries(rs) => rs.iter().any(|r| entry_admits(r, image)),
            Test::Wildcards(any) => any.iter().any(|ws| {
                ws.iter()
                    .filter(|(l, _, _)| *l == c.list)
                    .all(|(_, p, _)| kyverno_admits(p, raw))
            }),
        }
    }

    /// Where the allowlist that decides for this container is written.
    pub fn at_for(&self, c: &Container) -> Span {
        match &self.test {
            Test::Wildcards(any) => any
                .iter()
                .flatten()
                .find(|(l, _, _)| *l == c.list)
                .map_or(self.at, |(_, _, at)| *at),
            _ => self.at,
        }
    }

    /// The plain string prefixes the policy admits by.
    fn prefixes(&self) -> Vec<&str> {
        match &self.test {
            Test::Prefixes(ps) => ps.iter().map(String::as_str).collect(),
            Test::Images(is) => is.iter().filter_map(|i| i.strip_suffix('*')).collect(),
            _ => Vec::new(),
        }
    }

    /// Why the policy admits `raw` only as a lookalike: a prefix that does not end on a
    /// boundary (`myacr.azurecr.io` admitting `myacr.azurecr.io.evil.com/x`), or an
    /// unanchored regex matching inside the reference (`evil.io/myacr.azurecr.io/x`).
    /// Returns (why, how to fix it).
    pub fn lookalike(&self, raw: &str) -> Option<(String, String)> {
        match &self.test {
            Test::Prefixes(_) | Test::Images(_) => self
                .prefixes()
                .into_iter()
                .filter(|p| !p.is_empty() && !p.ends_with('/'))
                .find(|p| {
                    raw.strip_prefix(*p)
                        .and_then(|rest| rest.chars().next())
                        .is_some_and(|c| !matches!(c, '/' | ':' | '@'))
                })
                .map(|p| {
                    (
                        format!("its prefix `{p}` does not end with `/`"),
                        format!("the prefix `{p}` also admits lookalike registries and repositories such as `{raw}`; make it end with a `/`"),
                    )
                }),
            Test::Regex(re, anchored) => {
                let anchored = anchored.as_ref()?;
                (re.is_match(raw) && !anchored.is_match(raw)).then(|| {
                    (
                        "its regex is not anchored with `^` and matches inside the reference".to_string(),
                        format!("the regex `{}` matches anywhere in the image reference, so `{raw}` passes; anchor it: `^{}`", re.as_str(), re.as_str().trim_start_matches('^')),
                    )
                })
            }
            _ => None,
        }
    }
}

fn kyverno_admits(pattern: &str, raw: &str) -> bool {
    pattern
        .split('|')
        .map(str::trim)
        .any(|alt| match alt.strip_prefix('!') {
            Some(neg) => !glob(neg, raw),
            None => glob(alt, raw),
        })
}

/// Every image policy in the graph.
pub fn policies(graph: &Graph) -> Vec<Policy<'_>> {
    let mut out = Vec::new();
    for r in &graph.resources {
        match r.kind {
            Kind::PolicyAssignment => out.extend(azure(Some(graph), r)),
            Kind::KubernetesObject => {
                let api = r
                    .body
                    .get("apiVersion")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                if api.starts_with("constraints.gatekeeper.sh/") {
                    out.extend(gatekeeper(r));
                } else if api.starts_with("kyverno.io/") {
                    kyverno(r, &mut out);
                }
            }
            _ => {}
        }
    }
    out
}

/// What a policy assignment's definition id names, as far as it can be told.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Assigned {
    /// The allowed-images built-in.
    AllowedImages,
    /// Another policy definition (a built-in or a custom one): it never decides on images
    /// as that built-in does.
    OtherDefinition,
    /// An initiative (policy set definition): it may contain the allowed-images built-in.
    Initiative,
    /// Not statically known: it may be either of the above.
    Unknown,
}

/// The definition id of a policy assignment, as written.
fn definition_id(r: &Resource) -> Option<&Value> {
    if r.format == Format::Terraform {
        r.body.get("policy_definition_id")
    } else {
        r.body.path(&["properties", "policyDefinitionId"])
    }
}

/// What a definition id names: a literal id, a `tenantResourceId`/`subscriptionResourceId`/
/// `resourceId` of a definition, or a reference to a definition declared in the scan.
fn assigned(graph: Option<&Graph>, def: &Value, near: &Resource) -> Assigned {
    let parsed;
    let key = match &def.kind {
        ValueKind::String(s) => match crate::model::arm_id_key(s) {
            Some(k) => {
                parsed = k;
                &parsed
            }
            // Not an id: compared as written (the built-in's guid at its end).
            None if s.to_ascii_lowercase().ends_with(ALLOWED_IMAGES_POLICY) => {
                return Assigned::AllowedImages;
            }
            None => return Assigned::OtherDefinition,
        },
        ValueKind::Ref(r) => &r.target,
        _ => return Assigned::Unknown,
    };
    if let Key::TypeName(t) = key {
        let (arm_type, name) = (t.arm_type(), t.name());
        // A definition's children (`.../policyDefinitions/<name>/<type>/<child>`) are no
        // definition: named after it, not the built-in.
        let is_or_under = |ty: &str| {
            arm_type == ty
                || arm_type
                    .strip_prefix(ty)
                    .is_some_and(|r| r.starts_with('/'))
        };
        if is_or_under("microsoft.authorization/policydefinitions") {
            return if arm_type == "microsoft.authorization/policydefinitions"
                && name.eq_ignore_ascii_case(ALLOWED_IMAGES_POLICY)
            {
                Assigned::AllowedImages
            } else {
                Assigned::OtherDefinition
            };
        }
        if is_or_under("microsoft.authorization/policysetdefinitions") {
            return Assigned::Initiative;
        }
    }
    // A reference to a definition declared in the scan (`azurerm_policy_definition.x.id`,
    // Bicep `initiative.id`): its type tells.
    match graph.map(|g| g.target(Some(def), near)) {
        Some(crate::model::Target::Resource(t)) => match t.kind {
            Kind::PolicySetDefinition => Assigned::Initiative,
            Kind::PolicyDefinition if t.existing => looked_up(t),
            // A definition the scan declares is a custom one: not the built-in.
            Kind::PolicyDefinition => Assigned::OtherDefinition,
            _ => Assigned::Unknown,
        },
        _ => Assigned::Unknown,
    }
}

/// The display name of the allowed-images built-in, as a lookup by display name writes it.
const ALLOWED_IMAGES_DISPLAY_NAME: &str =
    "Kubernetes cluster containers should only use allowed images";

/// What a lookup of a definition deployed elsewhere (`data "azurerm_policy_definition"`)
/// finds: by `name` (the built-in's guid) or by `display_name`; not known when neither is.
fn looked_up(lookup: &Resource) -> Assigned {
    let known = |key: &str| lookup.body.get(key).and_then(Value::as_str);
    match (known("name"), known("display_name")) {
        (Some(name), _) if name.eq_ignore_ascii_case(ALLOWED_IMAGES_POLICY) => {
            Assigned::AllowedImages
        }
        (_, Some(shown))
            if shown
                .trim()
                .eq_ignore_ascii_case(ALLOWED_IMAGES_DISPLAY_NAME) =>
        {
            Assigned::AllowedImages
        }
        (Some(_), _) | (_, Some(_)) => Assigned::OtherDefinition,
        (None, None) => Assigned::Unknown,
    }
}

/// Whether an initiative may contain the allowed-images built-in: unless it is declared in
/// the scan with every member known and none of them that built-in.
fn initiative_may_contain(graph: &Graph, def: &Value, near: &Resource) -> bool {
    let set = match graph.target(Some(def), near) {
        crate::model::Target::Resource(t) if t.kind == Kind::PolicySetDefinition => t,
        _ => return true,
    };
    let members: Option<Vec<&Value>> = if set.format == Format::Terraform {
        set.body
            .get("policy_definition_reference")
            .filter(|v| !v.is_unknown())
            .map(|refs| {
                refs.items()
                    .iter()
                    .filter_map(|m| m.get("policy_definition_id"))
                    .collect()
            })
    } else {
        set.body
            .path(&["properties", "policyDefinitions"])
            .and_then(Value::as_list)
            .map(|l| {
                l.iter()
                    .filter_map(|m| m.get("policyDefinitionId"))
                    .collect()
            })
    };
    let Some(members) = members else {
        return true;
    };
    members
        .iter()
        .any(|m| assigned(Some(graph), m, set) != Assigned::OtherDefinition)
}

/// Policy assignments that may be of the allowed-images built-in but cannot be read
/// statically: its parameters unknown, its definition id unknown, or an initiative that may
/// contain it. They may decide, so nothing else does. An assignment of another definition
/// (allowed locations, say) never counts.
pub fn unknown_assignments(graph: &Graph) -> Vec<&Resource> {
    graph
        .of_kind(Kind::PolicyAssignment)
        .filter(|r| azure(Some(graph), r).is_none())
        .filter(|r| {
            let Some(def) = definition_id(r) else {
                return false;
            };
            match assigned(Some(graph), def, r) {
                Assigned::AllowedImages => {
                    let params = if r.format == Format::Terraform {
                        r.body.get("parameters")
                    } else {
                        r.body.path(&["properties", "parameters"])
                    };
                    params.is_some_and(Value::has_unknown)
                }
                Assigned::OtherDefinition => false,
                Assigned::Initiative => initiative_may_contain(graph, def, r),
                Assigned::Unknown => true,
            }
        })
        .collect()
}

/// Kubernetes admission policies about images that acrlint cannot read, so cannot decide
/// as their controller would: Kyverno rules written in CEL, `foreach` or `deny` conditions,
/// Kyverno's and Kubernetes' CEL policy kinds (`ValidatingPolicy`,
/// `ValidatingAdmissionPolicy`), and Gatekeeper image constraints whose parameters are not
/// known. Like an assignment with unknown parameters, they may decide, so the default
/// allowlist does not.
pub fn unreadable_k8s_policies(graph: &Graph) -> Vec<&Resource> {
    graph
        .of_kind(Kind::KubernetesObject)
        .filter(|r| {
            let api = r
                .body
                .get("apiVersion")
                .and_then(Value::as_str)
                .unwrap_or("");
            let kind = kind_of(r);
            if api.starts_with("kyverno.io/") {
                let rules = r.body.path(&["spec", "rules"]).map(Value::items);
                rules.unwrap_or_default().iter().any(|rule| {
                    let Some(validate) = rule.get("validate") else {
                        return false;
                    };
                    ["cel", "foreach", "deny"]
                        .iter()
                        .any(|k| validate.get(k).is_some())
                        && mentions_image(validate)
                })
            } else if api.starts_with("policies.kyverno.io/")
                || (api.starts_with("admissionregistration.k8s.io/")
                    && kind == "ValidatingAdmissionPolicy")
            {
                r.body.get("spec").is_some_and(mentions_image)
            } else if api.starts_with("constraints.gatekeeper.sh/") {
                let k = kind.to_ascii_lowercase();
                (k.contains("repo") || k.contains("image") || k.contains("registr"))
                    && gatekeeper(r).is_none()
            } else {
                false
            }
        })
        .collect()
}

/// Whether a policy's text speaks of container images (a key or a string with `image`).
fn mentions_image(v: &Value) -> bool {
    let has = |s: &str| s.to_ascii_lowercase().contains("image");
    match &v.kind {
        ValueKind::String(s) => has(s),
        ValueKind::List(items) => items.iter().any(mentions_image),
        ValueKind::Object(entries) => entries.iter().any(|(k, v)| has(k) || mentions_image(v)),
        _ => false,
    }
}

/// An Azure Policy assignment of the allowed-images built-in, Terraform or ARM/Bicep shape.
/// With the graph, a definition id that refers to a lookup or a declared definition counts.
pub fn azure<'g>(graph: Option<&Graph>, r: &'g Resource) -> Option<Policy<'g>> {
    let (def, params) = if r.format == Format::Terraform {
        let p = r.body.get("parameters")?;
        let json: serde_json::Value = serde_json::from_str(p.as_str()?).ok()?;
        (definition_id(r)?, from_json(&json, p.span))
    } else {
        (
            definition_id(r)?,
            r.body.path(&["properties", "parameters"])?.clone(),
        )
    };
    if assigned(graph, def, r) != Assigned::AllowedImages {
        return None;
    }
    let param = |name: &str| params.get(name).and_then(|p| p.get("value"));
    let regex_v = param("allowedContainerImagesRegex")?;
    let re = Regex::new(regex_v.as_str()?).ok()?;
    if let Some(effect) = param("effect")
        && effect.as_str()?.eq_ignore_ascii_case("disabled")
    {
        return None;
    }
    let excluded_namespaces = match param("excludedNamespaces") {
        Some(v) => strings(Some(v))?,
        None => crate::config::DEFAULT_EXCLUDED_NAMESPACES
            .map(String::from)
            .to_vec(),
    };
    let excluded_containers = match param("excludedContainers") {
        Some(v) => strings(Some(v))?,
        None => Vec::new(),
    };
    Some(Policy {
        what: format!(
            "Azure Policy assignment `{}` (allowedContainerImagesRegex `{}`)",
            r.address,
            re.as_str()
        ),
        resource: r,
        at: regex_v.span,
        test: {
            let anchored = Regex::new(&format!("^(?:{})", re.as_str())).ok();
            Test::Regex(re, anchored)
        },
        scope: Scope {
            kinds: None,
            namespaces: None,
            excluded_namespaces,
            excluded_containers,
        },
    })
}

fn gatekeeper(r: &Resource) -> Option<Policy<'_>> {
    let params = r.body.path(&["spec", "parameters"])?;
    let (test, at) = if let Some(v) = params.get("repos") {
        (Test::Prefixes(strings(Some(v))?), v.span)
    } else if let Some(v) = params.get("allowedImages") {
        (Test::Images(strings(Some(v))?), v.span)
    } else if let Some(v) = params.get("allowedRegistries") {
        (Test::Registries(strings(Some(v))?), v.span)
    } else {
        return None;
    };
    let m = r.body.path(&["spec", "match"]);
    // The templates read `spec.containers`: only Pods (the pods a controller creates) are
    // checked, whatever other kinds the constraint matches.
    let kinds = m.and_then(|m| m.get("kinds")).map(|ks| {
        ks.items()
            .iter()
            .flat_map(|k| strings(k.get("kinds")).unwrap_or_default())
            .filter(|k| k == "Pod" || k == "*")
            .collect()
    });
    Some(Policy {
        what: format!(
            "Gatekeeper constraint `{}/{}`",
            kind_of(r),
            r.name_str().unwrap_or("(unnamed)")
        ),
        resource: r,
        at,
        test,
        scope: Scope {
            kinds,
            namespaces: m.and_then(|m| strings(m.get("namespaces"))),
            excluded_namespaces: m
                .and_then(|m| strings(m.get("excludedNamespaces")))
                .unwrap_or_default(),
            excluded_containers: Vec::new(),
        },
    })
}

/// `=(initContainers)` and the other Kyverno anchors, without the anchor.
fn unanchor(key: &str) -> &str {
    for a in ["=(", "^(", "+(", "X(", "<("] {
        if let Some(inner) = key.strip_prefix(a).and_then(|k| k.strip_suffix(')')) {
            return inner;
        }
    }
    key
}

fn image_patterns<'v>(v: &'v Value, out: &mut Vec<(&'static str, &'v Value)>) {
    if let crate::model::ValueKind::Object(entries) = &v.kind {
        for (k, child) in entries {
            let key = unanchor(k);
            if let Some(list) = CONTAINER_LISTS.iter().find(|l| **l == key)
                && let Some(img) = child.get("image").filter(|i| i.as_str().is_some())
            {
                out.push((list, img));
            } else {
                image_patterns(child, out);
            }
        }
    }
}

fn resource_filters(v: Option<&Value>) -> Vec<&Value> {
    let Some(v) = v else { return Vec::new() };
    let mut out: Vec<&Value> = v.get("resources").into_iter().collect();
    for group in ["any", "all"] {
        for item in v.get(group).map(Value::items).unwrap_or_default() {
            out.extend(item.get("resources"));
        }
    }
    out
}

fn kyverno<'a>(r: &'a Resource, out: &mut Vec<Policy<'a>>) {
    let policy_ns = (kind_of(r) == "Policy").then(|| namespace(r).to_string());
    let Some(rules) = r.body.path(&["spec", "rules"]).and_then(Value::as_list) else {
        return;
    };
    for rule in rules {
        let patterns: Vec<&Value> = match rule.path(&["validate", "pattern"]) {
            Some(p) => vec![p],
            None => rule
                .path(&["validate", "anyPattern"])
                .map(Value::items)
                .unwrap_or_default(),
        };
        let alternatives: Vec<Vec<(&'static str, &Value)>> = patterns
            .iter()
            .map(|p| {
                let mut found = Vec::new();
                image_patterns(p, &mut found);
                found
            })
            .collect();
        // A pattern without an image constraint admits every image.
        if alternatives.is_empty() || alternatives.iter().any(Vec::is_empty) {
            continue;
        }
        let matches = resource_filters(rule.get("match"));
        let kinds: Option<Vec<String>> = if matches.is_empty() {
            None
        } else {
            Some(
                matches
                    .iter()
                    .flat_map(|m| strings(m.get("kinds")).unwrap_or_default())
                    .map(|k| k.rsplit('/').next().unwrap_or("").to_string())
                    .collect(),
            )
        };
        let mut namespaces: Option<Vec<String>> = matches
            .iter()
            .filter_map(|m| strings(m.get("namespaces")))
            .reduce(|mut a, b| {
                a.extend(b);
                a
            });
        if let Some(ns) = &policy_ns {
            namespaces = Some(vec![ns.clone()]);
        }
        let excluded_namespaces = resource_filters(rule.get("exclude"))
            .iter()
            .flat_map(|m| strings(m.get("namespaces")).unwrap_or_default())
            .collect();
        let action = rule
            .path(&["validate", "failureAction"])
            .or_else(|| r.body.path(&["spec", "validationFailureAction"]))
            .and_then(Value::as_str)
            .unwrap_or("Audit");
        out.push(Policy {
            what: format!(
                "Kyverno {} `{}` rule `{}` ({action})",
                kind_of(r),
                r.name_str().unwrap_or("(unnamed)"),
                rule.get("name")
                    .and_then(Value::as_str)
                    .unwrap_or("(unnamed)")
            ),
            resource: r,
            at: alternatives[0][0].1.span,
            test: Test::Wildcards(
                alternatives
                    .iter()
                    .map(|found| {
                        found
                            .iter()
                            .map(|(l, v)| (*l, v.as_str().unwrap_or_default().to_string(), v.span))
                            .collect()
                    })
                    .collect(),
            ),
            scope: Scope {
                kinds,
                namespaces,
                excluded_namespaces,
                excluded_containers: Vec::new(),
            },
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Format, Resource, ValueKind};
    use crate::source::FileId;

    fn s(x: &str) -> Value {
        Value::string(x, Span::default())
    }
    fn obj(entries: Vec<(&str, Value)>) -> Value {
        Value::new(
            ValueKind::Object(entries.into_iter().map(|(k, v)| (k.into(), v)).collect()),
            Span::default(),
        )
    }

    #[test]
    fn arm_policy_assignment_shape() {
        let body = obj(vec![(
            "properties",
            obj(vec![
                (
                    "policyDefinitionId",
                    s(
                        "/providers/Microsoft.Authorization/policyDefinitions/febd0533-8e55-448f-b837-bd0e06f16469",
                    ),
                ),
                (
                    "parameters",
                    obj(vec![
                        (
                            "allowedContainerImagesRegex",
                            obj(vec![("value", s(r"^contoso\.azurecr\.io/.+$"))]),
                        ),
                        (
                            "excludedNamespaces",
                            obj(vec![(
                                "value",
                                Value::new(ValueKind::List(vec![s("ops")]), Span::default()),
                            )]),
                        ),
                    ]),
                ),
            ]),
        )]);
        let r = Resource {
            id: Default::default(),
            kind: Kind::PolicyAssignment,
            format: Format::Arm,
            native_type: "Microsoft.Authorization/policyAssignments".into(),
            address: "allowedImages".into(),
            keys: vec![],
            span: Span::new(FileId(0), 0..1),
            body,
            name: None,
            instances: None,
            via: vec![],
            existing: false,
        };
        let p = azure(None, &r).expect("policy");
        let Test::Regex(re, _) = &p.test else {
            panic!()
        };
        assert!(re.is_match("contoso.azurecr.io/app:1"));
        assert!(!re.is_match("contoso.azurecr.io.evil.com/app:1"));
        assert_eq!(p.scope.excluded_namespaces, vec!["ops".to_string()]);
    }

    #[test]
    fn kyverno_any_pattern_admits_by_any_alternative() {
        let text = "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {name: p}\nspec:\n  rules:\n  - name: r\n    match: {any: [{resources: {kinds: [Pod]}}]}\n    validate:\n      anyPattern:\n      - spec: {containers: [{image: 'a.io/*'}]}\n      - spec: {containers: [{image: 'b.io/*'}]}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec:\n  containers: [{name: a, image: 'a.io/x:1'}, {name: b, image: 'b.io/x:1'}, {name: c, image: 'c.io/x:1'}]\n";
        let mut rs = Vec::new();
        for d in crate::parse::yaml::parse(text, FileId(0)).unwrap().tree {
            crate::eval::kubernetes::objects(d, &mut rs);
        }
        let g = Graph::new(rs);
        let ps = policies(&g);
        assert_eq!(ps.len(), 1);
        let got: Vec<bool> = crate::model::kubernetes::containers(&g)
            .iter()
            .map(|c| {
                let raw = c.image.and_then(Value::as_str).unwrap();
                ps[0].applies(c) && ps[0].admits(c, raw, &ImageRef::parse(raw).unwrap())
            })
            .collect();
        assert_eq!(got, [true, true, false]);
    }

    #[test]
    fn kyverno_wildcards() {
        assert!(kyverno_admits("eu.foo.io/* | bar.io/*", "bar.io/x:1"));
        assert!(!kyverno_admits("eu.foo.io/* | bar.io/*", "bar.io.evil/x"));
        assert!(kyverno_admits("!*:latest", "a/b:1"));
        assert!(!kyverno_admits("!*:latest", "a/b:latest"));
        assert!(glob("a?c*", "abcdef"));
    }
}
