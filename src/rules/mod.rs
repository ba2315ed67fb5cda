//! The rule catalog. One file per rule; each exports `RULE` with its metadata and check.

mod cluster_acr_pull_missing;
mod cluster_policy_addon_disabled;
mod image_pull_secret_used;
mod image_registry_not_allowed;
mod image_tag_mutable;
pub mod module_not_analysed;
pub mod parse_error;
mod private_dns_zone_vnet_link_missing;
mod private_endpoint_dns_zone_group_missing;
mod private_endpoint_dns_zone_mismatch;
mod registry_admin_user_enabled;
mod registry_anonymous_pull_enabled;
mod registry_content_trust_disabled;
mod registry_diagnostics_missing;
mod registry_export_enabled;
mod registry_private_endpoint_missing;
mod registry_public_network_access;
mod registry_quarantine_disabled;
mod registry_retention_disabled;
mod registry_role_too_broad;
mod registry_sku_not_premium;
mod registry_zone_redundancy_disabled;
pub mod suppression_unused;

use crate::config::Config;
use crate::finding::{Edit, Finding, Fix, Safety, Severity};
use crate::model::registry::{Prop, RegistryView, Setting};
use crate::model::{Format, Graph, Kind, Resource, Value};
use crate::source::SourceMap;

/// What a rule is: stable code, kebab-case name, default severity and its documentation.
#[derive(Debug)]
pub struct RuleMeta {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    /// One sentence: what fires.
    pub summary: &'static str,
    /// The rule's Markdown doc from `rules/`, embedded.
    pub doc: &'static str,
    /// SARIF `security-severity` (0.0–10.0) for code scanning.
    pub security_severity: &'static str,
    pub tags: &'static [&'static str],
}

/// Rules that run only when `acrlint.toml` turns them on: ACR007 (content trust, retired
/// by the registry service and removed from azurerm v5; the code stays reserved) and ACR009
/// (zone redundancy: resilience, not the supply chain).
pub const OFF_BY_DEFAULT: &[&str] = &["ACR007", "ACR009"];

impl RuleMeta {
    /// False for the rules of [`OFF_BY_DEFAULT`].
    pub fn on_by_default(&self) -> bool {
        !OFF_BY_DEFAULT.contains(&self.code)
    }

    /// The doc's file name in `rules/`.
    pub fn doc_file(&self) -> String {
        format!("{}-{}.md", self.code, self.name)
    }

    /// A URL pattern with `{code}`, `{name}` and `{file}` (the doc's file name) filled in.
    pub fn doc_url(&self, pattern: &str) -> String {
        pattern
            .replace("{code}", self.code)
            .replace("{name}", self.name)
            .replace("{file}", &self.doc_file())
    }
}

/// What a check sees: the whole graph, read-only.
pub struct Ctx<'a> {
    pub graph: &'a Graph,
    pub config: &'a Config,
    pub sources: &'a SourceMap,
    /// What rules could not decide (shown with `--verbose`).
    pub notes: std::sync::Mutex<Vec<String>>,
}

impl Ctx<'_> {
    /// Say why a rule stayed silent (an unresolved reference, an unknown value).
    pub fn undecided(&self, rule: &RuleMeta, why: impl std::fmt::Display) {
        self.notes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(format!("{} {}: not judged: {why}", rule.code, rule.name));
    }
}

/// A rule: its metadata, its check (a pure function of the graph, configuration and
/// sources), and what the check reads. The loaders keep exactly what some rule of [`ALL`]
/// declares here, and drop the rest as soon as a file is evaluated.
pub struct Rule {
    pub meta: RuleMeta,
    pub check: fn(&Ctx) -> Vec<Finding>,
    /// The kinds of resource whose bodies the check reads: directly, through the views of
    /// `src/model/`, or to report on them (a finding's suppression comment is
    /// read from the body of the resource it is about). Of any other kind, only identity
    /// (keys, name, span) is kept.
    pub reads: &'static [Kind],
    /// What the check reads of Kubernetes objects besides their identity (`apiVersion`,
    /// `kind`, `metadata`, always kept).
    pub k8s: &'static [K8sRead],
}

/// A part of Kubernetes objects a rule reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum K8sRead {
    /// An entry of a workload's pod spec, whole (`imagePullSecrets`).
    PodSpec(&'static str),
    /// An entry of each container of a workload's pod spec (`image`).
    Container(&'static str),
    /// Whole objects of a kind (`ServiceAccount`).
    Kind(&'static str),
    /// Whole objects whose `apiVersion` starts with this (`kyverno.io/`).
    Api(&'static str),
}

/// The kinds whose bodies some rule reads (see [`Rule::reads`]).
pub fn body_read(kind: Kind) -> bool {
    static READ: std::sync::OnceLock<Vec<Kind>> = std::sync::OnceLock::new();
    READ.get_or_init(|| {
        let mut kinds: Vec<Kind> = Vec::new();
        for k in ALL.iter().flat_map(|r| r.reads) {
            if !kinds.contains(k) {
                kinds.push(*k);
            }
        }
        kinds
    })
    .contains(&kind)
}

/// What some rule reads of Kubernetes objects (see [`Rule::k8s`]).
pub fn k8s_reads() -> impl Iterator<Item = K8sRead> {
    ALL.iter().flat_map(|r| r.k8s).copied()
}

/// Every rule, in catalog order.
pub static ALL: &[&Rule] = &[
    &registry_public_network_access::RULE,
    &registry_admin_user_enabled::RULE,
    &registry_sku_not_premium::RULE,
    &registry_anonymous_pull_enabled::RULE,
    &registry_export_enabled::RULE,
    &registry_retention_disabled::RULE,
    &registry_content_trust_disabled::RULE,
    &registry_quarantine_disabled::RULE,
    &registry_zone_redundancy_disabled::RULE,
    &registry_diagnostics_missing::RULE,
    &registry_private_endpoint_missing::RULE,
    &private_endpoint_dns_zone_group_missing::RULE,
    &private_dns_zone_vnet_link_missing::RULE,
    &private_endpoint_dns_zone_mismatch::RULE,
    &cluster_policy_addon_disabled::RULE,
    &cluster_acr_pull_missing::RULE,
    &registry_role_too_broad::RULE,
    &image_registry_not_allowed::RULE,
    &image_tag_mutable::RULE,
    &image_pull_secret_used::RULE,
    &parse_error::RULE,
    &suppression_unused::RULE,
    &module_not_analysed::RULE,
];

pub fn by_code_or_name(key: &str) -> Option<&'static Rule> {
    ALL.iter()
        .copied()
        .find(|r| r.meta.code.eq_ignore_ascii_case(key) || r.meta.name == key)
}

/// A check that has nothing to do over the graph (its findings come from elsewhere).
pub(crate) fn no_check(_: &Ctx) -> Vec<Finding> {
    Vec::new()
}

/// Every registry declared in the graph (not `existing` references), through its typed view.
pub(crate) fn registries<'a>(ctx: &'a Ctx) -> impl Iterator<Item = RegistryView<'a>> {
    ctx.graph
        .declared(Kind::ContainerRegistry)
        .filter_map(RegistryView::of)
}

/// The deployment unit a resource belongs to: the folder of its outermost declaration
/// (a Terraform root module, the folder of an ARM template or Bicep entry file). Rules that
/// relate resources "of one deployment" compare units, so that separate projects scanned
/// together do not judge each other.
pub(crate) fn unit<'a>(ctx: &'a Ctx, r: &Resource) -> &'a std::path::Path {
    let span = r.via.first().map_or(r.span, |o| o.span);
    let path = &ctx.sources.get(span.file).path;
    path.parent().unwrap_or(path)
}

/// A short, user-facing name for a resource in messages.
pub(crate) fn display_name(r: &Resource) -> String {
    format!("`{}`", r.address)
}

/// The native literal for a value in a resource's format.
pub(crate) fn literal(format: Format, value: &Lit) -> String {
    match (value, format) {
        (Lit::Bool(b), _) => b.to_string(),
        (Lit::Str(s), Format::Bicep) => format!("'{s}'"),
        (Lit::Str(s), _) => format!("\"{s}\""),
    }
}

#[derive(Clone, Copy)]
pub(crate) enum Lit {
    Bool(bool),
    Str(&'static str),
}

/// A fix that replaces a value written literally at its place of use (in a module too:
/// the literal is the same for every caller). Values that flow in from a variable,
/// parameter or module argument are not rewritten: the same variable may serve other
/// resources or environments, so that change is the user's to make.
pub(crate) fn replace_literal(
    ctx: &Ctx,
    r: &Resource,
    at: &Value,
    new: Lit,
    description: &str,
) -> Option<Fix> {
    // A literal inside a module is the same for every caller: it is fixed once, in the
    // module (`fix::plan` takes each edit once, however many callers report it).
    if !at.origins.is_empty() {
        return None;
    }
    let text = ctx.sources.text(at.span).trim();
    let is_literal = matches!(text, "true" | "false")
        || (text.len() >= 2
            && ((text.starts_with('"') && text.ends_with('"'))
                || (text.starts_with('\'') && text.ends_with('\'')))
            && !text.contains("${")
            && !text.starts_with("\"["));
    if !is_literal {
        return None;
    }
    Some(Fix {
        description: description.to_string(),
        safety: Safety::Safe,
        edits: vec![Edit {
            span: at.span,
            replacement: literal(r.format, &new),
        }],
        requires: Vec::new(),
    })
}

/// How a boolean registry setting is judged.
pub(crate) struct BoolRule {
    pub rule: &'static RuleMeta,
    pub get: for<'a> fn(&RegistryView<'a>) -> Option<Setting<'a, bool>>,
    /// The value that is a finding.
    pub bad: bool,
    /// Only judged on registries known to be Premium (the setting exists only there).
    pub premium_only: bool,
    /// What the bad state means, e.g. "enables the admin user".
    pub what: &'static str,
    /// What the provider default means when the setting is absent, e.g. "exports are allowed by default".
    pub by_default: &'static str,
    /// The native literal that fixes it, when a literal replacement is certain.
    pub fix: Option<(Lit, Lit)>,
    /// The one-sentence fix hint.
    pub hint: &'static str,
    /// For a note: why the setting matters for the registry's trust boundary, added to the
    /// message (empty: the message says enough).
    pub why: &'static str,
}

impl BoolRule {
    /// The `why` as the end of a message.
    fn why(&self) -> String {
        if self.why.is_empty() {
            String::new()
        } else {
            format!("; {}", self.why)
        }
    }

    pub fn run(&self, ctx: &Ctx) -> Vec<Finding> {
        let mut out = Vec::new();
        for reg in registries(ctx) {
            if self.premium_only && !reg.is_known_premium() {
                continue;
            }
            let Some(setting) = (self.get)(&reg) else {
                continue;
            };
            let r = reg.resource;
            let name = display_name(r);
            let finding = match setting.prop {
                Prop::Set { value, at } if value == self.bad => {
                    let fix = self.fix.as_ref().and_then(|(tf, arm)| {
                        let lit = if r.format == Format::Terraform {
                            tf
                        } else {
                            arm
                        };
                        let lit = match lit {
                            Lit::Bool(b) => Lit::Bool(*b),
                            Lit::Str(s) => Lit::Str(s),
                        };
                        replace_literal(ctx, r, at, lit, self.hint)
                    });
                    Finding::new(
                        self.rule,
                        at.span,
                        format!(
                            "registry {name} {}: `{}` is {}{}",
                            self.what,
                            setting.native,
                            at.display(),
                            self.why()
                        ),
                    )
                    .label(format!("`{}` is {}", setting.native, at.display()))
                    .origins_of(setting.native, at)
                    .fix(fix)
                }
                Prop::Default { value } if value == self.bad => Finding::new(
                    self.rule,
                    r.span,
                    format!(
                        "registry {name} {}: `{}` is not set, and {}{}",
                        self.what,
                        setting.native,
                        self.by_default,
                        self.why()
                    ),
                )
                .label(format!("`{}` is not set here", setting.native)),
                _ => continue,
            };
            out.push(finding.on(r).help(self.hint));
        }
        out
    }
}

/// A fix that adds an absent attribute (whose provider default is the finding), with
/// minimal text: Terraform `name = value` as the block's last line; ARM `"leaf": value,` and
/// Bicep `leaf: value` as the first member of the parent object named by `native`
/// (`properties.publicNetworkAccess`), which must exist, span several lines and be written
/// in the resource itself. Indentation follows the neighbouring lines. In a module, the
/// module's own text is changed, once for all its callers.
pub(crate) fn insert_attribute(
    ctx: &Ctx,
    r: &Resource,
    native: &str,
    value: Lit,
    description: &str,
) -> Option<Fix> {
    let (parent, leaf) = match native.rsplit_once('.') {
        Some((p, l)) => (p.split('.').collect::<Vec<_>>(), l),
        None => (Vec::new(), native),
    };
    let obj = if parent.is_empty() {
        &r.body
    } else {
        r.body.path(&parent)?
    };
    if !obj.origins.is_empty()
        || obj.span.file != r.span.file
        || !matches!(obj.kind, crate::model::ValueKind::Object(_))
    {
        return None;
    }
    let file = ctx.sources.get(obj.span.file);
    // Terraform's JSON syntax (`.tf.json`) takes no `name = value` line.
    if r.format == Format::Terraform && crate::parse::terraform::is_json(&file.path) {
        return None;
    }
    let range = obj.span.range();
    let text = file.text.get(range.clone())?;
    let close = text.trim_end().strip_suffix('}')?.len();
    let close_line = file.line_index(range.start + close);
    let open_line = file.line_index(range.start + text.find('{')?);
    let newline = if file.text.contains("\r\n") {
        "\r\n"
    } else {
        "\n"
    };
    if close_line <= open_line + 1 {
        return None;
    }
    let first = &file.text[file.line_range(open_line + 1)];
    let indent: String = first.chars().take_while(|c| c.is_whitespace()).collect();
    let lit = literal(r.format, &value);
    let (at, line) = match r.format {
        Format::Terraform => {
            let start = file.line_range(close_line).start;
            if !file.text[start..range.start + close].trim().is_empty() {
                return None;
            }
            (start, format!("{indent}{leaf} = {lit}{newline}"))
        }
        Format::Arm | Format::Bicep => {
            let t = first.trim();
            if t.is_empty() || t.starts_with('}') || t.starts_with("//") {
                return None;
            }
            let member = if r.format == Format::Arm {
                format!("\"{leaf}\": {lit},")
            } else {
                format!("{leaf}: {lit}")
            };
            (
                file.line_range(open_line + 1).start,
                format!("{indent}{member}{newline}"),
            )
        }
        Format::Kubernetes => return None,
    };
    Some(Fix {
        description: description.to_string(),
        safety: Safety::Safe,
        edits: vec![Edit {
            span: crate::source::Span::new(obj.span.file, at..at),
            replacement: line,
        }],
        requires: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ValueKind;
    use crate::source::{FileId, SourceFile, Span};

    #[test]
    fn declarations_hold_together() {
        for rule in ALL {
            // The LINT rules' findings come from the loaders and suppressions, not a check.
            assert_eq!(
                rule.meta.code.starts_with("LINT"),
                rule.reads.is_empty(),
                "{}: a check reads some kind",
                rule.meta.code
            );
            assert!(
                rule.k8s.is_empty() || rule.reads.contains(&Kind::KubernetesObject),
                "{}: reads parts of Kubernetes objects without declaring the kind",
                rule.meta.code
            );
        }
        // What no rule declares is dropped: the kinds known only by name and identity.
        assert!(body_read(Kind::ContainerRegistry) && body_read(Kind::KubernetesObject));
        assert!(!body_read(Kind::Other) && !body_read(Kind::VirtualNetwork));
        assert!(k8s_reads().any(|r| r == K8sRead::Container("image")));
    }

    /// A registry whose `properties` object spans `{...}` in `text`.
    fn fix_for(format: Format, name: &str, text: &str) -> Option<String> {
        let mut sources = SourceMap::default();
        let id = sources.add(SourceFile::new(name.into(), name.into(), text));
        let at = text.find("{\n").unwrap();
        let end = text.rfind('}').unwrap() + 1;
        let obj = Value::new(ValueKind::Object(vec![]), Span::new(FileId(0), at..end));
        let props = text.find("properties").unwrap();
        let inner_end = text[props..].find("\n  }").unwrap() + props + 4;
        let inner_start = props + text[props..].find('{').unwrap();
        let inner = Value::new(
            ValueKind::Object(vec![]),
            Span::new(id, inner_start..inner_end),
        );
        let body = Value::new(
            ValueKind::Object(vec![("properties".into(), inner)]),
            obj.span,
        );
        let r = Resource {
            id: Default::default(),
            kind: Kind::ContainerRegistry,
            format,
            native_type: "Microsoft.ContainerRegistry/registries".into(),
            address: "acr".into(),
            keys: vec![],
            span: Span::new(id, 0..3),
            body,
            name: None,
            instances: None,
            via: vec![],
            existing: false,
        };
        let graph = Graph::default();
        let config = Config::default();
        let ctx = Ctx {
            graph: &graph,
            config: &config,
            sources: &sources,
            notes: Default::default(),
        };
        let fix = insert_attribute(
            &ctx,
            &r,
            "properties.publicNetworkAccess",
            Lit::Str("Disabled"),
            "d",
        )?;
        let mut out = text.to_string();
        for e in fix.edits {
            out.replace_range(e.span.range(), &e.replacement);
        }
        Some(out)
    }

    #[test]
    fn inserts_arm_and_bicep_members_as_first_property() {
        let arm =
            "{\n  \"type\": \"x\",\n  \"properties\": {\n    \"adminUserEnabled\": false\n  }\n}";
        assert_eq!(
            fix_for(Format::Arm, "t.json", arm).unwrap(),
            "{\n  \"type\": \"x\",\n  \"properties\": {\n    \"publicNetworkAccess\": \"Disabled\",\n    \"adminUserEnabled\": false\n  }\n}"
        );
        let bicep =
            "res {\n  name: 'x'\n  properties: {\n    adminUserEnabled: false // keep\n  }\n}";
        assert_eq!(
            fix_for(Format::Bicep, "main.bicep", bicep).unwrap(),
            "res {\n  name: 'x'\n  properties: {\n    publicNetworkAccess: 'Disabled'\n    adminUserEnabled: false // keep\n  }\n}"
        );
        // A one-line object is left alone.
        assert_eq!(
            fix_for(
                Format::Bicep,
                "main.bicep",
                "res {\n  properties: {}\n  }\n}"
            ),
            None
        );
    }
}
